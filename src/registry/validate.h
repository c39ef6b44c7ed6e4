// Field validation shared by the registry's requests: every error names the field (and is 400).
#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dipr::registry {

// A text field: UTF-8, min_chars..max_chars code points, no control characters (newlines and
// tabs allowed when multiline), not only spaces when min_chars > 0. `field` is its name in errors
// ("holders[1].name").
Status CheckTextValue(const nlohmann::json& v, std::string_view field, size_t min_chars,
                      size_t max_chars, bool multiline, std::string& out);
// body[key] required, as CheckTextValue with min 1 and no newlines.
Status CheckText(const nlohmann::json& body, const char* field, size_t max_chars,
                 std::string& out);
// InvalidArgument naming the first key of body (an object) not in `allowed`.
Status CheckOnlyFields(const nlohmann::json& body, std::initializer_list<std::string_view> allowed,
                       std::string_view prefix = "");
// body must be a JSON object ("the request body must be a JSON object" otherwise).
Status CheckObject(const nlohmann::json& body, std::string_view what = "the request body");

}  // namespace dipr::registry
