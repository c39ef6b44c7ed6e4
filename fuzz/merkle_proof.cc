// Merkle proof verification (log/verify.h), as a receipt or a consistency check hands it sizes
// and hashes from the outside. Input: a kind byte, three little-endian uint64 (index/start/size1,
// size/end/size2, -/-/size), then 32-byte hashes: the two the caller trusts, then the proof
// (fuzz/corpus/merkle_proof comes from testdata/merkle-vectors by fuzz/seeds.py). Every
// combination yields a Status, and an inclusion proof verifies exactly when the root it leads to
// is the trusted one.
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "verify/verify.h"

using namespace dipr;
using log::Hash;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 + 24) return 0;
  uint8_t kind = data[0] % 4;
  uint64_t a, b, c;
  std::memcpy(&a, data + 1, 8);
  std::memcpy(&b, data + 9, 8);
  std::memcpy(&c, data + 17, 8);
  data += 25;
  size -= 25;
  std::vector<Hash> hashes(size / 32);
  for (size_t i = 0; i < hashes.size(); ++i) std::memcpy(hashes[i].data(), data + 32 * i, 32);
  while (hashes.size() < 2) hashes.emplace_back();
  const Hash first = hashes[0], second = hashes[1];
  std::span<const Hash> proof(hashes.data() + 2, hashes.size() - 2);
  switch (kind) {
    case 0: {  // inclusion: index a, size b, leaf first, root second
      Status st = log::VerifyInclusion(a, b, first, proof, second);
      auto root = log::RootFromInclusionProof(a, b, first, proof);
      FUZZ_CHECK(st.ok() == (root.ok() && *root == second),
                 "VerifyInclusion agrees with RootFromInclusionProof");
      break;
    }
    case 1: {  // consistency: size1 a, size2 b, root1 first, root2 second
      Status st = log::VerifyConsistency(a, b, proof, first, second);
      if (st.ok()) FUZZ_CHECK(a > 0 && a <= b, "a consistency proof needs 0 < size1 <= size2");
      break;
    }
    case 2: {  // subtree inclusion: index c within [a, b), leaf first, subtree root second
      Status st = log::VerifySubtreeInclusion(c, a, b, first, proof, second);
      if (st.ok()) {
        FUZZ_CHECK(log::IsValidSubtree(a, b) && a <= c && c < b, "the index is in a subtree");
      }
      break;
    }
    case 3: {  // subtree consistency: [a, b) in a tree of c leaves
      Status st = log::VerifySubtreeConsistency(a, b, c, proof, first, second);
      if (st.ok()) FUZZ_CHECK(a <= b && b <= c, "the subtree lies within the tree");
      break;
    }
  }
  return 0;
}
