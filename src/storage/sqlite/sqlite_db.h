// Thin RAII wrappers over the SQLite C API that turn result codes into Status values: an I/O error
// becomes an error returned to the caller, never a crash.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace dipr::storage::sqlite {

class Statement;

// One connection with its cache of prepared statements. Not thread-safe: one user at a time.
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results.
  Status Exec(const std::string& sql);
  // A cached prepared statement, reset and with bindings cleared.
  Result<Statement*> Prepare(const std::string& sql);
  // Resets every statement prepared since the last call. A statement left mid-result holds a
  // read transaction open, which would pin the connection to an old snapshot of the database.
  void ResetActive();
  Status Error(std::string_view what) const;
  sqlite3* raw() { return db_; }
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() { return sqlite3_changes64(db_); }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
  std::vector<Statement*> active_;
};

// A prepared statement. A Bind that fails (an index out of range, a value beyond SQLite's length
// limit, no memory) is not lost: the statement keeps the first failure, and Step or Run returns
// it as an error without running.
class Statement {
 public:
  Statement(Connection& conn, sqlite3_stmt* stmt) : conn_(conn), stmt_(stmt) {}
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement& Bind(int i, int64_t v) { return Bound(i, sqlite3_bind_int64(stmt_, i, v)); }
  Statement& Bind(int i, std::string_view text) {
    return Bound(
        i, sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  Statement& BindNull(int i) { return Bound(i, sqlite3_bind_null(stmt_, i)); }
  Statement& BindBlob(int i, std::string_view blob) {
    return Bound(i, sqlite3_bind_blob64(stmt_, i, blob.data(), blob.size(), SQLITE_TRANSIENT));
  }
  // true: a row is available; false: done. Errors map to Status.
  Result<bool> Step();
  // Runs to completion (for INSERT/UPDATE); SQLITE_CONSTRAINT becomes Conflict.
  Status Run();
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_rc_ = SQLITE_OK;
  }

  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, sqlite3_column_bytes(stmt_, col)) : std::string();
  }
  std::string Blob(int col) {
    auto p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, sqlite3_column_bytes(stmt_, col)) : std::string();
  }

 private:
  Statement& Bound(int i, int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) {
      bind_rc_ = rc;
      bind_index_ = i;
    }
    return *this;
  }
  // The first failed Bind's error (InvalidArgument for a value too big), or OK.
  Status BindError() const;

  Connection& conn_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;  // of the first Bind that failed since the last Reset
  int bind_index_ = 0;
};

}  // namespace dipr::storage::sqlite
