// Log entries are typed events in canonical JSON. See docs/FORMATS.md, "Entries".
//
//   {"actor":"u…","payload":{…},"time":"2026-11-26T01:53:46.123Z","type":"deposit","v":1}
//
// Canonical form: RFC 8785 (JCS) restricted to what dipr writes — objects with keys sorted by
// their UTF-8 bytes, no insignificant whitespace, integers only (no floats), strings as UTF-8 with
// only the escapes JCS requires. The same event always has the same bytes, so the same leaf hash.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

namespace dipr::registry {

inline constexpr int kEntryVersion = 1;

// Event types are declared by their families (registry/event_spec.h lists them):
// account_events.h, deposit_events.h, application_events.h, objection_events.h,
// registration_events.h, and settings.h (kRegistrarSettings).
// The actor of what the registrar does by itself (registration at the end of the notice,
// lapse of a correction request, expiry, its first settings).
inline constexpr std::string_view kRegistrarActor = "registrar";

struct Event {
  std::string type;
  Time time;
  std::string actor;  // account id of whoever caused it
  nlohmann::json payload = nlohmann::json::object();
};

// Canonical JSON of any value made of objects, arrays, strings, integers, booleans and null.
// InvalidArgument for floats or invalid UTF-8.
Result<std::string> CanonicalJson(const nlohmann::json& value);
Result<std::string> EncodeEntry(const Event& event);
// The canonical deposit entry written directly, byte for byte what EncodeEntry gives for the same
// event (event_test checks it), without building a JSON tree: deposits are the hot path.
// REQUIRES: actor, title and fingerprint_algorithm valid UTF-8 and digest_hex lower-case hex.
std::string EncodeDepositEntry(Time time, std::string_view actor, std::string_view algorithm,
                               uint64_t chunk_size, uint64_t chunks, std::string_view digest_hex,
                               uint64_t size, std::string_view title);

// Strict: the bytes must be the canonical encoding of a version-1 event.
Result<Event> DecodeEntry(std::string_view entry);

}  // namespace dipr::registry
