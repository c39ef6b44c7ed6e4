// Field validation shared by the registry's requests: every error names the field (and is 400).
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/store.h"

namespace dipr::registry {

// A text field: UTF-8, min_chars..max_chars code points; no C0 or C1 control characters (newlines
// and tabs allowed when multiline), no line or paragraph separators (U+2028/2029), no
// bidirectional embeddings, overrides or isolates, no noncharacters (common/utf8.h); and, when
// min_chars > 0, at least one visible character (not only whitespace, ZWSP, ZWJ, U+FEFF, ...).
// Every text the registry keeps or shows passes here: names, descriptions, reasons, queries.
// `field` is its name in errors ("holders[1].name").
Status CheckTextValue(const nlohmann::json& v, std::string_view field, size_t min_chars,
                      size_t max_chars, bool multiline, std::string& out);
// body[key] required, as CheckTextValue with min 1 and no newlines.
Status CheckText(const nlohmann::json& body, const char* field, size_t max_chars, std::string& out);
// InvalidArgument naming the first key of body (an object) not in `allowed`.
Status CheckOnlyFields(const nlohmann::json& body, std::initializer_list<std::string_view> allowed,
                       std::string_view prefix = "");
// PermissionDenied "only a holder <action>" (or "an examiner", "an admin") unless the account has
// `role`.
Status RequireRole(const storage::Account& account, std::string_view role, std::string_view action);

// True if v is one of set.
template <size_t N>
bool OneOf(const std::string_view (&set)[N], std::string_view v) {
  return std::find(std::begin(set), std::end(set), v) != std::end(set);
}

// body must be a JSON object ("the request body must be a JSON object" otherwise).
Status CheckObject(const nlohmann::json& body, std::string_view what = "the request body");

}  // namespace dipr::registry
