// The settings family: the registrar's settings, at its first start and at each change. Its
// event spec and apply function are in settings.cc with every other rule about the settings;
// docs/FORMATS.md §2.5 has the payload.
#pragma once

#include <string_view>

namespace dipr::registry {

inline constexpr std::string_view kRegistrarSettings = "registrar.settings";

}  // namespace dipr::registry
