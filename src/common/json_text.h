// Writing JSON text directly, for the few hot responses where building a JSON tree first would
// dominate the cost. Output matches nlohmann::json::dump() for the same strings.
#pragma once

#include <string>
#include <string_view>

namespace dipr {

// Appends s as a JSON string literal (quotes included). REQUIRES: s is valid UTF-8.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace dipr
