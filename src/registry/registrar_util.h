// What the registrar's files share (registry/registrar*.cc, public_register.cc,
// certificates.cc, due_runner.cc): parsing the bodies of decisions and reasons, committing
// private texts, local dates. Internal to src/registry.
#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"
#include "registry/application_events.h"
#include "registry/calendar_schedule.h"
#include "registry/lifecycle.h"
#include "registry/registrar.h"
#include "registry/registration_events.h"

namespace dipr::registry {

inline constexpr size_t kPageSize = 20;
inline constexpr size_t kMaxReasonChars = 2000;
inline constexpr std::string_view kListingStatuses[] = {status::kInNotice,   status::kRefused,
                                                        status::kRegistered, status::kExpired,
                                                        status::kCancelled,  status::kRevoked};

// "a"/"o" + 16 random hex digits.
std::string NewId(char prefix);
// {"decision": one of `decisions`, "reason": text (required unless the decision is `free`)}.
Status ParseDecision(const nlohmann::json& body, std::initializer_list<std::string_view> decisions,
                     std::string_view free, std::string& decision, std::string& reason);
// An optional {"reason": text} body; required: at least one character.
Status ParseReason(const nlohmann::json& body, bool required, std::string& reason);
// A private text goes into the log as its commitment, payload["<name>_commitment"], and into the
// sidecar as side[name] = {"salt","text"} (docs/FORMATS.md §2.2).
Status CommitText(const std::string& name, const std::string& text, nlohmann::json& payload,
                  nlohmann::json& side);
// The sidecar of an event with private texts: their canonical JSON, or "" when there are none.
Result<std::string> TextSidecar(const nlohmann::json& side);
// "2026-12-21": t's date in the schedule's time zone.
std::string LocalDateOf(const Schedule& schedule, Time t);

}  // namespace dipr::registry
