#include "registry/application.h"

#include <gtest/gtest.h>

namespace dipr::registry {
namespace {

using nlohmann::json;

json ValidBody() {
  return json::parse(R"({
    "data_name": "城市交通流量数据集 City traffic flows",
    "holders": [{"name": "杭州数据科技有限公司", "type": "enterprise", "id": "91350100M000100Y43",
                 "country": "CN", "share": 2},
                {"name": "Jane Roe", "type": "individual", "id": "P12345678", "country": "GB",
                 "share": 1}],
    "industry": "G",
    "scenarios": "交通规划 traffic planning",
    "collection_rules": "roadside sensors, every 5 minutes",
    "processing_rules": "anonymized; outliers removed by a median filter",
    "structure": "CSV: sensor, time, count",
    "update_frequency": "daily",
    "source": {"kind": "self_collected", "description": "our own sensors"},
    "scale": {"records": 1000000, "bytes": 52428800},
    "deposits": [40, 12],
    "confidential": ["processing_rules"]
  })");
}

// The message of a rejected body with `edit` applied.
std::string ErrorFor(const std::function<void(json&)>& edit) {
  json b = ValidBody();
  edit(b);
  auto r = ParseApplicationFields(b);
  EXPECT_FALSE(r.ok()) << b.dump();
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

TEST(ApplicationFields, AcceptsAValidBodyAndNormalizesIt) {
  auto f = ParseApplicationFields(ValidBody());
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)["deposits"], json({12, 40}));  // sorted
  EXPECT_EQ((*f)["sample"], "");                // optional, present
  EXPECT_EQ((*f)["confidential"], json({"processing_rules"}));
}

TEST(ApplicationFields, EveryErrorNamesItsField) {
  struct Case {
    std::function<void(json&)> edit;
    std::string field;
  } cases[] = {
      {[](json& b) { b.erase("data_name"); }, "\"data_name\""},
      {[](json& b) { b["data_name"] = ""; }, "\"data_name\""},
      {[](json& b) { b["data_name"] = std::string(201, 'x'); }, "\"data_name\""},
      {[](json& b) { b["data_name"] = 5; }, "\"data_name\""},
      {[](json& b) { b["data_name"] = "a\x01"; }, "\"data_name\""},
      {[](json& b) { b["holders"] = json::array(); }, "\"holders\""},
      {[](json& b) { b["holders"][0].erase("share"); }, "\"holders[0].share\""},
      {[](json& b) { b["holders"][0]["share"] = 0; }, "\"holders[0].share\""},
      {[](json& b) { b["holders"][0]["share"] = -1; }, "\"holders[0].share\""},
      {[](json& b) { b["holders"][0]["share"] = 1.5; }, "\"holders[0].share\""},
      {[](json& b) { b["holders"][0]["type"] = "company"; }, "\"holders[0].type\""},
      {[](json& b) { b["holders"][0]["id"] = "91350100M000100Y44"; }, "\"holders[0].id\""},
      {[](json& b) { b["holders"][1]["country"] = "gb"; }, "\"holders[1].country\""},
      {[](json& b) { b["holders"][1]["nickname"] = "x"; }, "\"holders[1].nickname\""},
      {[](json& b) {
         b["holders"][1]["id"] = "91350100M000100Y43";
         b["holders"][1]["country"] = "CN";
       },
       "\"holders[1].id\""},  // repeats holder 0
      {[](json& b) { b["industry"] = "U"; }, "\"industry\""},
      {[](json& b) { b["industry"] = "i"; }, "\"industry\""},
      {[](json& b) { b["scenarios"] = ""; }, "\"scenarios\""},
      {[](json& b) { b.erase("structure"); }, "\"structure\""},
      {[](json& b) { b["collection_rules"] = std::string(2001, 'a'); }, "\"collection_rules\""},
      {[](json& b) { b["source"]["kind"] = "stolen"; }, "\"source.kind\""},
      {[](json& b) { b["source"].erase("description"); }, "\"source.description\""},
      {[](json& b) { b["scale"]["records"] = -3; }, "\"scale.records\""},
      {[](json& b) { b["scale"].erase("bytes"); }, "\"scale.bytes\""},
      {[](json& b) { b["deposits"] = json::array(); }, "\"deposits\""},
      {[](json& b) {
         b["deposits"] = {1, 1};
       },
       "\"deposits[1]\""},
      {[](json& b) { b["deposits"] = {"12"}; }, "\"deposits[0]\""},
      {[](json& b) { b["confidential"] = {"data_name"}; }, "\"confidential[0]\""},
      {[](json& b) { b["extra"] = 1; }, "\"extra\""},
  };
  for (const auto& c : cases) {
    EXPECT_NE(ErrorFor(c.edit).find(c.field), std::string::npos) << c.field;
  }
}

TEST(ApplicationFields, ForeignAndIndividualHoldersCarryTheirOwnIdentifiers) {
  json b = ValidBody();
  b["holders"] = {{{"name", "Acme GmbH"},
                   {"type", "enterprise"},
                   {"id", "HRB 12345"},
                   {"country", "DE"},
                   {"share", 1}},
                  {{"name", "张三"},
                   {"type", "individual"},
                   {"id", "11010519491231002X"},
                   {"country", "CN"},
                   {"share", 1}}};
  EXPECT_TRUE(ParseApplicationFields(b).ok());
}

// Issue 9, item 11: a CN individual's identity number was not checked, "ZZ" was a country.
TEST(ApplicationFields, AChineseIndividualsIdentityNumberIsChecked) {
  auto error = [](const std::string& id) {
    return ErrorFor([&](json& b) {
      b["holders"][1] = {
          {"name", "张三"}, {"type", "individual"}, {"id", id}, {"country", "CN"}, {"share", 1}};
    });
  };
  for (const std::string id : {"110105194912310021",  // wrong check character (X)
                               "11010519491231002x",  // the standard writes X in capitals
                               "110105194902300020",  // 1949-02-30 (right check character)
                               "11010519491231002",   // 17 characters
                               "110105491231002",     // a first-generation 15-digit number
                               "1101051949123100AX"}) {
    EXPECT_NE(error(id).find("\"holders[1].id\""), std::string::npos) << id;
  }
  for (const std::string id : {"11010519491231002X", "110101200002290018"}) {  // 2000-02-29
    json b = ValidBody();
    b["holders"][1] = {
        {"name", "张三"}, {"type", "individual"}, {"id", id}, {"country", "CN"}, {"share", 1}};
    auto f = ParseApplicationFields(b);
    EXPECT_TRUE(f.ok()) << id << ": " << f.status().ToString();
  }
}

TEST(ApplicationFields, ACountryMustBeAnAssignedIsoCode) {
  for (const std::string c : {"ZZ", "XK", "AA", "UK", "EU", "AN", "QZ", "C1"}) {
    EXPECT_NE(
        ErrorFor([&](json& b) { b["holders"][1]["country"] = c; }).find("\"holders[1].country\""),
        std::string::npos)
        << c;
  }
  for (const std::string c : {"GB", "FR", "HK", "TW", "SS", "AX", "ZW", "AD"}) {
    json b = ValidBody();
    b["holders"][1]["country"] = c;
    EXPECT_TRUE(ParseApplicationFields(b).ok()) << c;
  }
}

TEST(ApplicationFields, NamesWithInvisibleOrReorderingCharactersAreRefused) {
  const std::string cases[] = {
      "Acme\u0085Ltd",         // C1 control (NEL)
      "Acme\u009bLtd",         // C1 control (CSI)
      "Acme\u2028Ltd",         // line separator
      "Acme\u2029Ltd",         // paragraph separator
      "Acme \u202eDTL",        // right-to-left override
      "Acme \u202aLtd",        // left-to-right embedding
      "Acme \u2066Ltd\u2069",  // isolate
      "Acme\ufdd0",            // noncharacter
      "Acme\uffff",            // noncharacter
      "\u200b",                // ZWSP only
      "\u200d\u200c\ufeff",    // ZWJ, ZWNJ, BOM
      "\u3000\u00a0 \u2060",   // ideographic space, NBSP, word joiner
      "\u115f\u3164",          // Hangul fillers
  };
  for (const auto& raw : cases) {
    std::string name = json::parse("\"" + raw + "\"").get<std::string>();
    EXPECT_NE(
        ErrorFor([&](json& b) { b["holders"][0]["name"] = name; }).find("\"holders[0].name\""),
        std::string::npos)
        << raw;
    EXPECT_NE(ErrorFor([&](json& b) { b["data_name"] = name; }).find("\"data_name\""),
              std::string::npos)
        << raw;
  }
  // Invisible characters within visible text are fine: ZWJ in an emoji, ZWNJ in Persian.
  for (const std::string raw :
       {"\u0645\u06cc\u200c\u062e\u0648\u0627\u0645", "data \U0001F469\u200d\U0001F4BB"}) {
    json b = ValidBody();
    b["data_name"] = json::parse("\"" + raw + "\"").get<std::string>();
    EXPECT_TRUE(ParseApplicationFields(b).ok()) << raw;
  }
}

TEST(ApplicationFields, PublicFieldsHideConfidentialOnesAndMaskIndividuals) {
  auto f = ParseApplicationFields(ValidBody());
  ASSERT_TRUE(f.ok());
  json p = PublicFields(*f);
  EXPECT_FALSE(p.contains("processing_rules"));
  EXPECT_TRUE(p.contains("collection_rules"));
  EXPECT_EQ(p["holders"][0]["id"], "91350100M000100Y43");  // enterprises are public
  EXPECT_EQ(p["holders"][1]["id"], "P12****78");
  EXPECT_EQ(MaskIdentifier("11010519491231002X"), "110*************2X");
  EXPECT_EQ(MaskIdentifier("12345"), "*****");
}

TEST(ApplicationFields, CommitmentBindsFieldsAndSalt) {
  auto f = ParseApplicationFields(ValidBody());
  ASSERT_TRUE(f.ok());
  std::string salt(32, 'a');
  auto c1 = FieldsCommitment(*f, salt);
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1->size(), 64u);
  EXPECT_EQ(*c1, *FieldsCommitment(*f, salt));
  EXPECT_NE(*c1, *FieldsCommitment(*f, std::string(32, 'b')));
  json g = *f;
  g["structure"] = "Parquet";
  EXPECT_NE(*c1, *FieldsCommitment(g, salt));
  EXPECT_FALSE(FieldsCommitment(*f, "abcd").ok());
}

}  // namespace
}  // namespace dipr::registry
