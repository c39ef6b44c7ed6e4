#include "common/json_parse.h"

#include <gtest/gtest.h>

namespace dipr {
namespace {

TEST(ParseJson, AcceptsWhatPlainParsingAccepts) {
  for (std::string_view text :
       {"{}", "[]", "null", "1", "-2.5e3", "\"数据\"", " {\"a\":[1,{\"b\":null}],\"c\":true} \n",
        "\xEF\xBB\xBF{\"bom\":1}", "{\"a\":{\"x\":1},\"b\":{\"x\":2}}", "18446744073709551615"}) {
    auto j = ParseJson(text);
    ASSERT_TRUE(j.ok()) << text << ": " << j.status().ToString();
    EXPECT_EQ(*j, nlohmann::json::parse(text)) << text;
  }
}

// verify-certificate accepted a document whose first "valid_until" was forged: nlohmann keeps the
// last of two equal keys, while a person (or another parser) reads the first.
TEST(ParseJson, RefusesADuplicateKeyAtAnyDepth) {
  for (std::string_view text :
       {"{\"role\":\"holder\",\"role\":\"admin\"}", "{\"a\":{\"b\":1,\"c\":2,\"b\":3}}",
        "[{\"x\":1},{\"y\":[{\"z\":1,\"z\":1}]}]",
        "{\"valid_until\":\"2099\",\"k\":0,\"valid_until\":\"2026\"}"}) {
    auto j = ParseJson(text);
    ASSERT_FALSE(j.ok()) << text;
    EXPECT_EQ(j.status().code(), Code::kInvalidArgument);
    EXPECT_NE(j.status().message().find("appears twice"), std::string::npos)
        << j.status().message();
  }
}

// The lexer took a NUL byte for the end of the input, so "{}\0garbage" parsed as {}.
TEST(ParseJson, RefusesANulByteAndAnythingAfterTheValue) {
  for (std::string text :
       {std::string("{}\0garbage", 10), std::string("{\"a\":1}\0", 8), std::string("{} {}"),
        std::string("{}x"), std::string("1 2"), std::string("\"a\0b\"", 5), std::string("")}) {
    EXPECT_FALSE(ParseJson(text).ok()) << text;
  }
}

TEST(ParseJson, RefusesDeepNestingAndBadUtf8) {
  std::string deep(kMaxJsonDepth + 1, '[');
  deep += std::string(kMaxJsonDepth + 1, ']');
  auto j = ParseJson(deep);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().message().find("nested deeper"), std::string::npos);
  std::string ok_depth(kMaxJsonDepth, '[');
  ok_depth += std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseJson(ok_depth).ok());
  // A megabyte of '[' is refused at once, without recursion.
  EXPECT_FALSE(ParseJson(std::string(1 << 20, '[')).ok());
  EXPECT_FALSE(ParseJson("\"\xC3\x28\"").ok());
  EXPECT_FALSE(ParseJson("{\"\xFF\":1}").ok());
}

}  // namespace
}  // namespace dipr
