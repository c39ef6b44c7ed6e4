#include "registry/validate.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/utf8.h"

namespace dipr::registry {

Status CheckTextValue(const nlohmann::json& v, std::string_view field, size_t min_chars,
                      size_t max_chars, bool multiline, std::string& out) {
  if (!v.is_string()) return InvalidArgument(fmt::format("\"{}\" must be a string", field));
  out = v.get<std::string>();
  if (!IsValidUtf8(out)) return InvalidArgument(fmt::format("\"{}\" is not valid UTF-8", field));
  size_t n = Utf8Length(out);
  bool blank = out.find_first_not_of(" \n\t\r") == std::string::npos;
  if (n < min_chars || n > max_chars || (min_chars > 0 && blank)) {
    return InvalidArgument(
        fmt::format("\"{}\" must have {} to {} characters", field, min_chars, max_chars));
  }
  for (char c : out) {
    auto u = static_cast<uint8_t>(c);
    bool allowed_ws = multiline && (c == '\n' || c == '\t' || c == '\r');
    if ((u < 0x20 && !allowed_ws) || u == 0x7f) {
      return InvalidArgument(fmt::format("\"{}\" must not contain control characters", field));
    }
  }
  return Status::Ok();
}

Status CheckText(const nlohmann::json& body, const char* field, size_t max_chars,
                 std::string& out) {
  if (!body.contains(field)) return InvalidArgument(fmt::format("\"{}\" is required", field));
  return CheckTextValue(body[field], field, 1, max_chars, /*multiline=*/false, out);
}

Status CheckOnlyFields(const nlohmann::json& body, std::initializer_list<std::string_view> allowed,
                       std::string_view prefix) {
  for (const auto& [k, _] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      return InvalidArgument(fmt::format("unknown field \"{}{}\"", prefix, k));
    }
  }
  return Status::Ok();
}

Status RequireRole(const storage::Account& a, std::string_view role, std::string_view action) {
  if (a.role == role) return Status::Ok();
  bool vowel = !role.empty() && std::string_view("aeiou").find(role[0]) != std::string_view::npos;
  return PermissionDenied(fmt::format("only {} {} {}", vowel ? "an" : "a", role, action));
}

Status CheckObject(const nlohmann::json& body, std::string_view what) {
  if (!body.is_object()) return InvalidArgument(fmt::format("{} must be a JSON object", what));
  return Status::Ok();
}

}  // namespace dipr::registry
