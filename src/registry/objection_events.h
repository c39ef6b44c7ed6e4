// The objections family: an objection filed during an application's public notice, and its
// ruling. Its event specs and apply functions are in objection_events.cc; docs/FORMATS.md §2 has
// each payload.
#pragma once

#include <string_view>

namespace dipr::registry {

inline constexpr std::string_view kObjectionFiled = "objection.filed";
inline constexpr std::string_view kObjectionRuled = "objection.ruled";

}  // namespace dipr::registry
