// A registry node running in-process on a free loopback port with a fresh data directory, for
// integration tests that talk real HTTP to it, over either storage backend: SQLite in the data
// directory, or a fresh database on the test PostgreSQL server (tests/pg_testing.h).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "cli/client.h"
#include "pg_testing.h"
#include "server/node.h"

namespace dipr::testenv {

// Runs SQL on a registry's database behind its back, as a lying operator (or a bug) would: the
// PostgreSQL database at pg_uri, or (pg_uri empty) DATA_DIR/dipr.db, waiting out a running
// server's write lock.
inline Status RunRegistrySql(const std::filesystem::path& data_dir, const std::string& pg_uri,
                             const std::string& sql) {
  if (!pg_uri.empty()) return RunSql(pg_uri, sql).status();
  sqlite3* db = nullptr;
  if (sqlite3_open((data_dir / "dipr.db").c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return Internal("cannot open " + (data_dir / "dipr.db").string());
  }
  sqlite3_busy_timeout(db, 10000);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) return Internal(sql + ": " + message);
  return Status::Ok();
}

enum class Backend { kSqlite, kPostgres };

inline std::string BackendName(Backend b) { return b == Backend::kSqlite ? "sqlite" : "postgres"; }
inline void PrintTo(Backend b, std::ostream* os) { *os << BackendName(b); }

// For INSTANTIATE_TEST_SUITE_P: both backends, with test names ending in /sqlite and /postgres.
inline auto AllBackends() { return ::testing::Values(Backend::kSqlite, Backend::kPostgres); }
inline std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info) {
  return BackendName(info.param);
}

// A directory name for the running test: "<prefix>-<pid>-<suite>.<test>" with the '/' of
// parameterized names replaced.
inline std::filesystem::path TestTempDir(const std::string& prefix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "none";
  for (char& c : name) {
    if (c == '/') c = '-';
  }
  return std::filesystem::temp_directory_path() /
         (prefix + "-" + std::to_string(::getpid()) + "-" + name);
}

// The database URI (libpq conninfo) of a fresh database for the data directory `dir` on the test
// PostgreSQL server; the same one again for the same dir. Failing this fails the test.
inline Result<std::string> TestDatabase(const std::filesystem::path& dir) {
  auto db = PostgresServer::Get().Database(dir.string());
  if (!db.ok()) return Unavailable("no PostgreSQL server for the tests: " + db.status().message());
  return db;
}

class TestRegistry {
 public:
  // configure: adjusts the node's options before each start (registrar settings, ...).
  explicit TestRegistry(std::string name, Backend backend = Backend::kSqlite,
                        const Clock* clock = nullptr,
                        std::function<void(server::NodeOptions&)> configure = nullptr)
      : backend_(backend), configure_(std::move(configure)) {
    for (char& c : name) {
      if (c == '/') c = '-';
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("dipr-it-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(dir_);
    if (backend_ == Backend::kPostgres) {
      auto db = TestDatabase(dir_);
      if (!db.ok()) {
        ADD_FAILURE() << db.status().ToString();
        return;
      }
      db_ = *db;
    }
    Start(clock);
  }
  ~TestRegistry() {
    node_.reset();
    if (backend_ == Backend::kPostgres) PostgresServer::Get().Drop(dir_.string());
    std::filesystem::remove_all(dir_);
  }

  void Start(const Clock* clock = nullptr) {
    if (backend_ == Backend::kPostgres && db_.empty()) return;  // already failed: no database
    server::NodeOptions opts;
    opts.data_dir = dir_.string();
    opts.db = db_;
    opts.origin = "test.example/dipr";
    opts.http.port = 0;
    opts.http.threads = 2;
    opts.clock = clock;
    // The registrar acts when a test says so (node().registrar().RunDue()), not by a timer.
    opts.due_interval = std::chrono::milliseconds(0);
    if (configure_) configure_(opts);
    auto n = server::Node::Start(opts);
    if (!n.ok()) {
      ADD_FAILURE() << "cannot start the registry (" << BackendName(backend_)
                    << "): " << n.status().ToString();
      return;
    }
    node_ = std::move(n).value();
  }
  // Stops the node (Start starts it again).
  void Stop() { node_.reset(); }
  void Restart(const Clock* clock = nullptr) {
    node_.reset();
    Start(clock);
  }

  // False if the registry could not be started (the failure is already recorded).
  bool running() const { return node_ != nullptr; }
  Backend backend() const { return backend_; }
  // The PostgreSQL database's conninfo; empty for SQLite.
  const std::string& db() const { return db_; }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(node_->port()); }
  std::string admin_token() const { return node_->data().admin_token; }
  std::string verifier_key() const { return node_->data().signer->verifier().ToString(); }
  const std::filesystem::path& dir() const { return dir_; }
  server::Node& node() { return *node_; }

  cli::Client Client(const std::string& token = "") const {
    return std::move(cli::Client::Create(url(), token)).value();
  }
  // A request with `token` (none: ""), the body sent as JSON unless null; a transport failure
  // fails the test.
  cli::HttpResult Call(const std::string& token, const std::string& method,
                       const std::string& target, const nlohmann::json& body = nullptr) const {
    auto c = Client(token);
    auto r = c.Do(method, target, body.is_null() ? "" : body.dump());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : cli::HttpResult{};
  }
  // The answer's JSON, expecting `status`.
  static nlohmann::json Ok(const cli::HttpResult& r, int status = 200) {
    EXPECT_EQ(r.status, status) << r.body;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return j.is_discarded() ? nlohmann::json() : j;
  }
  // Creates an account through the API and returns its token.
  std::string CreateAccount(const std::string& name, const std::string& role) {
    auto c = Client(admin_token());
    auto r = c.PostJson("/v1/users", {{"name", name}, {"role", role}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? (*r)["token"].get<std::string>() : "";
  }

 private:
  Backend backend_;
  std::function<void(server::NodeOptions&)> configure_;
  std::filesystem::path dir_;
  std::string db_;
  std::unique_ptr<server::Node> node_;
};

}  // namespace dipr::testenv
