// A progress line on stderr for long operations: shown when stderr is a terminal, or for inputs
// of 256 MiB and more; redrawn in place with \r and cleared at the end. Not thread-safe (the
// fingerprint calls it from one thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace dipr::cli {

class Progress {
 public:
  explicit Progress(std::string label);
  std::function<void(uint64_t, uint64_t)> Callback();
  void Done();

 private:
  void Update(uint64_t done, uint64_t total);
  std::string label_;
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace dipr::cli
