#include "verify/proof.h"

#include <fmt/format.h>
#include <bit>

#include "verify/hasher.h"

namespace dipr::log {
namespace {

// Largest power of two strictly less than n. REQUIRES: n >= 2.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[lo:hi]). Complete aligned subtrees are read; a right-edge subtree is split at the largest
// power of two below its size, whose left part is always complete.
Result<Hash> SubtreeHash(uint64_t lo, uint64_t hi, NodeReader& reader) {
  uint64_t n = hi - lo;
  if (std::has_single_bit(n) && lo % n == 0) {
    return reader.ReadNode(static_cast<uint8_t>(std::countr_zero(n)), lo / n);
  }
  Hash memo;
  if (reader.Recall(lo, hi, memo)) return memo;
  uint64_t k = SplitPoint(n);
  ASSIGN_OR_RETURN(Hash left, SubtreeHash(lo, lo + k, reader));
  ASSIGN_OR_RETURN(Hash right, SubtreeHash(lo + k, hi, reader));
  Hash h = HashChildren(left, right);
  reader.Remember(lo, hi, h);
  return h;
}

// PATH(m, D[lo:hi]), appended leaf-first to out.
Status Path(uint64_t m, uint64_t lo, uint64_t hi, NodeReader& reader, std::vector<Hash>& out) {
  if (hi - lo <= 1) return Status::Ok();
  uint64_t k = SplitPoint(hi - lo);
  if (m < lo + k) {
    RETURN_IF_ERROR(Path(m, lo, lo + k, reader, out));
    ASSIGN_OR_RETURN(Hash h, SubtreeHash(lo + k, hi, reader));
    out.push_back(h);
  } else {
    RETURN_IF_ERROR(Path(m, lo + k, hi, reader, out));
    ASSIGN_OR_RETURN(Hash h, SubtreeHash(lo, lo + k, reader));
    out.push_back(h);
  }
  return Status::Ok();
}

// SUBPROOF(m, D[lo:hi], b) of RFC 6962 section 2.1.2.
Status SubProof(uint64_t m, uint64_t lo, uint64_t hi, bool b, NodeReader& reader,
                std::vector<Hash>& out) {
  uint64_t n = hi - lo;
  if (m == n) {
    if (!b) {
      ASSIGN_OR_RETURN(Hash h, SubtreeHash(lo, hi, reader));
      out.push_back(h);
    }
    return Status::Ok();
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    RETURN_IF_ERROR(SubProof(m, lo, lo + k, b, reader, out));
    ASSIGN_OR_RETURN(Hash h, SubtreeHash(lo + k, hi, reader));
    out.push_back(h);
  } else {
    RETURN_IF_ERROR(SubProof(m - k, lo + k, hi, false, reader, out));
    ASSIGN_OR_RETURN(Hash h, SubtreeHash(lo, lo + k, reader));
    out.push_back(h);
  }
  return Status::Ok();
}

}  // namespace

Result<Hash> TreeRoot(uint64_t size, NodeReader& reader) {
  if (size == 0) return EmptyRoot();
  return SubtreeHash(0, size, reader);
}

Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, NodeReader& reader) {
  if (index >= size) {
    return InvalidArgument(fmt::format("index {} is outside the tree of size {}", index, size));
  }
  std::vector<Hash> out;
  RETURN_IF_ERROR(Path(index, 0, size, reader, out));
  return out;
}

Result<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2, NodeReader& reader) {
  if (size1 > size2) {
    return InvalidArgument(fmt::format("from ({}) is larger than to ({})", size1, size2));
  }
  std::vector<Hash> out;
  if (size1 == 0 || size1 == size2) return out;
  RETURN_IF_ERROR(SubProof(size1, 0, size2, true, reader, out));
  return out;
}

}  // namespace dipr::log
