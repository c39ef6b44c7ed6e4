// Writing JSON text directly, for the few hot responses where building a JSON tree first would
// dominate the cost. Output matches nlohmann::json::dump() for the same strings.
#pragma once

#include <string>
#include <string_view>

#include "common/base64.h"

namespace dipr {

// Appends s as a JSON string literal (quotes included). REQUIRES: s is valid UTF-8.
void AppendJsonString(std::string& out, std::string_view s);

// Appends a JSON array of base64 strings, one per byte array (hashes in proofs).
template <typename Range>
void AppendBase64Array(std::string& out, const Range& items) {
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += Base64Encode(std::span<const uint8_t>(item.data(), item.size()));
    out += '"';
  }
  out += ']';
}

}  // namespace dipr
