#include "storage/sqlite/sqlite_db.h"

#include <fmt/format.h>

namespace dipr::storage::sqlite {

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Unavailable(fmt::format("cannot open database {}: {}", path, msg));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 10000);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalized before the connection closes
  sqlite3_close(db_);
}

Status Connection::Error(std::string_view what) const {
  int rc = sqlite3_extended_errcode(db_);
  std::string msg = fmt::format("sqlite: {}: {}", what, sqlite3_errmsg(db_));
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return Conflict(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLoss(msg);
    default:
      return Internal(msg);
  }
}

Status Connection::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    return Error("exec");
  }
  return Status::Ok();
}

Result<Statement*> Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->Reset();
    active_.push_back(it->second.get());
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
      SQLITE_OK) {
    return Error("prepare");
  }
  auto [ins, _] = cache_.emplace(sql, std::make_unique<Statement>(*this, stmt));
  active_.push_back(ins->second.get());
  return ins->second.get();
}

void Connection::ResetActive() {
  for (Statement* s : active_) s->Reset();
  active_.clear();
}

Status Statement::BindError() const {
  if (bind_rc_ == SQLITE_OK) return Status::Ok();
  std::string msg =
      fmt::format("sqlite: bind of parameter {}: {}", bind_index_, sqlite3_errstr(bind_rc_));
  if ((bind_rc_ & 0xff) == SQLITE_TOOBIG) return InvalidArgument(msg);
  return Internal(msg);
}

Result<bool> Statement::Step() {
  RETURN_IF_ERROR(BindError());
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_.Error("step");
}

Status Statement::Run() {
  RETURN_IF_ERROR(BindError());
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
    sqlite3_reset(stmt_);
    return Status::Ok();
  }
  Status st = conn_.Error("step");
  sqlite3_reset(stmt_);
  return st;
}

}  // namespace dipr::storage::sqlite
