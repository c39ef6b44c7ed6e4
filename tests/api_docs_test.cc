// Every ```json example in docs/API.md is one valid JSON value by dipr's own strict rules
// (common/json_parse.h), so that a reader can paste it; and docs/examples/application.json is a
// whole application.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/json_parse.h"
#include "common/testing.h"

namespace dipr {
namespace {

std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ApiDocsTest, EveryJsonExampleInApiMdParses) {
  const std::string doc = ReadText(std::filesystem::path(testenv::SourceDir()) / "docs/API.md");
  size_t blocks = 0;
  for (size_t p = 0; (p = doc.find("```json\n", p)) != std::string::npos;) {
    size_t q = doc.find("\n```", p + 8);
    ASSERT_NE(q, std::string::npos);
    const std::string block = doc.substr(p + 8, q - p - 8);
    const size_t line = std::count(doc.begin(), doc.begin() + p, '\n') + 2;
    auto j = ParseJson(block);
    EXPECT_TRUE(j.ok()) << "docs/API.md:" << line << ": " << j.status().message() << "\n" << block;
    ++blocks;
    p = q + 4;
  }
  EXPECT_GE(blocks, 10u);
}

TEST(ApiDocsTest, TheExampleApplicationHasEveryField) {
  auto j = ParseJson(
      ReadText(std::filesystem::path(testenv::SourceDir()) / "docs/examples/application.json"));
  ASSERT_TRUE(j.ok()) << j.status().message();
  for (const char* k :
       {"data_name", "holders", "industry", "scenarios", "collection_rules", "processing_rules",
        "structure", "update_frequency", "source", "scale", "deposits", "sample", "confidential"}) {
    EXPECT_TRUE(j->contains(k)) << k;
  }
}

}  // namespace
}  // namespace dipr
