// Parsing JSON the one way dipr accepts it, for every input it reads: request bodies, log entries,
// stored records, receipts, certificates, files.
//
// nlohmann::json::parse alone is too lenient for documents that are signed or compared: of two
// equal keys it keeps the last (a person, or another parser, reads the first: `{"valid_until":
// "2026-…","valid_until":"2099-…"}` then means two things), and its lexer takes a NUL byte for the
// end of the input, so `{}\0garbage` parses. ParseJson refuses both, and nesting deeper than
// kMaxJsonDepth (no document of ours nests more than a few levels; a hostile one must not cost
// stack or time).
//
// Every input yields a value or InvalidArgument naming what is wrong (the byte offset for syntax
// errors). Thread-safe (no state).
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "common/status.h"

namespace dipr {

inline constexpr size_t kMaxJsonDepth = 64;

// The one JSON value that is the whole of `text` (whitespace around it allowed, a UTF-8 byte order
// mark before it ignored as RFC 8259 §8.1 permits). InvalidArgument for: not JSON, anything after
// the value, a NUL byte anywhere, a key twice in one object, nesting over kMaxJsonDepth, invalid
// UTF-8 in a string.
Result<nlohmann::json> ParseJson(std::string_view text);

}  // namespace dipr
