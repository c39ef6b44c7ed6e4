// The registrations family: what happens to a registration once it is registered (renewal,
// change of descriptive fields, cancellation, revocation, expiry). Its event specs and apply
// functions are in registration_events.cc; docs/FORMATS.md §2 has each payload.
#pragma once

#include <string_view>

#include "common/status.h"
#include "registry/lifecycle.h"

namespace dipr::registry {

inline constexpr std::string_view kRegistrationRenewed = "registration.renewed";
inline constexpr std::string_view kRegistrationChangeRequested = "registration.change_requested";
inline constexpr std::string_view kRegistrationChangeExamined = "registration.change_examined";
inline constexpr std::string_view kRegistrationCancelled = "registration.cancelled";
inline constexpr std::string_view kRegistrationRevoked = "registration.revoked";
inline constexpr std::string_view kRegistrationExpired = "registration.expired";

// The state rules of a renewal and of a change's examination, which the registrar needs before
// it can compute the certificate the event carries (both apply functions start with them).
// Conflict when the state forbids it (the party rule is CheckParty's, registry/event_spec.h).
Status CheckRenewable(const ApplicationState& a);
Status CheckChangeExaminable(const ApplicationState& a);

}  // namespace dipr::registry
