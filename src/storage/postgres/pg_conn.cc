#include "storage/postgres/pg_conn.h"

#include <fmt/format.h>
#include <poll.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace dipr::storage::pg {
namespace {

void IgnoreNotice(void*, const char*) {}

// libpq's own messages end in a newline and may hold several lines; logs want one.
std::string OneLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& ch : s) {
    if (ch == '\n') ch = ' ';
  }
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string TextArray(std::span<const std::string> elements) {
  // Dimensions, whether any element is NULL, the element type; per dimension its length and
  // lower bound; then each element as its length and bytes. Integers are 4 bytes, big-endian.
  std::string out;
  auto put = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>(v >> shift & 0xff);
  };
  put(elements.empty() ? 0 : 1);
  put(0);
  put(kText);
  if (elements.empty()) return out;
  put(static_cast<uint32_t>(elements.size()));
  put(1);
  for (const std::string& e : elements) {
    put(static_cast<uint32_t>(e.size()));
    out += e;
  }
  return out;
}

Params& Params::Int(int64_t v) {
  auto& buf = ints_.emplace_back();
  uint64_t u = static_cast<uint64_t>(v);
  for (int i = 7; i >= 0; --i, u >>= 8) buf[i] = static_cast<char>(u & 0xff);
  values_.push_back(buf.data());
  lengths_.push_back(8);
  formats_.push_back(1);
  return *this;
}

Params& Params::Int16(int16_t v) {
  auto& buf = ints_.emplace_back();
  uint16_t u = static_cast<uint16_t>(v);
  buf[0] = static_cast<char>(u >> 8);
  buf[1] = static_cast<char>(u & 0xff);
  values_.push_back(buf.data());
  lengths_.push_back(2);
  formats_.push_back(1);
  return *this;
}

Params& Params::Bytes(std::string_view v) {
  // libpq treats a null pointer as SQL NULL, so an empty value still needs a non-null one.
  values_.push_back(v.data() ? v.data() : "");
  lengths_.push_back(static_cast<int>(v.size()));
  formats_.push_back(1);
  return *this;
}

Params& Params::Null() {
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(1);
  return *this;
}

int64_t Rows::Int(int row, int col) const {
  assert(PQgetlength(r_.get(), row, col) == 8);
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col));
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = u << 8 | p[i];
  return static_cast<int64_t>(u);
}

int16_t Rows::Int16(int row, int col) const {
  assert(PQgetlength(r_.get(), row, col) == 2);
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col));
  return static_cast<int16_t>(p[0] << 8 | p[1]);
}

uint64_t Rows::Affected() const {
  const char* n = r_ ? PQcmdTuples(r_.get()) : "";
  return *n ? std::strtoull(n, nullptr, 10) : 0;
}

Status ErrorStatus(PGconn* c, const PGresult* r, std::string_view what) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : nullptr;
  // One line for logs: the server's message and detail, or libpq's own (connection) message.
  std::string text;
  if (primary != nullptr) {
    text = primary;
    if (detail != nullptr) text += fmt::format(" ({})", detail);
  } else {
    text = OneLine(PQerrorMessage(c));
  }
  std::string sqlstate = state ? state : "";
  std::string msg = fmt::format("postgres: {}: {}{}", what, text,
                                sqlstate.empty() ? "" : " [SQLSTATE " + sqlstate + "]");
  if (PQstatus(c) == CONNECTION_BAD) return Unavailable(msg);
  if (sqlstate == "23505") return Conflict(msg);
  if (StartsWith(sqlstate, "08") ||   // connection exception
      StartsWith(sqlstate, "53") ||   // insufficient resources: too many connections, disk full
      StartsWith(sqlstate, "57P") ||  // shutting down, cannot connect now
      sqlstate == "40001" ||          // serialization failure
      sqlstate == "40P01" ||          // deadlock
      sqlstate == "25006") {          // read-only transaction: a standby, not the primary
    return Unavailable(msg);
  }
  if (sqlstate == "XX001" || sqlstate == "XX002") return DataLoss(msg);  // data/index corrupted
  return Internal(msg);
}

PGconn* ConnectWithDefaults(const std::string& conninfo) {
  // Defaults first; the conninfo (expanded from "dbname") overrides them. client_encoding comes
  // last so that text always travels as UTF-8, whatever the conninfo says.
  const char* const keys[] = {"connect_timeout",           "keepalives",
                              "keepalives_idle",           "keepalives_interval",
                              "keepalives_count",          "tcp_user_timeout",
                              "fallback_application_name", "dbname",
                              "client_encoding",           nullptr};
  const char* const values[] = {kDefaultConnectTimeout,
                                "1",
                                kDefaultKeepalivesIdle,
                                kDefaultKeepalivesInterval,
                                kDefaultKeepalivesCount,
                                kDefaultTcpUserTimeout,
                                "dipr",
                                conninfo.c_str(),
                                "UTF8",
                                nullptr};
  return PQconnectdbParams(keys, values, /*expand_dbname=*/1);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo,
                                                     std::span<const StatementDef> statements,
                                                     bool pipelined, const char* init_sql,
                                                     std::chrono::milliseconds answer_timeout) {
  PGconn* raw = ConnectWithDefaults(conninfo);
  if (raw == nullptr) return Unavailable("postgres: out of memory for a connection");
  std::unique_ptr<Connection> c(new Connection(raw));
  c->answer_timeout_ = answer_timeout;
  // Notices ("relation already exists, skipping") would go to stderr; nothing here needs them.
  PQsetNoticeProcessor(raw, IgnoreNotice, nullptr);
  if (PQstatus(raw) != CONNECTION_OK) {
    return Unavailable(fmt::format("postgres: cannot connect: {}", OneLine(PQerrorMessage(raw))));
  }
  if (init_sql != nullptr) RETURN_IF_ERROR(c->Exec(init_sql).status());
  RETURN_IF_ERROR(c->Prepare(statements));
  if (pipelined) {
    if (!PQenterPipelineMode(raw)) return ErrorStatus(raw, nullptr, "entering pipeline mode");
    c->pipelined_ = true;
  }
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return lost_ || PQstatus(conn_) == CONNECTION_BAD; }

Status Connection::Prepare(std::span<const StatementDef> statements) {
  if (statements.empty()) return Status::Ok();
  // All of them in one round trip.
  if (!PQenterPipelineMode(conn_)) return ErrorStatus(conn_, nullptr, "entering pipeline mode");
  pipelined_ = true;
  for (size_t i = 0; i < statements.size(); ++i) {
    const StatementDef& s = statements[i];
    std::string name = fmt::format("s{}", i);
    if (!PQsendPrepare(conn_, name.c_str(), s.sql, static_cast<int>(s.param_types.size()),
                       s.param_types.data())) {
      lost_ = true;
      return ErrorStatus(conn_, nullptr, "prepare");
    }
    pending_.push_back({static_cast<int>(i) + 1, false});
  }
  SyncError err;
  auto done = Sync(&err);
  if (!done.ok()) {
    return Status(err.status.code(), fmt::format("{} (preparing: {})", err.status.message(),
                                                 err.tag > 0 ? statements[err.tag - 1].sql : "?"));
  }
  if (!PQexitPipelineMode(conn_)) return ErrorStatus(conn_, nullptr, "leaving pipeline mode");
  pipelined_ = false;
  return Status::Ok();
}

Status Connection::AwaitResult() {
  if (answer_timeout_.count() <= 0) return Status::Ok();
  const auto deadline = std::chrono::steady_clock::now() + answer_timeout_;
  while (PQisBusy(conn_)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      lost_ = true;
      return Unavailable(fmt::format(
          "postgres: no answer from the server in {} ms; the connection is given up (a network "
          "partition, or a stalled server)",
          answer_timeout_.count()));
    }
    pollfd pfd{PQsocket(conn_), POLLIN, 0};
    int n = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
    if (n < 0 && errno != EINTR) {
      lost_ = true;
      return Unavailable(fmt::format("postgres: waiting for the server: {}", std::strerror(errno)));
    }
    if (n > 0 && !PQconsumeInput(conn_)) {
      lost_ = true;
      return ErrorStatus(conn_, nullptr, "reading");
    }
  }
  return Status::Ok();
}

Result<Rows> Connection::CollectResults(bool sent, const char* what) {
  if (!sent) {
    lost_ = true;  // what reached the server is unknown
    return ErrorStatus(conn_, nullptr, "send");
  }
  // As PQexec: the last result's rows, or the first failure (the server runs nothing after it).
  Rows last;
  Status first;
  while (true) {
    if (Status st = AwaitResult(); !st.ok()) return st;
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) break;
    Rows rows(r);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      if (first.ok()) first = ErrorStatus(conn_, r, what);
    } else {
      last = std::move(rows);
    }
    if (PQstatus(conn_) == CONNECTION_BAD) {
      if (first.ok()) first = ErrorStatus(conn_, nullptr, "reading results");
      break;
    }
  }
  if (!first.ok()) return first;
  return last;
}

Result<Rows> Connection::Exec(const std::string& sql) {
  assert(!pipelined_);
  return CollectResults(PQsendQuery(conn_, sql.c_str()) == 1, "exec");
}

Result<Rows> Connection::Query(int stmt, const Params& p) {
  assert(!pipelined_);
  char name[16];
  std::snprintf(name, sizeof(name), "s%d", stmt);
  return CollectResults(PQsendQueryPrepared(conn_, name, p.size(), p.values(), p.lengths(),
                                            p.formats(), /*resultFormat=*/1) == 1,
                        "query");
}

Result<Rows> Connection::QueryOnce(const std::string& sql, std::span<const Oid> types,
                                   const Params& p) {
  assert(!pipelined_);
  assert(types.size() == static_cast<size_t>(p.size()));
  return CollectResults(PQsendQueryParams(conn_, sql.c_str(), p.size(), types.data(), p.values(),
                                          p.lengths(), p.formats(), /*resultFormat=*/1) == 1,
                        "query");
}

void Connection::Queue(int stmt, const Params& p, int tag, bool keep) {
  assert(pipelined_);
  if (!send_error_.ok()) return;  // the server will never see it; Sync reports why
  char name[16];
  std::snprintf(name, sizeof(name), "s%d", stmt);
  if (!PQsendQueryPrepared(conn_, name, p.size(), p.values(), p.lengths(), p.formats(),
                           /*resultFormat=*/1)) {
    send_error_ = ErrorStatus(conn_, nullptr, "send");
    lost_ = true;  // what reached the server is unknown
    return;
  }
  pending_.push_back({tag, keep});
  for (int i = 0; i < p.size(); ++i) pending_bytes_ += p.lengths()[i];
}

Result<std::vector<Rows>> Connection::Sync(SyncError* error) {
  assert(pipelined_);
  std::vector<Pending> pending = std::move(pending_);
  pending_.clear();
  pending_bytes_ = 0;
  if (!send_error_.ok()) {
    *error = {std::exchange(send_error_, Status()), 0};
    return error->status;
  }
  if (!PQpipelineSync(conn_)) {
    lost_ = true;
    *error = {ErrorStatus(conn_, nullptr, "sync"), 0};
    return error->status;
  }
  // Each statement's results end with a null result; the Sync's own result ends the segment.
  std::vector<Rows> kept;
  Status first;
  int first_tag = 0;
  size_t item = 0;
  while (true) {
    if (Status waited = AwaitResult(); !waited.ok()) {
      if (first.ok()) first = waited;
      break;
    }
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {
      if (PQstatus(conn_) == CONNECTION_BAD || ++item > pending.size()) {
        lost_ = true;
        if (first.ok()) first = ErrorStatus(conn_, nullptr, "reading results");
        break;
      }
      continue;
    }
    Rows rows(r);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_PIPELINE_SYNC) break;
    if (item >= pending.size()) {  // more results than statements: the protocol state is unknown
      lost_ = true;
      if (first.ok()) first = Internal("postgres: unexpected result in pipeline");
      break;
    }
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      if (pending[item].keep) kept.push_back(std::move(rows));
    } else if (st != PGRES_PIPELINE_ABORTED && first.ok()) {
      first = ErrorStatus(conn_, r, "statement");
      first_tag = pending[item].tag;
    } else if (st == PGRES_PIPELINE_ABORTED && first.ok()) {
      first = Internal("postgres: pipeline aborted");  // an earlier failure went unreported
    }
    if (PQstatus(conn_) == CONNECTION_BAD) {
      lost_ = true;
      if (first.ok()) first = ErrorStatus(conn_, r, "reading results");
      break;
    }
  }
  if (!first.ok()) {
    *error = {first, first_tag};
    return first;
  }
  return kept;
}

}  // namespace dipr::storage::pg
