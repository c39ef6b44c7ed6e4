// What the fuzz targets share: a property check that aborts (libFuzzer then saves the input as a
// crash) with a message saying which property broke. Targets are run as docs/FUZZING.md says.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// FUZZ_CHECK(cond, "what"): a property every input must keep; an abort shows the failing input.
#define FUZZ_CHECK(cond, what)                                                                    \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "%s:%d: property broken: %s (%s)\n", __FILE__, __LINE__, what, #cond); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)

namespace dipr::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace dipr::fuzz
