#include "verify/event.h"

#include "common/json_parse.h"
#include "common/json_text.h"
#include "common/utf8.h"

namespace dipr::registry {
namespace {

Status CheckValue(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::number_float:
      return InvalidArgument("entries hold integers only, not floating-point numbers");
    case nlohmann::json::value_t::string:
      if (!IsValidUtf8(v.get_ref<const std::string&>())) return InvalidArgument("invalid UTF-8");
      return Status::Ok();
    case nlohmann::json::value_t::object:
      for (const auto& [k, e] : v.items()) {
        if (!IsValidUtf8(k)) return InvalidArgument("invalid UTF-8 in a key");
        RETURN_IF_ERROR(CheckValue(e));
      }
      return Status::Ok();
    case nlohmann::json::value_t::array:
      for (const auto& e : v) RETURN_IF_ERROR(CheckValue(e));
      return Status::Ok();
    case nlohmann::json::value_t::binary:
    case nlohmann::json::value_t::discarded:
      return InvalidArgument("not a JSON value");
    default:
      return Status::Ok();
  }
}

}  // namespace

Result<std::string> CanonicalJson(const nlohmann::json& value) {
  RETURN_IF_ERROR(CheckValue(value));
  // nlohmann's default object is a std::map, so keys come out sorted bytewise; dump() without
  // indentation writes no whitespace and escapes exactly as JCS does for these values.
  return value.dump();
}

Result<std::string> EncodeEntry(const Event& e) {
  if (!e.payload.is_object()) return InvalidArgument("event payload must be an object");
  nlohmann::json j = {{"v", kEntryVersion},
                      {"type", e.type},
                      {"time", FormatRfc3339(e.time)},
                      {"actor", e.actor},
                      {"payload", e.payload}};
  return CanonicalJson(j);
}

std::string EncodeDepositEntry(Time time, std::string_view actor, std::string_view algorithm,
                               uint64_t chunk_size, uint64_t chunks, std::string_view digest_hex,
                               uint64_t size, std::string_view title) {
  // Keys in byte order at every level, as CanonicalJson sorts them.
  std::string out;
  out.reserve(256 + title.size());
  out += "{\"actor\":";
  AppendJsonString(out, actor);
  out += ",\"payload\":{\"fingerprint\":{\"algorithm\":";
  AppendJsonString(out, algorithm);
  out += ",\"chunk_size\":";
  out += std::to_string(chunk_size);
  out += ",\"chunks\":";
  out += std::to_string(chunks);
  out += ",\"digest\":";
  AppendJsonString(out, digest_hex);
  out += ",\"size\":";
  out += std::to_string(size);
  out += "},\"title\":";
  AppendJsonString(out, title);
  out += "},\"time\":\"";
  out += FormatRfc3339(time);
  out += "\",\"type\":\"deposit\",\"v\":1}";
  return out;
}

Result<Event> DecodeEntry(std::string_view entry) {
  auto parsed = ParseJson(entry);
  if (!parsed.ok()) return InvalidArgument("entry is " + parsed.status().message());
  nlohmann::json j = std::move(parsed).value();
  if (!j.is_object()) return InvalidArgument("entry is not a JSON object");
  if (j.size() != 5 || !j.contains("v") || !j["v"].is_number_integer() || j["v"] != kEntryVersion) {
    return InvalidArgument("entry is not a version-1 dipr event");
  }
  for (const char* k : {"type", "time", "actor"}) {
    if (!j.contains(k) || !j[k].is_string()) {
      return InvalidArgument(std::string("entry field \"") + k + "\" is missing or not a string");
    }
  }
  if (!j.contains("payload") || !j["payload"].is_object()) {
    return InvalidArgument("entry payload is missing or not an object");
  }
  Event e;
  e.type = j["type"];
  e.actor = j["actor"];
  ASSIGN_OR_RETURN(e.time, ParseRfc3339(j["time"].get<std::string>()));
  e.payload = std::move(j["payload"]);
  ASSIGN_OR_RETURN(std::string again, EncodeEntry(e));
  if (again != entry) return InvalidArgument("entry is not in canonical form");
  return e;
}

}  // namespace dipr::registry
