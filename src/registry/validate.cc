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
  bool blank = true;
  for (size_t i = 0; i < out.size();) {
    char32_t c = NextCodePoint(out, i);
    bool allowed_ws = multiline && (c == '\n' || c == '\t' || c == '\r');
    if ((c < 0x20 && !allowed_ws) || c == 0x7f || IsC1Control(c)) {
      return InvalidArgument(fmt::format("\"{}\" must not contain control characters", field));
    }
    if (c == 0x2028 || c == 0x2029) {
      return InvalidArgument(
          fmt::format("\"{}\" must not contain line or paragraph separators (U+2028, U+2029){}",
                      field, multiline ? "; use \\n" : ""));
    }
    if (IsBidiControl(c)) {
      return InvalidArgument(
          fmt::format("\"{}\" must not contain bidirectional embeddings, overrides or isolates "
                      "(U+202A..U+202E, U+2066..U+2069): they change the order a reader sees",
                      field));
    }
    if (IsNoncharacter(c)) {
      return InvalidArgument(fmt::format("\"{}\" must not contain noncharacters (U+{:04X})", field,
                                         static_cast<uint32_t>(c)));
    }
    if (!IsInvisible(c)) blank = false;
  }
  if (n < min_chars || n > max_chars) {
    return InvalidArgument(
        fmt::format("\"{}\" must have {} to {} characters", field, min_chars, max_chars));
  }
  if (min_chars > 0 && blank) {
    return InvalidArgument(fmt::format(
        "\"{}\" must have a visible character (not only spaces or invisible characters)", field));
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
