// The RFC 6962 root of a growing list of leaves, kept as the roots of its perfect subtrees (one
// per set bit of the size, largest first): O(log n) memory, one node hash per leaf on average.
// What an auditor uses to recompute a checkpoint's root from every entry without the log's tiles.
// Not thread-safe (a value type; one owner appends).
#pragma once

#include <cstdint>
#include <vector>

#include "crypto/sha256.h"

namespace dipr::log {

class CompactTree {
 public:
  uint64_t size() const { return size_; }
  // Appends a leaf hash (HashLeaf of the entry), not the entry.
  void Append(const crypto::Hash& leaf);
  // The root of the leaves appended so far; EmptyRoot() when there are none.
  crypto::Hash Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<crypto::Hash> peaks_;
};

}  // namespace dipr::log
