#include "common/json_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace dipr {
namespace {

TEST(JsonText, MatchesNlohmannDump) {
  for (std::string s : {std::string(""), std::string("plain"), std::string("数据 — “quoted”"),
                        std::string("a\"b\\c\nd\re\tf\bg\fh"), std::string("\x01\x1f\x7f", 3),
                        std::string("x\0y", 3)}) {
    std::string out;
    AppendJsonString(out, s);
    EXPECT_EQ(out, nlohmann::json(s).dump()) << s;
  }
}

}  // namespace
}  // namespace dipr
