// `dipr fingerprint FILE [--json] [--threads N]`: computes a dataset's fingerprint locally. The
// file is only read; nothing is sent anywhere.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iterator>
#include <memory>
#include <string>

#include "cli/command.h"
#include "common/hex.h"
#include "fingerprint/fingerprint.h"

namespace dipr::cli {
namespace {

// Below this a pipe or log file gets no progress line: the run is over in a fraction of a second.
constexpr uint64_t kProgressMinBytes = uint64_t{256} << 20;

// "1.50 GiB"; "64 KiB" when exact unless fixed_width; plain bytes below 1 KiB.
std::string HumanUnits(uint64_t bytes, bool fixed_width = false) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double v = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  if (!fixed_width && bytes % (uint64_t{1024} << (10 * unit)) == 0)
    return fmt::format("{:.0f} {}", v, kUnits[unit]);
  return fmt::format("{:.2f} {}", v, kUnits[unit]);
}

// The progress line on stderr, redrawn in place with \r. Not thread-safe; FingerprintFile calls
// it on the thread that called FingerprintFile.
class ProgressLine {
 public:
  void Update(uint64_t done, uint64_t total) {
    if (done >= total) return;  // the final call; Clear() follows
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double mb_per_s = secs > 0 ? static_cast<double>(done) / 1e6 / secs : 0;
    std::string line = fmt::format("\rfingerprinting: {:3d}%  {} of {}  {:.0f} MB/s",
                                   total == 0 ? 100 : done * 100 / total, HumanUnits(done, true),
                                   HumanUnits(total), mb_per_s);
    // Pad to the longest line so far: a shorter line must not leave the old one's tail behind.
    if (line.size() < width_) line.append(width_ - line.size(), ' ');
    width_ = line.size();
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
  }

  void Clear() {
    if (width_ == 0) return;
    std::fprintf(stderr, "\r%*s\r", static_cast<int>(width_ - 1), "");
    std::fflush(stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  size_t width_ = 0;  // characters of the last line drawn, \r included; 0 = nothing on screen
};

struct Args {
  std::string path;
  bool json = false;
  unsigned threads = 0;
};

void Run(const Args& args, Context& ctx) {
  fingerprint::FingerprintOptions opts;
  opts.threads = args.threads;

  // The size decides whether to show progress; stat it here rather than widen the library's API.
  // A file that changes size in between is caught by FingerprintFile itself.
  ProgressLine progress;
  struct stat st;
  const bool big =
      ::stat(args.path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) >= kProgressMinBytes;
  if (isatty(STDERR_FILENO) || big) {
    opts.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
  }

  Result<fingerprint::Fingerprint> fp = fingerprint::FingerprintFile(args.path, opts);
  progress.Clear();
  if (!fp.ok()) {
    fmt::print(stderr, "dipr fingerprint: {}\n", fp.status().ToString());
    ctx.exit_code = 2;
    return;
  }

  if (args.json) {
    fmt::print("{}\n", fingerprint::ToJson(*fp).dump());
    return;
  }
  fmt::print("file:       {}\n", args.path);
  fmt::print("size:       {} ({} bytes)\n", HumanUnits(fp->size), fp->size);
  fmt::print("chunks:     {} of {}\n", fp->chunks, HumanUnits(fp->chunk_size));
  fmt::print("algorithm:  {}\n", fp->algorithm);
  fmt::print("digest:     {}\n", HexEncode(fp->digest));
}

}  // namespace

void AddFingerprintCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "fingerprint", "Compute a file's fingerprint locally (the data never leaves this machine)");
  cmd->add_option("FILE", args->path, "File to fingerprint")->required();
  cmd->add_flag("--json", args->json, "Print the fingerprint as one line of JSON");
  cmd->add_option("--threads", args->threads, "Worker threads (0 = one per CPU)")
      ->check(CLI::Range(0u, 1024u));
  cmd->callback([args, &ctx] { Run(*args, ctx); });
}

}  // namespace dipr::cli
