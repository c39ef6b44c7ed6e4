// Runs the dipr executable as a user does, for tests of its commands: exit code, stdout, stderr.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/testing.h"

namespace dipr::testenv {

struct Outcome {
  int code = -1;
  std::string out, err;
};

// Runs a shell command line, its stderr apart.
inline Outcome RunShell(const std::string& line) {
  static std::atomic<int> n{0};
  std::string err_file = std::filesystem::temp_directory_path() /
                         ("dipr-run-err-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  std::string cmd = "( " + line + " ) 2>" + err_file;
  Outcome r;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t k;
  while ((k = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, k);
  int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  std::filesystem::remove(err_file);
  return r;
}

// Runs `dipr ARGS` through the shell with a clean DIPR_* environment (plus `env`, "K=V ...").
inline Outcome RunDipr(const std::string& args, const std::string& env = "") {
  return RunShell("env -u DIPR_SERVER -u DIPR_TOKEN " + env + " " + DiprBinary() + " " + args);
}

}  // namespace dipr::testenv
