#include "verify/event.h"

#include <gtest/gtest.h>

namespace dipr::registry {
namespace {

TEST(Event, EncodesCanonicallyWithSortedKeys) {
  Event e{"deposit",
          *ParseRfc3339("2026-11-26T01:53:46.123Z"),
          "u0123456789abcdef",
          {{"title", "数据 \"q\"\n"}, {"fingerprint", {{"size", 5}, {"digest", "ab"}}}}};
  auto bytes = EncodeEntry(e);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes,
            "{\"actor\":\"u0123456789abcdef\",\"payload\":{\"fingerprint\":{\"digest\":\"ab\","
            "\"size\":5},\"title\":\"数据 \\\"q\\\"\\n\"},\"time\":\"2026-11-26T01:53:46.123Z\","
            "\"type\":\"deposit\",\"v\":1}");
  auto back = DecodeEntry(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->type, "deposit");
  EXPECT_EQ(back->payload["title"], "数据 \"q\"\n");
}

TEST(Event, DecodeRejectsNonCanonicalAndForeignEntries) {
  Event e{"deposit", *ParseRfc3339("2026-11-26T01:53:46.123Z"), "u1", {{"a", 1}}};
  std::string good = *EncodeEntry(e);
  EXPECT_TRUE(DecodeEntry(good).ok());
  EXPECT_FALSE(DecodeEntry(" " + good).ok());  // whitespace
  std::string reordered =
      R"({"v":1,"actor":"u1","payload":{"a":1},"time":"2026-11-26T01:53:46.123Z","type":"deposit"})";
  EXPECT_FALSE(DecodeEntry(reordered).ok());
  EXPECT_FALSE(DecodeEntry("[]").ok());
  EXPECT_FALSE(DecodeEntry(R"({"v":2})").ok());
}

TEST(Event, DirectDepositEncodingIsTheCanonicalOne) {
  Time t = *ParseRfc3339("2026-11-26T01:53:46.123Z");
  for (std::string title : {std::string("t"), std::string("客户数据 \"q\" \\ \n\t"),
                            std::string("\x01ctl"), std::string(300, 'x')}) {
    Event e{"deposit",
            t,
            "u0123456789abcdef",
            {{"fingerprint",
              {{"algorithm", "rfc6962-sha256-64k"},
               {"chunk_size", 65536},
               {"chunks", 3},
               {"digest", std::string(64, 'a')},
               {"size", 150000}}},
             {"title", title}}};
    EXPECT_EQ(EncodeDepositEntry(t, "u0123456789abcdef", "rfc6962-sha256-64k", 65536, 3,
                                 std::string(64, 'a'), 150000, title),
              *EncodeEntry(e))
        << title;
  }
}

TEST(Event, RejectsFloatsAndBadUtf8) {
  Event e{"deposit", Time(), "u1", {{"x", 1.5}}};
  EXPECT_FALSE(EncodeEntry(e).ok());
  e.payload = {{"x", std::string("\xff")}};
  EXPECT_FALSE(EncodeEntry(e).ok());
}

}  // namespace
}  // namespace dipr::registry
