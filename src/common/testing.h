// Paths the tests need, baked in at build time (see dipr_test in CMakeLists.txt) and overridable
// through the environment, so a test binary also runs by hand from any directory.
#pragma once

#include <cstdlib>
#include <string>

namespace dipr::testenv {

// The source tree's root (for testdata/).
inline std::string SourceDir() {
  const char* env = std::getenv("DIPR_SOURCE_DIR");
  return env ? env : DIPR_SOURCE_DIR_DEFAULT;
}

// The built dipr executable.
inline std::string DiprBinary() {
  const char* env = std::getenv("DIPR_BINARY");
  return env ? env : DIPR_BINARY_DEFAULT;
}

}  // namespace dipr::testenv
