// The deposits family: an evidence deposit of a dataset's fingerprint. Its event spec and apply
// function are in deposit_events.cc (the write path's typed fast path is in registry.cc; the entry
// is written directly by EncodeDepositEntry); docs/FORMATS.md §2 has the payload.
#pragma once

#include <string_view>

namespace dipr::registry {

inline constexpr std::string_view kDeposit = "deposit";

}  // namespace dipr::registry
