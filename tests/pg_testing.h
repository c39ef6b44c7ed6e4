// A PostgreSQL server for the tests, and a fresh database per test on it.
//
// The server is DIPR_TEST_PG_URI when set (a libpq URI whose user may create databases), else one
// this process starts with scripts/pg.sh in a temporary directory on first use and stops at exit.
// Each test gets a database of its own, dropped afterwards. A server that cannot be had fails the
// PostgreSQL tests; it never skips them. A test binary that includes this header links libpq.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "common/status.h"
#include "common/testing.h"

namespace dipr::testenv {

inline void IgnoreNotice(void*, const char*) {}

// Runs one SQL command on its own connection; the first row's first value, or the error text.
inline Result<std::string> RunSql(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  PQsetNoticeProcessor(c, IgnoreNotice, nullptr);
  std::string out;
  Status st;
  if (PQstatus(c) != CONNECTION_OK) {
    st = Unavailable(PQerrorMessage(c));
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    ExecStatusType rs = PQresultStatus(r);
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
      st = Internal(sql + ": " + PQresultErrorMessage(r));
    } else if (PQntuples(r) > 0 && PQnfields(r) > 0) {
      out = PQgetvalue(r, 0, 0);
    }
    PQclear(r);
  }
  PQfinish(c);
  if (!st.ok()) return st;
  return out;
}

// conninfo with its database replaced by dbname (a key=value string libpq accepts like a URI).
inline std::string WithDatabase(const std::string& conninfo, const std::string& dbname) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err ? err : "unparsable";
    PQfreemem(err);
    ADD_FAILURE() << "bad conninfo " << conninfo << ": " << msg;
    return conninfo;
  }
  std::string out;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    std::string key = o->keyword;
    if (key == "dbname" || o->val == nullptr) continue;
    std::string v;
    for (char ch : std::string(o->val)) {
      if (ch == '\\' || ch == '\'') v += '\\';
      v += ch;
    }
    out += key + "='" + v + "' ";
  }
  PQconninfoFree(opts);
  return out + "dbname='" + dbname + "'";
}

// The PostgreSQL server of this test process, and a database per test on it. Thread-safe.
class PostgresServer : public ::testing::Environment {
 public:
  // The one instance, registered as a global test environment.
  static PostgresServer& Get();

  // The server's URI (its "dipr" database), starting it on first use.
  Result<std::string> Uri() {
    std::call_once(once_, [this] { start_ = Start(); });
    if (!start_.ok()) return start_;
    return uri_;
  }

  // A conninfo for the database of `key` (a test's directory), created empty on first use.
  Result<std::string> Database(const std::string& key) {
    ASSIGN_OR_RETURN(std::string uri, Uri());
    std::lock_guard<std::mutex> g(mu_);
    auto it = databases_.find(key);
    if (it == databases_.end()) {
      std::string name = "dipr_test_" + std::to_string(::getpid()) + "_" + std::to_string(next_++);
      RETURN_IF_ERROR(RunSql(uri, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").status());
      RETURN_IF_ERROR(RunSql(uri, "CREATE DATABASE " + name).status());
      it = databases_.emplace(key, name).first;
    }
    return WithDatabase(uri, it->second);
  }

  void Drop(const std::string& key) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = databases_.find(key);
    if (it == databases_.end()) return;
    auto st = RunSql(uri_, "DROP DATABASE IF EXISTS " + it->second + " WITH (FORCE)");
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    databases_.erase(it);
  }

  void TearDown() override {
    if (dir_.empty()) return;
    std::error_code ec;
    if (!started_) {
      std::filesystem::remove_all(dir_, ec);
      return;
    }
    std::string cmd = "'" + SourceDir() + "/scripts/pg.sh' destroy '" + dir_.string() + "'";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "could not stop PostgreSQL: " << cmd;
  }

 private:
  Status Start() {
    if (const char* env = std::getenv("DIPR_TEST_PG_URI"); env && *env) {
      uri_ = env;
      return Status::Ok();
    }
    // /tmp rather than TMPDIR: the server runs as the postgres user, who must reach the directory.
    std::string script = SourceDir() + "/scripts/pg.sh";
    if (::access(script.c_str(), X_OK) != 0) {
      return Unavailable("cannot start PostgreSQL for the tests: no executable " + script +
                         " (set DIPR_SOURCE_DIR to the source tree, or DIPR_TEST_PG_URI)");
    }
    char templ[] = "/tmp/dipr-pg-XXXXXX";
    if (::mkdtemp(templ) == nullptr) return Internal("mkdtemp failed");
    dir_ = templ;
    // The server is stopped by TearDown, or by pg.sh's watchdog if this process dies first.
    std::string cmd =
        "'" + script + "' start '" + dir_.string() + "' " + std::to_string(::getpid());
    auto t0 = std::chrono::steady_clock::now();
    FILE* f = ::popen(cmd.c_str(), "r");
    if (f == nullptr) return Internal("cannot run " + script);
    std::string out;
    std::array<char, 256> buf;
    while (size_t n = std::fread(buf.data(), 1, buf.size(), f)) out.append(buf.data(), n);
    int status = ::pclose(f);
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    if (rc != 0 || out.rfind("postgres://", 0) != 0) {
      return Unavailable("could not start PostgreSQL for the tests with `" + cmd +
                         "` (exit status " + std::to_string(rc) + ", output '" + out +
                         "'; its log is above). " +
                         "Install PostgreSQL 15 or set DIPR_TEST_PG_URI to a server's URI.");
    }
    uri_ = out;
    started_ = true;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    std::fprintf(stderr, "PostgreSQL for the tests: %s (started in %lld ms)\n", uri_.c_str(),
                 static_cast<long long>(ms.count()));
    return Status::Ok();
  }

  std::once_flag once_;
  Status start_;
  std::string uri_;
  std::filesystem::path dir_;  // the cluster this process started, if it did
  bool started_ = false;
  std::mutex mu_;
  std::map<std::string, std::string> databases_;  // GUARDED_BY(mu_): key -> database name
  int next_ = 0;                                  // GUARDED_BY(mu_)
};

// Registered once per test binary (an inline variable, odr-used by Get() so that every binary
// that uses the server registers it), so that TearDown stops a server this process started.
inline ::testing::Environment* const kPostgresServer =
    ::testing::AddGlobalTestEnvironment(new PostgresServer);

inline PostgresServer& PostgresServer::Get() {
  return *static_cast<PostgresServer*>(kPostgresServer);
}

}  // namespace dipr::testenv
