#include "verify/verify.h"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cassert>
#include <string_view>

#include "verify/hasher.h"

namespace dipr::log {
namespace {

Status WrongLength(size_t got, size_t want) {
  return InvalidArgument(fmt::format("proof has {} hashes, want {}", got, want));
}

// REQUIRES: start < end.
Status CheckSubtree(uint64_t start, uint64_t end) {
  if (start == 0) return Status::Ok();  // Every prefix of the log is a subtree.
  const uint64_t length = end - start;
  // bit_ceil(length) would be 2^64, which no non-zero start is a multiple of; checking first
  // also keeps std::bit_ceil inside its defined range.
  if (length > (uint64_t{1} << 63)) {
    return InvalidArgument(fmt::format(
        "[{}, {}) is not a valid subtree: more than 2^63 leaves must start at 0", start, end));
  }
  const uint64_t alignment = std::bit_ceil(length);
  if (start % alignment != 0) {
    return InvalidArgument(fmt::format(
        "[{}, {}) is not a valid subtree: start is not a multiple of {}", start, end, alignment));
  }
  return Status::Ok();
}

// Descending from a node towards the subtree the proof starts from, each level is one of:
enum class Step : uint8_t {
  kLeft,   // The subtree lies in the left child: the proof gives the right sibling.
  kRight,  // The subtree lies in the right child: the proof gives the left sibling.
  kSplit,  // The subtree is the whole left child plus a prefix of the right child, so the proof's
           // left sibling is part of the subtree's hash as well as of the node's.
};

// Shared by plain and subtree consistency: the RFC 6962 consistency proof from size m to size n
// is the MTC subtree consistency proof for [0, m) in a tree of n leaves. The proof is generated
// by a recursion that depends only on (start, end, size), so we replay that recursion top-down
// to learn which side each proof hash belongs on, then fold the hashes bottom-up.
// REQUIRES: start < end <= size, and CheckSubtree(start, end) is OK.
Status VerifySubtreeProof(uint64_t start, uint64_t end, uint64_t size, std::span<const Hash> proof,
                          const Hash& subtree_root, const Hash& root,
                          std::string_view subtree_root_name, std::string_view root_name) {
  // Each step strictly lowers the bit width of the node size (64 at most, 1 at the end), so a
  // fixed array suffices and hostile sizes cannot cause unbounded work.
  std::array<Step, 64> steps;
  int depth = 0;
  // lo, hi and n are the subtree bounds and node size relative to the current node.
  uint64_t lo = start, hi = end, n = size;
  // True while every step so far was kLeft or kRight: then the subtree is itself a node of the
  // tree, whose hash the verifier already has, so the proof omits it.
  bool subtree_is_node = true;
  while (lo != 0 || hi != n) {
    // lo < hi <= n and [lo, hi) != [0, n) imply n >= 2, so n - 1 >= 1.
    const uint64_t k = std::bit_floor(n - 1);  // Size of the left child: RFC 6962's split.
    assert(depth < static_cast<int>(steps.size()));
    if (hi <= k) {
      steps[depth++] = Step::kLeft;
      n = k;
    } else if (lo >= k) {
      steps[depth++] = Step::kRight;
      lo -= k;
      hi -= k;
      n -= k;
    } else {
      // A valid subtree that straddles the split must start at the node's first leaf; the
      // caller's CheckSubtree guarantees that, and this keeps hostile input harmless anyway.
      if (lo != 0) return InvalidArgument("subtree straddles a node boundary");
      steps[depth++] = Step::kSplit;
      hi -= k;
      n -= k;
      subtree_is_node = false;
    }
  }

  const size_t want = static_cast<size_t>(depth) + (subtree_is_node ? 0 : 1);
  if (proof.size() != want) return WrongLength(proof.size(), want);

  // `sub` rebuilds the subtree's hash, `node` the root; they share the seed, the hash of the
  // node where the descent ended (a part of the subtree, or all of it).
  size_t next = 0;
  Hash sub = subtree_is_node ? subtree_root : proof[next++];
  Hash node = sub;
  for (int i = depth - 1; i >= 0; --i) {
    const Hash& sibling = proof[next++];
    switch (steps[i]) {
      case Step::kLeft:
        node = HashChildren(node, sibling);
        break;
      case Step::kRight:
        node = HashChildren(sibling, node);
        break;
      case Step::kSplit:
        node = HashChildren(sibling, node);
        sub = HashChildren(sibling, sub);
        break;
    }
  }
  if (sub != subtree_root) return InvalidArgument(fmt::format("{} mismatch", subtree_root_name));
  if (node != root) return InvalidArgument(fmt::format("{} mismatch", root_name));
  return Status::Ok();
}

}  // namespace

Result<Hash> RootFromInclusionProof(uint64_t index, uint64_t size, const Hash& leaf_hash,
                                    std::span<const Hash> proof) {
  if (index >= size) {
    return InvalidArgument(fmt::format("index {} outside tree of size {}", index, size));
  }
  // Below the level where the paths to `index` and to the last leaf diverge, the path has a
  // sibling at every level, on either side. Above it the path runs along the tree's right edge,
  // where a level has a (left) sibling only if index's ancestor there is a right child.
  const int inner = std::bit_width(index ^ (size - 1));  // 0..64
  const int border = inner >= 64 ? 0 : std::popcount(index >> inner);
  const size_t want = static_cast<size_t>(inner + border);
  if (proof.size() != want) return WrongLength(proof.size(), want);

  Hash hash = leaf_hash;
  for (int i = 0; i < inner; ++i) {
    hash = ((index >> i) & 1) ? HashChildren(proof[i], hash) : HashChildren(hash, proof[i]);
  }
  for (size_t i = inner; i < want; ++i) hash = HashChildren(proof[i], hash);
  return hash;
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root) {
  ASSIGN_OR_RETURN(const Hash computed, RootFromInclusionProof(index, size, leaf_hash, proof));
  if (computed != root) return InvalidArgument("root mismatch");
  return Status::Ok();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2) {
  if (size1 > size2) {
    return InvalidArgument(fmt::format("size1 {} is larger than size2 {}", size1, size2));
  }
  if (size1 == 0) return InvalidArgument("a consistency proof from the empty tree proves nothing");
  return VerifySubtreeProof(0, size1, size2, proof, root1, root2, "root1", "root2");
}

bool IsValidSubtree(uint64_t start, uint64_t end) {
  return start < end && CheckSubtree(start, end).ok();
}

Status VerifySubtreeInclusion(uint64_t index, uint64_t start, uint64_t end, const Hash& leaf_hash,
                              std::span<const Hash> proof, const Hash& subtree_root) {
  if (start >= end) {
    return InvalidArgument(fmt::format("subtree [{}, {}) contains no leaves", start, end));
  }
  RETURN_IF_ERROR(CheckSubtree(start, end));
  if (index < start || index >= end) {
    return InvalidArgument(fmt::format("index {} outside subtree [{}, {})", index, start, end));
  }
  // MTH(D[start:end]) is an ordinary RFC 6962 tree over those leaves, so the proof is a plain
  // audit path with indices relative to start.
  ASSIGN_OR_RETURN(const Hash computed,
                   RootFromInclusionProof(index - start, end - start, leaf_hash, proof));
  if (computed != subtree_root) return InvalidArgument("subtree root mismatch");
  return Status::Ok();
}

Status VerifySubtreeConsistency(uint64_t start, uint64_t end, uint64_t size,
                                std::span<const Hash> proof, const Hash& subtree_root,
                                const Hash& root) {
  if (start > end) {
    return InvalidArgument(fmt::format("subtree [{}, {}) ends before it starts", start, end));
  }
  if (end > size) {
    return InvalidArgument(
        fmt::format("subtree [{}, {}) extends beyond the tree of size {}", start, end, size));
  }
  if (start == end) {
    // No leaves, so nothing to tie to `root`; only the subtree's own hash can be wrong.
    if (!proof.empty()) return WrongLength(proof.size(), 0);
    if (subtree_root != EmptyRoot()) {
      return InvalidArgument("an empty subtree's root must be the empty tree's root");
    }
    return Status::Ok();
  }
  RETURN_IF_ERROR(CheckSubtree(start, end));
  return VerifySubtreeProof(start, end, size, proof, subtree_root, root, "subtree root", "root");
}

}  // namespace dipr::log
