// Fingerprint throughput: leaf hashing alone (the SHA-256 bound), the whole algorithm in memory,
// and FingerprintFile on a page-cached 256 MiB file by thread count and read method. Bytes per
// second are what to compare; docs/perf-fingerprint.md records the results on the reference box.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "fingerprint/fingerprint.h"
#include "verify/hasher.h"

namespace dipr::fingerprint {
namespace {

constexpr size_t kFileBytes = size_t{256} << 20;

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(42);
  std::string s(n, '\0');
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  return s;
}

// The 256 MiB input file, written once per process (so it is in the page cache) and removed at
// exit. Not thread-safe; benchmarks run one at a time.
class BenchFile {
 public:
  static const std::string& Path() {
    static BenchFile file;
    return file.path_;
  }

 private:
  BenchFile() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr ? dir : "/tmp") + "/dipr_fingerprint_bench_XXXXXX";
    int fd = mkstemp(path_.data());
    if (fd < 0) std::abort();
    const std::string data = RandomBytes(kFileBytes);
    for (size_t done = 0; done < data.size();) {
      ssize_t w = write(fd, data.data() + done, data.size() - done);
      if (w <= 0) std::abort();
      done += static_cast<size_t>(w);
    }
    close(fd);
  }
  ~BenchFile() { unlink(path_.c_str()); }

  std::string path_;
};

// One 64 KiB leaf at a time from a buffer that stays in L2: the hashing ceiling for one core.
void BM_LeafHash(benchmark::State& state) {
  const std::string chunk = RandomBytes(kChunkSize);
  for (auto _ : state) benchmark::DoNotOptimize(log::HashLeaf(chunk));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kChunkSize));
}
BENCHMARK(BM_LeafHash);

// The whole algorithm on one thread over 64 MiB in memory (more than L2, so it streams from RAM).
void BM_FingerprintBytes(benchmark::State& state) {
  const std::string data = RandomBytes(size_t{64} << 20);
  for (auto _ : state) benchmark::DoNotOptimize(FingerprintBytes(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_FingerprintBytes)->Unit(benchmark::kMillisecond);

// Args: threads, read method (0 auto, 1 pread, 2 mmap).
void BM_FingerprintFile(benchmark::State& state) {
  const std::string& path = BenchFile::Path();
  FingerprintOptions opts;
  opts.threads = static_cast<unsigned>(state.range(0));
  opts.read_method = static_cast<ReadMethod>(state.range(1));
  for (auto _ : state) {
    Result<Fingerprint> fp = FingerprintFile(path, opts);
    if (!fp.ok()) {
      state.SkipWithError(fp.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(fp->digest);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFileBytes));
}
BENCHMARK(BM_FingerprintFile)
    ->ArgNames({"threads", "method"})
    ->ArgsProduct({{1, 2}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace dipr::fingerprint
