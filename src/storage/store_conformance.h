// The storage conformance suites' shared fixture: what every suite (store_conformance_{log,
// register,account}_test.cc, one per interface of store.h) runs over, and the backends it runs
// over (store_conformance.cc: SQLite, SQLite through StoreWrapper, PostgreSQL).
//
// PostgreSQL: the server is DIPR_TEST_PG_URI when set (a libpq URI whose user may create
// databases), else one this process starts with scripts/pg.sh in a temporary directory on first
// use and stops at exit (tests/pg_testing.h). Each test gets a database of its own, dropped
// afterwards. A server that cannot be had fails the PostgreSQL tests; it never skips them.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "crypto/sha256.h"
#include "storage/store.h"

namespace dipr::storage {

struct Backend {
  std::string name;
  // Opens a fresh, empty store; reopen() opens the same one again (a restart).
  std::function<std::unique_ptr<Store>(const std::string& dir)> open;
  // Releases what open created outside dir (may be empty).
  std::function<void(const std::string& dir)> cleanup;
  // Does what the database's own housekeeping does in time, which may change how a backend
  // goes about a query (PostgreSQL: VACUUM ANALYZE, and the planner's statistics). May be empty.
  std::function<void(const std::string& dir)> settle{};
};

inline void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

class StoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dipr-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = GetParam().open(dir_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    if (GetParam().cleanup) GetParam().cleanup(dir_);
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    store_ = GetParam().open(dir_);
    ASSERT_NE(store_, nullptr);
  }
  static Hash H(std::string_view s) { return crypto::Sha256Of(s); }
  static Account MakeAccount(std::string id) {
    return Account{std::move(id), "名字 name", "holder", Time(Micros(1700000000000000)), 3};
  }
  static DepositRecord MakeDeposit(uint64_t index, std::string depositor, char digit) {
    return DepositRecord{index, std::move(depositor), std::string(64, digit),
                         1234,  "数据集 title",       Time(Micros(1700000000123000))};
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

// Polls `done` until it is true (true) or `timeout` has passed (false): for an event of another
// thread or process that offers nothing to wait on. Never a fixed sleep standing in for it.
template <typename F>
bool PollUntil(F done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Every backend, for INSTANTIATE_TEST_SUITE_P(Backends, Suite, ::testing::ValuesIn(Backends())).
std::vector<Backend> Backends();
// The name of a backend's instance of a test.
inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

std::unique_ptr<Store> OpenSqliteForTest(const std::string& dir);
std::unique_ptr<Store> OpenPostgresForTest(const std::string& dir);

// A ListingQuery, field by field.
struct Q {
  ListingQuery q;
  Q& Text(std::string s) { return q.text = std::move(s), *this; }
  Q& Holder(std::string s) { return q.holder = std::move(s), *this; }
  Q& Industry(std::string s) { return q.industry = std::move(s), *this; }
  Q& Statuses(std::vector<std::string> s) { return q.statuses = std::move(s), *this; }
  Q& Page(size_t offset, size_t limit) { return q.offset = offset, q.limit = limit, *this; }
  operator ListingQuery() const { return q; }  // NOLINT: implicit by design
};

inline Record MakeRecord(std::string kind, std::string id, std::string owner, uint64_t version,
                         std::optional<int64_t> due_us = std::nullopt) {
  Record r;
  r.kind = std::move(kind);
  r.id = std::move(id);
  r.owner = std::move(owner);
  r.status = "submitted";
  r.doc = R"({"id":")" + r.id + R"(","title":"城市交通 data"})";
  r.version = version;
  if (due_us) r.due = Time(Micros(*due_us));
  return r;
}

inline std::vector<std::string> Ids(const Result<std::vector<Record>>& records) {
  std::vector<std::string> out;
  if (!records.ok()) {
    out.push_back("error: " + records.status().ToString());
    return out;
  }
  for (const Record& r : *records) out.push_back(r.id);
  return out;
}

inline void ExpectSameRecord(const Record& got, const Record& want) {
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.owner, want.owner);
  EXPECT_EQ(got.parent, want.parent);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.number, want.number);
  EXPECT_EQ(got.due, want.due);
  EXPECT_EQ(got.doc, want.doc);
  EXPECT_EQ(got.version, want.version);
  EXPECT_EQ(got.parties, want.parties);
}

}  // namespace dipr::storage
