// The statistics follower (registry/statistics.h) under its runner (log/follower.h), over a real
// SQLite file and a real PostgreSQL database (tests/pg_testing.h).
#include "registry/statistics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include "pg_testing.h"
#include "registry/account_events.h"
#include "registry/application_events.h"
#include "registry/settings_events.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "verify/event.h"

namespace dipr::registry {
namespace {

using testenv::PostgresServer;

enum class Backend { kSqlite, kPostgres };

class StatisticsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dipr-stats-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    for (char& c : name_ = dir_.string()) {
      if (c == '/') c = '-';
    }
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    runners_.clear();
    stats_.clear();
    second_.reset();
    store_.reset();
    if (GetParam() == Backend::kPostgres) PostgresServer::Get().Drop(name_);
    std::filesystem::remove_all(dir_);
  }
  // Another store on the same database (a restart, or a second node).
  std::unique_ptr<storage::Store> Open() {
    if (GetParam() == Backend::kSqlite) {
      auto s = storage::OpenSqliteStore((dir_ / "dipr.db").string());
      EXPECT_TRUE(s.ok()) << s.status().ToString();
      return s.ok() ? std::move(s).value() : nullptr;
    }
    auto c = PostgresServer::Get().Database(name_);
    EXPECT_TRUE(c.ok()) << "no PostgreSQL server for the tests: " << c.status().ToString();
    if (!c.ok()) return nullptr;
    auto s = storage::OpenPostgresStore(*c);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  // Appends entries in one transaction with a tree head of the new size (the runner reads up to
  // the latest head's size), and tells the runners.
  void Append(storage::Store& store, const std::vector<std::string>& entries) {
    auto tx = std::move(store.BeginWrite()).value();
    uint64_t n = tx->EntryCount();
    for (const auto& e : entries) ASSERT_TRUE(tx->AppendEntry(n++, e).ok());
    ASSERT_TRUE(tx->PutTreeHead({n, crypto::Sha256Of(std::to_string(n)), "head"}).ok());
    ASSERT_TRUE(tx->Commit().ok());
    for (auto& r : runners_) r->Notify(n);
  }
  log::FollowerRunner& Run(storage::Store& store, size_t max_batch = 1000) {
    stats_.push_back(std::make_unique<Statistics>(store));
    log::FollowerRunner::Options o;
    o.max_batch = max_batch;
    o.min_interval = std::chrono::milliseconds(0);
    runners_.push_back(std::make_unique<log::FollowerRunner>(store, *stats_.back(), o));
    runners_.back()->Start();
    return *runners_.back();
  }
  // Waits (up to a deadline, never a fixed time) until the runner's cursor is at `size`.
  static bool CaughtUp(const log::FollowerRunner& r, uint64_t size) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      auto p = r.progress();
      if (p.cursor == size && p.latest == size) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }
  std::map<std::string, int64_t> Counts(storage::Store& store) {
    auto c = store.Counters("statistics/");
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::map<std::string, int64_t>(c->begin(), c->end())
                  : std::map<std::string, int64_t>();
  }

  static std::string Deposit(const char* time, int i) {
    return EncodeDepositEntry(*ParseRfc3339(time), "u0000000000000001", "sha256-chunked-64k", 65536,
                              1, std::string(63, 'a') + static_cast<char>('0' + i % 10), 10, "t");
  }
  static std::string Other(std::string_view type, const char* time,
                           nlohmann::json payload = nlohmann::json::object()) {
    return *EncodeEntry(Event{std::string(type), *ParseRfc3339(time), "registrar", payload});
  }

  std::filesystem::path dir_;
  std::string name_;
  std::unique_ptr<storage::Store> store_, second_;
  std::vector<std::unique_ptr<Statistics>> stats_;
  std::vector<std::unique_ptr<log::FollowerRunner>> runners_;
};

TEST_P(StatisticsTest, TheFollowerCatchesUpAfterEntriesAreAppended) {
  log::FollowerRunner& r = Run(*store_);
  ASSERT_TRUE(CaughtUp(r, 0));
  Append(*store_, {Other(kAccountCreated, "2026-10-05T00:00:00Z"),
                   Deposit("2026-10-05T01:00:00Z", 1), Deposit("2026-10-31T16:30:00Z", 2)});
  Append(*store_, {Deposit("2026-11-02T00:00:00Z", 3),
                   Other(kApplicationRegistered, "2026-11-03T00:00:00Z")});
  ASSERT_TRUE(CaughtUp(r, 5));
  EXPECT_EQ(Counts(*store_),
            (std::map<std::string, int64_t>{{"statistics/entries/account.created", 1},
                                            {"statistics/entries/application.registered", 1},
                                            {"statistics/entries/deposit", 3},
                                            // 2026-10-31T16:30Z is November 1st in Asia/Shanghai.
                                            {"statistics/deposits/2026-10", 1},
                                            {"statistics/deposits/2026-11", 2},
                                            {"statistics/registrations/2026-11", 1}}));
  EXPECT_EQ(stats_[0]->EntriesByType(),
            (std::vector<std::pair<std::string, int64_t>>{
                {"account.created", 1}, {"application.registered", 1}, {"deposit", 3}}));
  EXPECT_EQ(r.progress().lag(), 0u);
  EXPECT_EQ(r.progress().applied, 5u);
}

TEST_P(StatisticsTest, ItsCursorSurvivesARestartAndNothingIsCountedTwice) {
  {
    log::FollowerRunner& r = Run(*store_, /*max_batch=*/2);
    Append(*store_, {Deposit("2026-10-05T01:00:00Z", 1), Deposit("2026-10-06T01:00:00Z", 2),
                     Deposit("2026-10-07T01:00:00Z", 3)});
    ASSERT_TRUE(CaughtUp(r, 3));
  }
  runners_.clear();
  stats_.clear();
  store_.reset();
  store_ = Open();  // a restart
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(*store_->FollowerCursor(Statistics::kName), 3u);
  Append(*store_, {Deposit("2026-10-08T01:00:00Z", 4), Deposit("2026-10-09T01:00:00Z", 5)});
  log::FollowerRunner& r = Run(*store_, /*max_batch=*/2);
  ASSERT_TRUE(CaughtUp(r, 5));
  EXPECT_EQ(r.progress().applied, 2u);  // only the new ones
  EXPECT_EQ(Counts(*store_), (std::map<std::string, int64_t>{{"statistics/entries/deposit", 5},
                                                             {"statistics/deposits/2026-10", 5}}));
}

TEST_P(StatisticsTest, MonthsAreLocalInTheZoneTheLogStatesAtEachEntry) {
  // The same instant: December in Asia/Shanghai (the default), November in UTC.
  const char* t = "2026-11-30T17:00:00Z";
  {
    log::FollowerRunner& r = Run(*store_, /*max_batch=*/1);
    Append(*store_, {Deposit(t, 1), Other(kRegistrarSettings, t, {{"time_zone", "UTC"}})});
    ASSERT_TRUE(CaughtUp(r, 2));
  }
  // After a restart the zone in force is the logged one, not the default again.
  runners_.clear();
  stats_.clear();
  store_.reset();
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  log::FollowerRunner& r = Run(*store_, /*max_batch=*/1);
  Append(*store_, {Deposit(t, 2), Other(kApplicationRegistered, t),
                   Other(kRegistrarSettings, t, {{"time_zone", "+08:00"}}), Deposit(t, 3)});
  ASSERT_TRUE(CaughtUp(r, 6));
  EXPECT_EQ(Counts(*store_),
            (std::map<std::string, int64_t>{{"statistics/entries/application.registered", 1},
                                            {"statistics/entries/deposit", 3},
                                            {"statistics/entries/registrar.settings", 2},
                                            {"statistics/deposits/2026-11", 1},
                                            {"statistics/deposits/2026-12", 2},
                                            {"statistics/registrations/2026-11", 1},
                                            {"statistics/settings_index", 5}}));
}

// Two nodes on one database, each running the follower: every entry is counted once.
TEST_P(StatisticsTest, TwoRunnersOnOneDatabaseCountEachEntryOnce) {
  if (GetParam() == Backend::kPostgres) {
    second_ = Open();
    ASSERT_NE(second_, nullptr);
  }
  storage::Store& other = second_ ? *second_ : *store_;  // SQLite: one process per file
  log::FollowerRunner& a = Run(*store_, /*max_batch=*/7);
  log::FollowerRunner& b = Run(other, /*max_batch=*/7);
  constexpr int kCommits = 10, kPerCommit = 20;
  for (int c = 0; c < kCommits; ++c) {
    std::vector<std::string> entries;
    for (int i = 0; i < kPerCommit; ++i) entries.push_back(Deposit("2026-10-05T01:00:00Z", i));
    Append(c % 2 ? *store_ : other, entries);
  }
  ASSERT_TRUE(CaughtUp(a, kCommits * kPerCommit));
  ASSERT_TRUE(CaughtUp(b, kCommits * kPerCommit));
  EXPECT_EQ(a.progress().applied + b.progress().applied, uint64_t{kCommits * kPerCommit});
  EXPECT_EQ(Counts(*store_), (std::map<std::string, int64_t>{
                                 {"statistics/entries/deposit", kCommits * kPerCommit},
                                 {"statistics/deposits/2026-10", kCommits * kPerCommit}}));
}

TEST_P(StatisticsTest, TheLagIsTheSignedEntriesNotYetApplied) {
  auto follower = std::make_unique<Statistics>(*store_);
  log::FollowerRunner r(*store_, *follower);  // not started: it applies nothing
  r.Notify(7);
  EXPECT_EQ(r.progress().lag(), 7u);
  EXPECT_EQ(r.name(), "statistics");
}

INSTANTIATE_TEST_SUITE_P(Backends, StatisticsTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) {
                           return info.param == Backend::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace dipr::registry
