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

class Statement {
 public:
  Statement(Connection& conn, sqlite3_stmt* stmt) : conn_(conn), stmt_(stmt) {}
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& Bind(int i, std::string_view text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& BindNull(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  Statement& BindBlob(int i, std::string_view blob) {
    sqlite3_bind_blob(stmt_, i, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // true: a row is available; false: done. Errors map to Status.
  Result<bool> Step();
  // Runs to completion (for INSERT/UPDATE); SQLITE_CONSTRAINT becomes Conflict.
  Status Run();
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
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
  Connection& conn_;
  sqlite3_stmt* stmt_;
};

}  // namespace dipr::storage::sqlite
