#include "verify/compact_tree.h"

#include <gtest/gtest.h>

#include <bit>
#include <string>
#include <vector>

#include "verify/hasher.h"

namespace dipr::log {
namespace {

using crypto::Hash;

// RFC 6962's MTH written as the RFC states it (split at the largest power of two below n): the
// oracle the compact tree must agree with.
Hash ReferenceRoot(const std::vector<Hash>& leaves, size_t begin, size_t end) {
  const size_t n = end - begin;
  if (n == 0) return EmptyRoot();
  if (n == 1) return leaves[begin];
  const size_t k = std::bit_floor(n - 1);
  return HashChildren(ReferenceRoot(leaves, begin, begin + k),
                      ReferenceRoot(leaves, begin + k, end));
}

TEST(CompactTree, RootAgreesWithRfc6962AtEverySize) {
  CompactTree tree;
  std::vector<Hash> leaves;
  EXPECT_EQ(tree.Root(), EmptyRoot());
  for (int i = 0; i < 300; ++i) {
    leaves.push_back(HashLeaf("entry " + std::to_string(i)));
    tree.Append(leaves.back());
    ASSERT_EQ(tree.size(), leaves.size());
    ASSERT_EQ(tree.Root(), ReferenceRoot(leaves, 0, leaves.size())) << "size " << leaves.size();
  }
}

TEST(CompactTree, OneLeafIsItsOwnRoot) {
  CompactTree tree;
  const Hash leaf = HashLeaf("only");
  tree.Append(leaf);
  EXPECT_EQ(tree.Root(), leaf);
}

}  // namespace
}  // namespace dipr::log
