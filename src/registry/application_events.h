// The applications family: an application from its draft to its registration (registry/
// lifecycle.h draws the whole state machine). Its event specs and apply functions are in
// application_events.cc; docs/FORMATS.md §2 has each payload.
#pragma once

#include <string_view>

namespace dipr::registry {

inline constexpr std::string_view kApplicationCreated = "application.created";
inline constexpr std::string_view kApplicationUpdated = "application.updated";
inline constexpr std::string_view kApplicationSubmitted = "application.submitted";
inline constexpr std::string_view kApplicationExamined = "application.examined";
inline constexpr std::string_view kApplicationWithdrawn = "application.withdrawn";
inline constexpr std::string_view kApplicationRegistered = "application.registered";
inline constexpr std::string_view kApplicationReassigned = "application.reassigned";

}  // namespace dipr::registry
