// Paths the tests need, baked in at build time (see dipr_test in CMakeLists.txt) and overridable
// through the environment, so a test binary also runs by hand from any directory.
#pragma once

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/url.h"

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

using dipr::UrlEncode;  // common/url.h

// Runs a shell command and returns what it wrote on stdout.
inline std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

}  // namespace dipr::testenv
