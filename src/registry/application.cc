#include "registry/application.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/hex.h"
#include "common/utf8.h"
#include "crypto/sha256.h"
#include "registry/commitment.h"
#include "registry/country.h"
#include "registry/resident_id.h"
#include "registry/uscc.h"
#include "registry/validate.h"
#include "verify/event.h"

namespace dipr::registry {
namespace {

struct Industry {
  char section;
  std::string_view zh, en;
};
constexpr Industry kIndustries[] = {
    {'A', "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"},
    {'B', "采矿业", "Mining"},
    {'C', "制造业", "Manufacturing"},
    {'D', "电力、热力、燃气及水生产和供应业",
     "Production and supply of electricity, heat, gas and water"},
    {'E', "建筑业", "Construction"},
    {'F', "批发和零售业", "Wholesale and retail trade"},
    {'G', "交通运输、仓储和邮政业", "Transport, storage and postal services"},
    {'H', "住宿和餐饮业", "Accommodation and catering"},
    {'I', "信息传输、软件和信息技术服务业",
     "Information transmission, software and information technology services"},
    {'J', "金融业", "Finance"},
    {'K', "房地产业", "Real estate"},
    {'L', "租赁和商务服务业", "Leasing and business services"},
    {'M', "科学研究和技术服务业", "Scientific research and technical services"},
    {'N', "水利、环境和公共设施管理业",
     "Water conservancy, environment and public facilities management"},
    {'O', "居民服务、修理和其他服务业", "Resident services, repair and other services"},
    {'P', "教育", "Education"},
    {'Q', "卫生和社会工作", "Health and social work"},
    {'R', "文化、体育和娱乐业", "Culture, sports and entertainment"},
    {'S', "公共管理、社会保障和社会组织",
     "Public administration, social security and social organizations"},
    {'T', "国际组织", "International organizations"},
};

const Industry* FindIndustry(std::string_view s) {
  if (s.size() != 1) return nullptr;
  for (const auto& i : kIndustries) {
    if (i.section == s[0]) return &i;
  }
  return nullptr;
}

template <size_t N>
std::string Choices(const std::string_view (&set)[N]) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i) out += i + 1 == N ? " or " : ", ";
    out += set[i];
  }
  return out;
}

Status Required(const nlohmann::json& body, std::string_view field) {
  if (!body.contains(std::string(field))) {
    return InvalidArgument(fmt::format("\"{}\" is required", field));
  }
  return Status::Ok();
}

// A non-negative integer that fits a signed 64-bit (JSON consumers often stop at 2^53; we
// accept what nlohmann reads exactly).
Status CheckCount(const nlohmann::json& v, std::string_view field, uint64_t min, uint64_t max,
                  uint64_t& out) {
  if (!v.is_number_integer()) {
    return InvalidArgument(fmt::format("\"{}\" must be an integer", field));
  }
  if (v.is_number_unsigned()) {
    out = v.get<uint64_t>();
  } else {
    int64_t s = v.get<int64_t>();
    if (s < 0) return InvalidArgument(fmt::format("\"{}\" must not be negative", field));
    out = static_cast<uint64_t>(s);
  }
  if (out < min || out > max) {
    return InvalidArgument(fmt::format("\"{}\" must be between {} and {}", field, min, max));
  }
  return Status::Ok();
}

Result<nlohmann::json> ParseHolder(const nlohmann::json& h, size_t i) {
  std::string prefix = fmt::format("holders[{}]", i);
  if (!h.is_object()) return InvalidArgument(fmt::format("\"{}\" must be an object", prefix));
  RETURN_IF_ERROR(CheckOnlyFields(h, {"name", "type", "id", "country", "share"}, prefix + "."));
  for (const char* f : {"name", "type", "id", "country", "share"}) {
    if (!h.contains(f)) return InvalidArgument(fmt::format("\"{}.{}\" is required", prefix, f));
  }
  std::string name, type, id, country;
  RETURN_IF_ERROR(CheckTextValue(h["name"], prefix + ".name", 1, 200, false, name));
  RETURN_IF_ERROR(CheckTextValue(h["type"], prefix + ".type", 1, 32, false, type));
  if (!OneOf(kHolderTypes, type)) {
    return InvalidArgument(fmt::format("\"{}.type\" must be {}", prefix, Choices(kHolderTypes)));
  }
  RETURN_IF_ERROR(CheckTextValue(h["country"], prefix + ".country", 2, 2, false, country));
  if (!IsAssignedCountryCode(country)) {
    return InvalidArgument(fmt::format(
        "\"{}.country\" must be an assigned ISO 3166-1 alpha-2 code in capitals, like \"CN\"",
        prefix));
  }
  RETURN_IF_ERROR(CheckTextValue(h["id"], prefix + ".id", 1, 64, false, id));
  if (country == "CN" && type != "individual" && !IsValidUscc(id)) {
    return InvalidArgument(fmt::format(
        "\"{}.id\" must be a valid 18-character unified social credit code (GB 32100-2015) "
        "for a Chinese {}",
        prefix, type));
  }
  if (country == "CN" && type == "individual" && !IsValidResidentId(id)) {
    return InvalidArgument(fmt::format(
        "\"{}.id\" must be a valid 18-character citizen identity number (GB 11643-1999: a "
        "real date of birth and the check character, X in capitals) for a Chinese individual",
        prefix));
  }
  uint64_t share = 0;
  RETURN_IF_ERROR(CheckCount(h["share"], prefix + ".share", 1, 1000000, share));
  return nlohmann::json{
      {"name", name}, {"type", type}, {"id", id}, {"country", country}, {"share", share}};
}

}  // namespace

Result<nlohmann::json> ParseApplicationFields(const nlohmann::json& body) {
  RETURN_IF_ERROR(CheckObject(body));
  RETURN_IF_ERROR(CheckOnlyFields(
      body,
      {"data_name", "holders", "industry", "scenarios", "collection_rules", "processing_rules",
       "structure", "update_frequency", "source", "scale", "deposits", "confidential", "sample"}));
  nlohmann::json out = nlohmann::json::object();
  std::string s;

  RETURN_IF_ERROR(Required(body, "data_name"));
  RETURN_IF_ERROR(CheckTextValue(body["data_name"], "data_name", 1, kMaxDataNameChars, false, s));
  out["data_name"] = s;

  RETURN_IF_ERROR(Required(body, "holders"));
  const auto& hs = body["holders"];
  if (!hs.is_array() || hs.empty() || hs.size() > kMaxHolders) {
    return InvalidArgument(
        fmt::format("\"holders\" must be an array of 1 to {} holders", kMaxHolders));
  }
  out["holders"] = nlohmann::json::array();
  std::set<std::pair<std::string, std::string>> seen;
  for (size_t i = 0; i < hs.size(); ++i) {
    ASSIGN_OR_RETURN(auto h, ParseHolder(hs[i], i));
    if (!seen.emplace(h["country"].get<std::string>(), h["id"].get<std::string>()).second) {
      return InvalidArgument(fmt::format("\"holders[{}].id\" repeats an earlier holder", i));
    }
    out["holders"].push_back(std::move(h));
  }

  RETURN_IF_ERROR(Required(body, "industry"));
  RETURN_IF_ERROR(CheckTextValue(body["industry"], "industry", 1, 1, false, s));
  if (!FindIndustry(s)) {
    return InvalidArgument("\"industry\" must be a GB/T 4754 section letter, A to T");
  }
  out["industry"] = s;

  for (const char* f :
       {"scenarios", "collection_rules", "processing_rules", "structure", "update_frequency"}) {
    RETURN_IF_ERROR(Required(body, f));
    RETURN_IF_ERROR(CheckTextValue(body[f], f, 1, kMaxDescriptionChars, true, s));
    out[f] = s;
  }

  RETURN_IF_ERROR(Required(body, "source"));
  const auto& src = body["source"];
  if (!src.is_object()) return InvalidArgument("\"source\" must be an object");
  RETURN_IF_ERROR(CheckOnlyFields(src, {"kind", "description"}, "source."));
  if (!src.contains("kind")) return InvalidArgument("\"source.kind\" is required");
  if (!src.contains("description")) return InvalidArgument("\"source.description\" is required");
  std::string kind, description;
  RETURN_IF_ERROR(CheckTextValue(src["kind"], "source.kind", 1, 32, false, kind));
  if (!OneOf(kSourceKinds, kind)) {
    return InvalidArgument(fmt::format("\"source.kind\" must be {}", Choices(kSourceKinds)));
  }
  RETURN_IF_ERROR(CheckTextValue(src["description"], "source.description", 1, kMaxDescriptionChars,
                                 true, description));
  out["source"] = {{"kind", kind}, {"description", description}};

  RETURN_IF_ERROR(Required(body, "scale"));
  const auto& sc = body["scale"];
  if (!sc.is_object()) return InvalidArgument("\"scale\" must be an object");
  RETURN_IF_ERROR(CheckOnlyFields(sc, {"records", "bytes"}, "scale."));
  uint64_t records = 0, bytes = 0;
  if (!sc.contains("records")) return InvalidArgument("\"scale.records\" is required");
  if (!sc.contains("bytes")) return InvalidArgument("\"scale.bytes\" is required");
  constexpr uint64_t kMaxSafe = (uint64_t{1} << 53) - 1;  // exact in every JSON reader
  RETURN_IF_ERROR(CheckCount(sc["records"], "scale.records", 0, kMaxSafe, records));
  RETURN_IF_ERROR(CheckCount(sc["bytes"], "scale.bytes", 0, kMaxSafe, bytes));
  out["scale"] = {{"records", records}, {"bytes", bytes}};

  RETURN_IF_ERROR(Required(body, "deposits"));
  const auto& ds = body["deposits"];
  if (!ds.is_array() || ds.empty() || ds.size() > kMaxDeposits) {
    return InvalidArgument(fmt::format(
        "\"deposits\" must be an array of 1 to {} log indexes of your deposits", kMaxDeposits));
  }
  std::set<uint64_t> deposits;
  for (size_t i = 0; i < ds.size(); ++i) {
    uint64_t idx = 0;
    RETURN_IF_ERROR(CheckCount(ds[i], fmt::format("deposits[{}]", i), 0, kMaxSafe, idx));
    if (!deposits.insert(idx).second) {
      return InvalidArgument(fmt::format("\"deposits[{}]\" repeats log index {}", i, idx));
    }
  }
  out["deposits"] = nlohmann::json(std::vector<uint64_t>(deposits.begin(), deposits.end()));

  if (body.contains("sample")) {
    RETURN_IF_ERROR(CheckTextValue(body["sample"], "sample", 0, kMaxDescriptionChars, true, s));
    out["sample"] = s;
  } else {
    out["sample"] = "";
  }

  std::set<std::string> confidential;
  if (body.contains("confidential")) {
    const auto& cs = body["confidential"];
    if (!cs.is_array()) return InvalidArgument("\"confidential\" must be an array of field names");
    for (size_t i = 0; i < cs.size(); ++i) {
      std::string f = cs[i].is_string() ? cs[i].get<std::string>() : "";
      if (!OneOf(kDescriptiveFields, f)) {
        return InvalidArgument(
            fmt::format("\"confidential[{}]\" must be one of {}", i, Choices(kDescriptiveFields)));
      }
      confidential.insert(f);
    }
  }
  out["confidential"] =
      nlohmann::json(std::vector<std::string>(confidential.begin(), confidential.end()));
  return out;
}

std::string MaskIdentifier(std::string_view id) {
  // Code points, so that a non-ASCII identifier is not cut inside a character.
  std::vector<std::string_view> cps;
  for (size_t i = 0; i < id.size();) {
    size_t n = 1;
    auto c = static_cast<uint8_t>(id[i]);
    if (c >= 0xF0)
      n = 4;
    else if (c >= 0xE0)
      n = 3;
    else if (c >= 0xC0)
      n = 2;
    cps.push_back(id.substr(i, n));
    i += n;
  }
  if (cps.size() <= 5) return std::string(cps.size(), '*');
  std::string out;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (i < 3 || i + 2 >= cps.size()) {
      out += cps[i];
    } else {
      out += '*';
    }
  }
  return out;
}

nlohmann::json PublicFields(const nlohmann::json& fields) {
  nlohmann::json out = fields;
  for (const auto& c : fields["confidential"]) out.erase(c.get<std::string>());
  for (auto& h : out["holders"]) {
    if (h["type"] == "individual") h["id"] = MaskIdentifier(h["id"].get<std::string>());
  }
  return out;
}

Result<std::string> FieldsCommitment(const nlohmann::json& fields, std::string_view salt_hex) {
  return Commitment(kFieldsDomain, fields, salt_hex);
}

std::string_view IndustryName(std::string_view section) {
  const Industry* i = FindIndustry(section);
  return i ? i->zh : std::string_view();
}
std::string_view IndustryNameEn(std::string_view section) {
  const Industry* i = FindIndustry(section);
  return i ? i->en : std::string_view();
}

}  // namespace dipr::registry
