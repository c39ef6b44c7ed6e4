#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace dipr::cli {

Progress::Progress(std::string label)
    : label_(std::move(label)), tty_(::isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()) {}

std::function<void(uint64_t, uint64_t)> Progress::Callback() {
  return [this](uint64_t done, uint64_t total) { Update(done, total); };
}

void Progress::Update(uint64_t done, uint64_t total) {
  constexpr uint64_t kBig = 256ull << 20;
  if (!tty_ && total < kBig) return;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double mbps = secs > 0 ? static_cast<double>(done) / (1 << 20) / secs : 0;
  int pct = total ? static_cast<int>(done * 100 / total) : 100;
  std::fprintf(stderr, "%s%s: %3d%%  %llu / %llu MiB  %.0f MiB/s%s", tty_ ? "\r" : "",
               label_.c_str(), pct, static_cast<unsigned long long>(done >> 20),
               static_cast<unsigned long long>(total >> 20), mbps, tty_ ? "\x1b[K" : "\n");
  shown_ = true;
}

void Progress::Done() {
  if (shown_ && tty_) std::fprintf(stderr, "\r\x1b[K");
  shown_ = false;
}

}  // namespace dipr::cli
