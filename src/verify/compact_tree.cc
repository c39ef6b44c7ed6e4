#include "verify/compact_tree.h"

#include "verify/hasher.h"

namespace dipr::log {

void CompactTree::Append(const crypto::Hash& leaf) {
  crypto::Hash h = leaf;
  // Each trailing one bit of the old size is a peak of the same height as h: merge them.
  for (uint64_t s = size_; s & 1; s >>= 1) {
    h = HashChildren(peaks_.back(), h);
    peaks_.pop_back();
  }
  peaks_.push_back(h);
  size_++;
}

crypto::Hash CompactTree::Root() const {
  if (peaks_.empty()) return EmptyRoot();
  crypto::Hash h = peaks_.back();
  for (size_t i = peaks_.size() - 1; i-- > 0;) h = HashChildren(peaks_[i], h);
  return h;
}

}  // namespace dipr::log
