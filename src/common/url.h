// Percent-encoding for the pieces of a URL a program builds from what a user typed (a query
// parameter, a path segment), so that no input changes the route. Thread-safe (no state).
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace dipr {

// Percent-encodes everything but RFC 3986's unreserved characters.
inline std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace dipr
