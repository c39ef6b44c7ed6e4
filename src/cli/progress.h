// A progress line on stderr for long operations: shown when stderr is a terminal or the input is
// 256 MiB or more, redrawn in place with \r (padded so a shorter line leaves no tail), cleared at
// the end. Not thread-safe: FingerprintFile calls it on the thread that called it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace dipr::cli {

// "1.50 GiB"; "64 KiB" when exact (unless fixed_width); plain bytes below 1 KiB.
std::string HumanBytes(uint64_t bytes, bool fixed_width = false);

class Progress {
 public:
  explicit Progress(std::string label);
  ~Progress() { Done(); }
  // A callback for fingerprint::FingerprintOptions::progress.
  std::function<void(uint64_t, uint64_t)> Callback();
  // Clears the line, if one is shown.
  void Done();

 private:
  void Update(uint64_t done, uint64_t total);
  std::string label_;
  bool tty_;
  size_t width_ = 0;  // characters of the last line drawn; 0: nothing on screen
  std::chrono::steady_clock::time_point start_;
};

}  // namespace dipr::cli
