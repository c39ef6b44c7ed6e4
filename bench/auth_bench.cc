// The cost of authenticating a request's token, before and after accounts could be disabled and
// tokens revoked (docs/PERFORMANCE.md, "Authentication"). Before: a process-local cache, token ->
// account, read under a shared lock (what Registry::Authenticate did; it could not see a disable
// made through another node). After: SHA-256 of the token and one indexed read of credentials
// joined with accounts, on each backend, among 10 000 accounts. PostgreSQL: set DIPR_BENCH_PG_URI
// to a fresh database's conninfo (skipped without it).
//
//   build/bench/auth_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <shared_mutex>
#include <unordered_map>

#include "registry/registry.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace dipr {
namespace {

constexpr int kAccounts = 10000;

std::string TokenOf(int i) { return "dipr_bench_token_" + std::to_string(i); }

void Fill(storage::Store& store) {
  auto count = store.ListAccounts("", 0, 1);
  if (count.ok() && !count->empty()) return;
  auto tx = std::move(store.BeginWrite()).value();
  for (int i = 0; i < kAccounts; ++i) {
    storage::Account a{"u" + std::to_string(1000000 + i), "bench", "holder", Time(), uint64_t(i)};
    (void)tx->InsertAccount(a, registry::TokenHash(TokenOf(i)));
  }
  (void)tx->Commit();
}

void AuthenticateFromStore(benchmark::State& state, storage::Store& store) {
  Fill(store);
  int i = 0;
  for (auto _ : state) {
    auto a = store.AccountByTokenHash(registry::TokenHash(TokenOf(i++ % kAccounts)));
    if (!a.ok() || !*a || (*a)->disabled) state.SkipWithError("lookup failed");
    benchmark::DoNotOptimize(a);
  }
}

void BM_Before_CacheHit(benchmark::State& state) {
  std::shared_mutex mu;
  std::unordered_map<std::string, storage::Account> cache;
  for (int i = 0; i < kAccounts; ++i) {
    cache.emplace(TokenOf(i),
                  storage::Account{"u" + std::to_string(i), "bench", "holder", Time(), 0});
  }
  int i = 0;
  for (auto _ : state) {
    std::string token = TokenOf(i++ % kAccounts);
    std::shared_lock g(mu);
    auto it = cache.find(token);
    storage::Account a = it->second;
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Before_CacheHit);

void BM_After_Sqlite(benchmark::State& state) {
  static std::string path =
      (std::filesystem::temp_directory_path() / "dipr-auth-bench.db").string();
  static auto store = std::move(storage::OpenSqliteStore(path)).value();
  AuthenticateFromStore(state, *store);
}
BENCHMARK(BM_After_Sqlite);

void BM_After_Postgres(benchmark::State& state) {
  const char* uri = std::getenv("DIPR_BENCH_PG_URI");
  if (!uri) {
    state.SkipWithError("DIPR_BENCH_PG_URI not set");
    return;
  }
  static auto store = std::move(storage::OpenPostgresStore(uri)).value();
  AuthenticateFromStore(state, *store);
}
BENCHMARK(BM_After_Postgres);

}  // namespace
}  // namespace dipr
