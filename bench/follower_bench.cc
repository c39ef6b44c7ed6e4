// What the statistics follower (registry/statistics.h) costs per entry: a run of deposit entries
// read, counted and committed with its cursor, as its runner does (log/follower.h), on SQLite.
// The writer waits for a follower's transaction on SQLite (one writer per file), so the time
// per run is also how long each run holds the sequencer back.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "crypto/sha256.h"
#include "registry/statistics.h"
#include "storage/sqlite/sqlite_store.h"
#include "verify/event.h"

namespace dipr {
namespace {

constexpr uint64_t kEntries = 200000;

storage::Store& FilledStore() {
  static std::unique_ptr<storage::Store> store = [] {
    auto dir = std::filesystem::temp_directory_path() /
               ("dipr-follower-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto s = std::move(storage::OpenSqliteStore((dir / "dipr.db").string())).value();
    auto tx = std::move(s->BeginWrite()).value();
    Time t = *ParseRfc3339("2026-11-26T01:53:46.123Z");
    for (uint64_t i = 0; i < kEntries; ++i) {
      std::string digest(64, "0123456789abcdef"[i % 16]);
      (void)tx->AppendEntry(i, registry::EncodeDepositEntry(
                                   t + Micros(i * 1000), "u0123456789abcdef", "rfc6962-sha256-64k",
                                   65536, 3, digest, 123456, "城市交通流量数据集 title"));
    }
    (void)tx->PutTreeHead({kEntries, crypto::Sha256Of("r"), "head"});
    (void)tx->Commit();
    return s;
  }();
  return *store;
}

// One run of state.range(0) entries: read, applied, committed with the cursor's advance.
void BM_StatisticsRun(benchmark::State& state) {
  storage::Store& store = FilledStore();
  registry::Statistics stats(store);
  const uint64_t batch = static_cast<uint64_t>(state.range(0));
  uint64_t cursor = *store.FollowerCursor("statistics");
  for (auto _ : state) {
    if (cursor + batch > kEntries) {
      state.SkipWithError("out of entries");
      break;
    }
    auto entries = *store.ReadEntries(cursor, cursor + batch);
    auto tx = std::move(store.BeginFollower("statistics", cursor)).value();
    if (!stats.Apply(*tx, cursor, entries).ok() || !tx->Commit(cursor + batch).ok()) {
      state.SkipWithError("the run failed");
      break;
    }
    cursor += batch;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_StatisticsRun)->Arg(100)->Arg(1000)->Iterations(60)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace dipr
