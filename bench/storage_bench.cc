// Storage backends compared: SQLite and PostgreSQL behind the same Store interface.
//
//  1. Sequencer-shaped commits: per transaction 256 deposits (InsertDeposit + AppendEntry of a
//     ~350-byte entry), 4 tiles of 16 KiB and 1 tree head; entries per second and batch latency.
//  2. ReadTile, the proof path: latency from one thread, throughput from several.
//  3. Bytes stored per entry in PostgreSQL after --size-entries realistic entries (deposit rows,
//     and the tiles the real TreeAppender writes: ~64 bytes of tile per entry plus the rewrites
//     of partial tiles), before and after VACUUM FULL; the SQLite file for comparison.
//
// A standalone timing program (not Google Benchmark: setup and the size report do not fit its
// loop); it ignores --benchmark_* flags so bench/run.sh may run it. PostgreSQL: --pg URI (a user
// that may CREATE DATABASE; one is created and dropped), else a throwaway cluster started with
// scripts/pg.sh (found through DIPR_SOURCE_DIR or the compiled-in DIPR_SOURCE_DIR_DEFAULT).
//
//   storage_bench [--pg URI] [--batches N] [--reads N] [--size-entries N] [--skip-size]
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/bytes.h"
#include "common/hex.h"
#include "log/appender.h"
#include "log/hasher.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/store.h"

namespace dipr {
namespace {

void IgnoreNotice(void*, const char*) {}

using storage::Store;
using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "storage_bench: %s\n", msg.c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}
void Must(const Status& st, const char* what) {
  if (!st.ok()) Die(std::string(what) + ": " + st.ToString());
}

double Us(SteadyClock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

// --- realistic data ---

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  std::string Bytes(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; i += 8) {
      uint64_t v = rng_();
      std::memcpy(&s[i], &v, std::min<size_t>(8, n - i));
    }
    return s;
  }
  std::string Hex(size_t bytes) { return HexEncode(AsBytes(Bytes(bytes))); }
  uint64_t Next() { return rng_(); }

 private:
  std::mt19937_64 rng_;
};

struct Deposit {
  std::string entry;  // what the log stores (~350 bytes of JSON)
  storage::DepositRecord record;
};

// A deposit as the registry logs it: a JSON event with actor, digest, chunking and title.
Deposit MakeDeposit(Gen& g, uint64_t index) {
  Deposit d;
  std::string actor = "u" + g.Hex(8);
  std::string digest = g.Hex(32);
  uint64_t size = 1 + g.Next() % (uint64_t{1} << 34);
  std::string title = "dataset " + std::to_string(index) + " " + g.Hex(6);
  d.entry = "{\"type\":\"deposit\",\"time\":\"2026-11-26T01:53:46.123Z\",\"actor\":\"" + actor +
            "\",\"fingerprint\":{\"algorithm\":\"dipr-fp-v1\",\"chunk_size\":1048576,"
            "\"chunks\":" +
            std::to_string(size >> 20) + ",\"digest\":\"" + digest +
            "\",\"size\":" + std::to_string(size) + "},\"title\":\"" + title +
            "\",\"v\":1,\"pad\":\"" + std::string(60, 'x') + "\"}";
  d.record = {index, actor, digest, size, title, Time(dipr::Micros(1764121000000000 + index))};
  return d;
}

std::string FakeCheckpoint(uint64_t size) {
  return "registry.example/log\n" + std::to_string(size) +
         "\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
         "\xE2\x80\x94 registry.example/log AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
}

// --- PostgreSQL plumbing ---

Status PgExec(const std::string& conninfo, const std::string& sql, std::string* first = nullptr) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  PQsetNoticeProcessor(c, IgnoreNotice, nullptr);
  Status st;
  if (PQstatus(c) != CONNECTION_OK) {
    st = Unavailable(PQerrorMessage(c));
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
      st = Internal(sql + ": " + PQresultErrorMessage(r));
    } else if (first && PQntuples(r) > 0) {
      *first = PQgetvalue(r, 0, 0);
    }
    PQclear(r);
  }
  PQfinish(c);
  return st;
}

std::string WithDatabase(const std::string& conninfo, const std::string& db) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (!opts) Die("bad conninfo " + conninfo);
  std::string out;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (std::string(o->keyword) == "dbname" || !o->val) continue;
    out += std::string(o->keyword) + "='" + o->val + "' ";
  }
  PQconninfoFree(opts);
  return out + "dbname='" + db + "'";
}

// A throwaway cluster from scripts/pg.sh, destroyed with the object.
class Cluster {
 public:
  Cluster() {
    const char* src = std::getenv("DIPR_SOURCE_DIR");
#ifdef DIPR_SOURCE_DIR_DEFAULT
    if (!src) src = DIPR_SOURCE_DIR_DEFAULT;
#endif
    if (!src) Die("no --pg URI, and neither DIPR_SOURCE_DIR nor a compiled-in source dir");
    script_ = std::string(src) + "/scripts/pg.sh";
    char templ[] = "/tmp/dipr-bench-pg-XXXXXX";
    if (!::mkdtemp(templ)) Die("mkdtemp");
    dir_ = templ;
    std::string cmd = "'" + script_ + "' start '" + dir_ + "' " + std::to_string(::getpid());
    FILE* f = ::popen(cmd.c_str(), "r");
    std::array<char, 256> buf;
    while (size_t n = std::fread(buf.data(), 1, buf.size(), f)) uri_.append(buf.data(), n);
    if (::pclose(f) != 0) Die("could not start PostgreSQL: " + cmd);
    while (!uri_.empty() && uri_.back() == '\n') uri_.pop_back();
  }
  ~Cluster() {
    std::string cmd = "'" + script_ + "' destroy '" + dir_ + "'";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not stop %s\n", dir_.c_str());
  }
  const std::string& uri() const { return uri_; }

 private:
  std::string script_, dir_, uri_;
};

// A fresh database on the server, dropped with the object.
class PgDatabase {
 public:
  PgDatabase(std::string admin_uri, const std::string& tag)
      : admin_(std::move(admin_uri)),
        name_("dipr_bench_" + tag + "_" + std::to_string(::getpid())) {
    Must(PgExec(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"), "drop database");
    Must(PgExec(admin_, "CREATE DATABASE " + name_), "create database");
  }
  ~PgDatabase() { (void)PgExec(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }
  std::string conninfo() const { return WithDatabase(admin_, name_); }

 private:
  std::string admin_, name_;
};

// --- 1. batch commits ---

struct BatchStats {
  double entries_per_sec = 0;
  double batch_p50_ms = 0, batch_p99_ms = 0, commit_p50_ms = 0;
};

BatchStats RunBatches(Store& store, int batches, uint64_t seed) {
  constexpr int kBatch = 256;
  Gen g(seed);
  // Data prepared up front: only the store is timed.
  std::vector<std::vector<Deposit>> data(batches + 2);
  uint64_t index = Must(store.EntryCount(), "count");
  for (auto& b : data) {
    for (int i = 0; i < kBatch; ++i) b.push_back(MakeDeposit(g, index++));
  }
  std::vector<std::string> tiles;
  for (int i = 0; i < 4; ++i) tiles.push_back(g.Bytes(16 * 1024));

  std::vector<double> batch_ms, commit_ms;
  auto start = SteadyClock::now();
  for (size_t b = 0; b < data.size(); ++b) {
    if (b == 2) start = SteadyClock::now();  // two warm-up batches
    auto t0 = SteadyClock::now();
    auto tx = Must(store.BeginWrite(), "begin");
    for (const Deposit& d : data[b]) {
      Must(tx->InsertDeposit(d.record), "deposit");
      Must(tx->AppendEntry(d.record.index, d.entry), "append");
    }
    uint64_t size = data[b].back().record.index + 1;
    // As the sequencer does: the bottom tile being filled, and the partial tiles above it.
    for (int t = 0; t < 4; ++t) {
      Must(tx->PutTile(static_cast<uint8_t>(t), (size - 1) >> (8 * (t + 1)), tiles[t]), "tile");
    }
    Must(tx->PutTreeHead({size, crypto::Sha256Of(std::to_string(size)), FakeCheckpoint(size)}),
         "head");
    auto t1 = SteadyClock::now();
    Must(tx->Commit(), "commit");
    auto t2 = SteadyClock::now();
    if (b >= 2) {
      batch_ms.push_back(Us(t2 - t0) / 1000);
      commit_ms.push_back(Us(t2 - t1) / 1000);
    }
  }
  double secs = std::chrono::duration<double>(SteadyClock::now() - start).count();
  return {batches * kBatch / secs, Percentile(batch_ms, 0.5), Percentile(batch_ms, 0.99),
          Percentile(commit_ms, 0.5)};
}

// --- 2. ReadTile ---

struct ReadStats {
  double p50_us = 0, p99_us = 0, mean_us = 0;
  std::vector<std::pair<int, double>> per_sec_by_threads;
};

ReadStats RunReads(Store& store, int reads) {
  // Tiles as a grown log has them: many full level-0 tiles of 16 KiB.
  constexpr int kTiles = 512;
  {
    Gen g(7);
    auto tx = Must(store.BeginWrite(), "begin");
    for (int i = 0; i < kTiles; ++i) Must(tx->PutTile(0, 100000 + i, g.Bytes(16320)), "tile");
    Must(tx->Commit(), "commit");
  }
  ReadStats out;
  std::mt19937_64 rng(1);
  std::vector<double> us;
  us.reserve(reads);
  for (int i = 0; i < reads; ++i) {
    uint64_t idx = 100000 + rng() % kTiles;
    auto t0 = SteadyClock::now();
    auto tile = store.ReadTile(0, idx);
    us.push_back(Us(SteadyClock::now() - t0));
    if (!tile.ok() || tile->size() != 16320) Die("bad tile read");
  }
  double sum = 0;
  for (double u : us) sum += u;
  out.p50_us = Percentile(us, 0.5);
  out.p99_us = Percentile(us, 0.99);
  out.mean_us = sum / static_cast<double>(us.size());
  for (int threads : {2, 4, 8}) {
    std::atomic<int> done{0};
    std::vector<std::thread> ts;
    auto t0 = SteadyClock::now();
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        std::mt19937_64 r(t + 10);
        for (int i = 0; i < reads / threads; ++i) {
          if (!store.ReadTile(0, 100000 + r() % kTiles).ok()) Die("tile read failed");
          ++done;
        }
      });
    }
    for (auto& t : ts) t.join();
    double secs = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    out.per_sec_by_threads.push_back({threads, done.load() / secs});
  }
  return out;
}

// --- 3. bytes per entry ---

// Appends n realistic entries in batches of 256 with the real tree appender's tiles.
void Fill(Store& store, uint64_t n) {
  Gen g(99);
  log::TreeAppender appender;
  uint64_t index = 0;
  while (index < n) {
    auto tx = Must(store.BeginWrite(), "begin");
    std::vector<crypto::Hash> leaves;
    for (int i = 0; i < 256 && index < n; ++i, ++index) {
      Deposit d = MakeDeposit(g, index);
      Must(tx->InsertDeposit(d.record), "deposit");
      Must(tx->AppendEntry(index, d.entry), "append");
      leaves.push_back(log::HashLeaf(d.entry));
    }
    for (const auto& w : appender.Append(leaves)) {
      Must(tx->PutTile(w.id.level, w.id.index, w.data), "tile");
    }
    Must(tx->PutTreeHead({appender.size(), appender.root(), FakeCheckpoint(appender.size())}),
         "head");
    Must(tx->Commit(), "commit");
  }
}

void ReportPgSize(const std::string& conninfo, uint64_t n, const char* when) {
  std::printf("  %s:\n", when);
  uint64_t total = 0;
  for (const char* t : {"entries", "deposits", "tiles", "tree_heads", "accounts", "credentials"}) {
    std::string v;
    Must(PgExec(conninfo, std::string("SELECT pg_total_relation_size('") + t + "')", &v), "size");
    uint64_t b = std::strtoull(v.c_str(), nullptr, 10);
    total += b;
    std::printf("    %-12s %10.1f MiB  %7.1f B/entry\n", t, b / 1048576.0,
                static_cast<double>(b) / static_cast<double>(n));
  }
  std::printf("    %-12s %10.1f MiB  %7.1f B/entry\n", "total", total / 1048576.0,
              static_cast<double>(total) / static_cast<double>(n));
}

}  // namespace
}  // namespace dipr

int main(int argc, char** argv) {
  using namespace dipr;
  std::string pg_uri;
  int batches = 40, reads = 20000;
  uint64_t size_entries = 200000;
  bool skip_size = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--pg")
      pg_uri = next();
    else if (a == "--batches")
      batches = std::stoi(next());
    else if (a == "--reads")
      reads = std::stoi(next());
    else if (a == "--size-entries")
      size_entries = std::stoull(next());
    else if (a == "--skip-size")
      skip_size = true;
    else if (a.rfind("--benchmark_", 0) == 0)
      continue;  // bench/run.sh passes these
    else
      Die("unknown flag " + a);
  }
  std::unique_ptr<Cluster> cluster;
  if (pg_uri.empty()) {
    cluster = std::make_unique<Cluster>();
    pg_uri = cluster->uri();
  }
  char sqlite_templ[] = "/tmp/dipr-bench-sqlite-XXXXXX";
  if (!::mkdtemp(sqlite_templ)) Die("mkdtemp");
  const std::string sqlite_dir = sqlite_templ;
  std::printf("storage_bench: PostgreSQL at %s, SQLite in %s\n\n", pg_uri.c_str(),
              sqlite_dir.c_str());

  std::printf(
      "1. commits of 256 deposits (entry ~%zu B + deposit row) + 4 tiles of 16 KiB + "
      "1 tree head, %d batches\n",
      MakeDeposit(*std::make_unique<Gen>(1), 0).entry.size(), batches);
  auto print_batches = [](const char* name, const BatchStats& s) {
    std::printf(
        "  %-22s %9.0f entries/s   batch p50 %6.2f ms  p99 %6.2f ms   commit p50 %6.2f ms\n", name,
        s.entries_per_sec, s.batch_p50_ms, s.batch_p99_ms, s.commit_p50_ms);
  };
  std::unique_ptr<Store> sqlite =
      Must(storage::OpenSqliteStore(sqlite_dir + "/batch.db"), "sqlite");
  print_batches("sqlite", RunBatches(*sqlite, batches, 1));
  {
    PgDatabase db(pg_uri, "batch");
    auto pg = Must(storage::OpenPostgresStore(db.conninfo()), "postgres");
    print_batches("postgres (pipelined)", RunBatches(*pg, batches, 1));
  }
  {
    PgDatabase db(pg_uri, "batch_nopipe");
    storage::PostgresStoreOptions o;
    o.pipeline_writes = false;
    auto pg = Must(storage::OpenPostgresStore(db.conninfo(), o), "postgres");
    print_batches("postgres (unpipelined)", RunBatches(*pg, batches, 1));
  }

  std::printf("\n2. ReadTile of a 16 KiB tile (%d reads; threads: reads/s)\n", reads);
  auto print_reads = [](const char* name, const ReadStats& s) {
    std::printf("  %-10s 1 thread: p50 %6.1f us  p99 %6.1f us  mean %6.1f us |", name, s.p50_us,
                s.p99_us, s.mean_us);
    for (auto [t, r] : s.per_sec_by_threads) std::printf("  %d: %7.0f", t, r);
    std::printf("\n");
  };
  print_reads("sqlite", RunReads(*sqlite, reads));
  {
    PgDatabase db(pg_uri, "read");
    auto pg = Must(storage::OpenPostgresStore(db.conninfo()), "postgres");
    print_reads("postgres", RunReads(*pg, reads));
  }
  sqlite.reset();

  if (!skip_size) {
    std::printf(
        "\n3. bytes per entry after %llu realistic entries (deposit rows, real tiles, a "
        "tree head per 256)\n",
        static_cast<unsigned long long>(size_entries));
    PgDatabase db(pg_uri, "size");
    {
      auto pg = Must(storage::OpenPostgresStore(db.conninfo()), "postgres");
      auto t0 = SteadyClock::now();
      Fill(*pg, size_entries);
      double secs = std::chrono::duration<double>(SteadyClock::now() - t0).count();
      std::printf("  postgres: filled in %.1f s (%.0f entries/s)\n", secs, size_entries / secs);
    }
    ReportPgSize(db.conninfo(), size_entries, "postgres as written (incl. dead tile versions)");
    Must(PgExec(db.conninfo(), "VACUUM FULL"), "vacuum");
    ReportPgSize(db.conninfo(), size_entries, "postgres after VACUUM FULL");
    {
      auto lite = Must(storage::OpenSqliteStore(sqlite_dir + "/size.db"), "sqlite");
      Fill(*lite, size_entries);
    }
    uint64_t bytes = 0;
    for (const auto& f : std::filesystem::directory_iterator(sqlite_dir)) {
      if (f.path().filename().string().rfind("size.db", 0) == 0) bytes += f.file_size();
    }
    std::printf("  sqlite size.db (+wal): %.1f MiB, %.1f B/entry\n", bytes / 1048576.0,
                static_cast<double>(bytes) / static_cast<double>(size_entries));
  }
  std::filesystem::remove_all(sqlite_dir);
  return 0;
}
