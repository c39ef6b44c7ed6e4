// Building RFC 6962 proofs from stored node hashes. Only complete subtrees are stored (see
// tiles.h); the few incomplete subtrees on a tree's right edge are hashed on the fly, so the
// work per proof is O(log n) node reads whatever the tree's size.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "crypto/sha256.h"

namespace dipr::log {

using crypto::Hash;

// Reads the hash of the complete subtree at (level, index): leaves index*2^level ..
// (index+1)*2^level - 1. Implementations need not be thread-safe.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  virtual Result<Hash> ReadNode(uint8_t level, uint64_t index) = 0;
  // Optional memo of incomplete (right-edge) subtree hashes MTH(D[lo:hi]). They are facts of an
  // append-only log, and every proof against one tree size needs the same few of them.
  virtual bool Recall(uint64_t /*lo*/, uint64_t /*hi*/, Hash& /*out*/) { return false; }
  virtual void Remember(uint64_t /*lo*/, uint64_t /*hi*/, const Hash& /*h*/) {}
};

// Root hash of the first `size` leaves. REQUIRES: size <= the stored tree's size.
Result<Hash> TreeRoot(uint64_t size, NodeReader& reader);
// RFC 6962 section 2.1.1 audit path for leaf `index` in the tree of `size` leaves.
Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, NodeReader& reader);
// RFC 6962 section 2.1.2 consistency proof between trees of size1 <= size2 leaves.
Result<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2, NodeReader& reader);

}  // namespace dipr::log
