// The backends the conformance suites run over (store_conformance.h).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "crypto/note.h"
#include "crypto/sha256.h"
#include "pg_testing.h"
#include "storage/grams.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/store.h"
#include "storage/store_conformance.h"
#include "storage/store_wrapper.h"

namespace dipr::storage {

using testenv::PostgresServer;
using testenv::RunSql;

std::unique_ptr<Store> OpenSqliteForTest(const std::string& dir) {
  auto s = OpenSqliteStore(dir + "/dipr.db");
  if (!s.ok()) {
    ADD_FAILURE() << s.status().ToString();
    return nullptr;
  }
  return std::move(s).value();
}

std::unique_ptr<Store> OpenPostgresForTest(const std::string& dir) {
  auto conninfo = PostgresServer::Get().Database(dir);
  if (!conninfo.ok()) {
    ADD_FAILURE() << "no PostgreSQL server for the tests: " << conninfo.status().ToString();
    return nullptr;
  }
  auto s = OpenPostgresStore(*conninfo);
  if (!s.ok()) {
    ADD_FAILURE() << s.status().ToString();
    return nullptr;
  }
  return std::move(s).value();
}

namespace {

// A StoreWrapper (and WriteTxWrapper) that owns the store it forwards to: run over SQLite, the
// suite checks that the wrappers forward every call.
class OwningWrapper final : public StoreWrapper {
 public:
  explicit OwningWrapper(std::unique_ptr<Store> base)
      : StoreWrapper(*base), owned_(std::move(base)) {}
  Result<std::unique_ptr<WriteTx>> BeginWrite() override {
    ASSIGN_OR_RETURN(auto tx, StoreWrapper::BeginWrite());
    return std::unique_ptr<WriteTx>(std::make_unique<WriteTxWrapper>(std::move(tx)));
  }

 private:
  std::unique_ptr<Store> owned_;
};

std::unique_ptr<Store> OpenWrappedSqliteForTest(const std::string& dir) {
  auto s = OpenSqliteForTest(dir);
  if (s == nullptr) return nullptr;
  return std::make_unique<OwningWrapper>(std::move(s));
}

}  // namespace

std::vector<Backend> Backends() {
  return {
      Backend{"sqlite", OpenSqliteForTest, nullptr},
      Backend{"wrapped_sqlite", OpenWrappedSqliteForTest, nullptr},
      Backend{"postgres", OpenPostgresForTest,
              [](const std::string& dir) { PostgresServer::Get().Drop(dir); },
              [](const std::string& dir) {
                auto c = PostgresServer::Get().Database(dir);
                ASSERT_TRUE(c.ok());
                ASSERT_TRUE(RunSql(*c, "VACUUM ANALYZE").ok());
              }},
  };
}

}  // namespace dipr::storage
