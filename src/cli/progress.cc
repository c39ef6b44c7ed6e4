#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iterator>

namespace dipr::cli {
namespace {

constexpr uint64_t kProgressMinBytes = uint64_t{256} << 20;

}  // namespace

std::string HumanBytes(uint64_t bytes, bool fixed_width) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double v = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  if (!fixed_width && bytes % (uint64_t{1024} << (10 * unit)) == 0) {
    return fmt::format("{:.0f} {}", v, kUnits[unit]);
  }
  return fmt::format("{:.2f} {}", v, kUnits[unit]);
}

Progress::Progress(std::string label)
    : label_(std::move(label)),
      tty_(::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()) {}

std::function<void(uint64_t, uint64_t)> Progress::Callback() {
  return [this](uint64_t done, uint64_t total) { Update(done, total); };
}

void Progress::Update(uint64_t done, uint64_t total) {
  if (done >= total) return;                       // the final call; Done() follows
  if (!tty_ && total < kProgressMinBytes) return;  // a pipe or log file, and over in a moment
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double mb_per_s = secs > 0 ? static_cast<double>(done) / 1e6 / secs : 0;
  std::string line = fmt::format("\r{}: {:3d}%  {} of {}  {:.0f} MB/s", label_,
                                 total == 0 ? 100 : done * 100 / total, HumanBytes(done, true),
                                 HumanBytes(total), mb_per_s);
  if (line.size() < width_) line.append(width_ - line.size(), ' ');
  width_ = line.size();
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

void Progress::Done() {
  if (width_ == 0) return;
  std::fprintf(stderr, "\r%*s\r", static_cast<int>(width_ - 1), "");
  std::fflush(stderr);
  width_ = 0;
}

}  // namespace dipr::cli
