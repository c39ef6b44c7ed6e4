// Offline verification of RFC 6962 / RFC 9162 Merkle proofs, and of the subtree proofs of the
// Merkle Tree Certificates draft (as implemented by transparency-dev/merkle). Verification needs
// only the proof, the sizes and the hashes the client already trusts: no tree, no I/O.
//
// Every function is total: any combination of sizes (including values near 2^64) and any proof
// length yields a Status, never a crash, overflow or unbounded work. All failures are
// InvalidArgument, since a bad proof is bad input, not a server fault.
#pragma once

#include <cstdint>
#include <span>

#include "common/status.h"
#include "crypto/sha256.h"

namespace dipr::log {

using crypto::Hash;

// Verifies that `leaf_hash` (already leaf-hashed, RFC 6962 section 2.1) sits at `index` in the
// tree of `size` leaves whose root is `root`. `proof` is the RFC 6962 audit path, bottom up.
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root);

// The root that an inclusion proof commits to; for callers that compare it against several
// candidate roots, or that only learn the trusted root later.
Result<Hash> RootFromInclusionProof(uint64_t index, uint64_t size, const Hash& leaf_hash,
                                    std::span<const Hash> proof);

// Verifies that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves
// with root `root1` (RFC 6962 section 2.1.2). As in RFC 9162 and transparency-dev/merkle,
// size1 == 0 is rejected even when size2 == 0: every tree extends the empty one, so such a proof
// proves nothing, and a caller that asks for one has a logic error worth surfacing. Callers
// that accept a first checkpoint on trust must special-case size 0 themselves.
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2);

// True if the non-empty leaf range [start, end) is a subtree in the MTC draft's sense: start is
// a multiple of the smallest power of two >= end - start. Such a range always lies under a
// single node of every tree that contains it, which is what makes subtree proofs possible.
bool IsValidSubtree(uint64_t start, uint64_t end);

// Verifies that `leaf_hash` sits at `index` (an index in the whole log, not relative to start)
// within the subtree [start, end) whose hash, MTH(D[start:end]), is `subtree_root`. The proof
// is the RFC 6962 audit path of leaf index - start in the tree of the subtree's end - start
// leaves. REQUIRES nothing: an empty or invalid subtree, or an index outside it, is an error.
Status VerifySubtreeInclusion(uint64_t index, uint64_t start, uint64_t end, const Hash& leaf_hash,
                              std::span<const Hash> proof, const Hash& subtree_root);

// Verifies that the subtree [start, end) with hash `subtree_root` is part of the tree of `size`
// leaves whose root is `root` (MTC draft "subtree consistency proof"; for start == 0 the proof
// is exactly the RFC 6962 consistency proof from size end to size `size`).
// An empty subtree (start == end <= size) is trivially part of every tree: it is accepted iff
// the proof is empty and `subtree_root` is the empty tree's root; `root` is then not examined.
Status VerifySubtreeConsistency(uint64_t start, uint64_t end, uint64_t size,
                                std::span<const Hash> proof, const Hash& subtree_root,
                                const Hash& root);

}  // namespace dipr::log
