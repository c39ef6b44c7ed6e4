// The accounts family: accounts created by an admin, objectors registering themselves, accounts
// disabled and enabled, tokens rotated. Its event specs and apply functions are in
// account_events.cc (the registry's typed fast paths for them are in accounts.cc); docs/
// FORMATS.md §2 has each payload.
#pragma once

#include <string_view>

namespace dipr::registry {

inline constexpr std::string_view kAccountCreated = "account.created";
inline constexpr std::string_view kAccountDisabled = "account.disabled";
inline constexpr std::string_view kAccountEnabled = "account.enabled";
inline constexpr std::string_view kAccountTokenRotated = "account.token_rotated";
inline constexpr std::string_view kObjectorRegistered = "objector.registered";

}  // namespace dipr::registry
