// Thin RAII wrappers over libpq that turn result codes into Status values: a lost connection or a
// failed statement becomes an error returned to the caller, never a crash or an exception.
//
// Everything here speaks the binary wire format: parameters and results are raw bytes (bytea,
// text) and big-endian integers, so a blob travels as itself instead of as hex text, both ways.
#pragma once

#include <libpq-fe.h>

#include <array>
#include <cassert>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace dipr::storage::pg {

// Type OIDs (catalog/pg_type_d.h is a server header; these values are fixed forever).
inline constexpr Oid kInt2 = 21;
inline constexpr Oid kInt8 = 20;
inline constexpr Oid kBytea = 17;
inline constexpr Oid kText = 25;
inline constexpr Oid kTextArray = 1009;  // text[]

// A one-dimensional text[] (kTextArray) in the binary wire format, for Params::Bytes.
std::string TextArray(std::span<const std::string> elements);

// A statement every connection prepares when it opens, under the name "s<index>".
struct StatementDef {
  const char* sql;
  std::vector<Oid> param_types;
};

// Statement parameters, every one in binary format (a multi-row insert has hundreds). Not
// thread-safe (a value on the stack); not copyable, since values_ points into its own storage.
class Params {
 public:
  Params() = default;
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;

  Params& Int(int64_t v);
  Params& Int16(int16_t v);
  // bytea or text: the bytes themselves. The view must outlive the call that sends the params.
  Params& Bytes(std::string_view v);
  // SQL NULL (of whatever type the statement gives the parameter).
  Params& Null();

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::deque<std::array<char, 8>> ints_;  // a deque: growing it never moves what values_ points at
};

// A statement's result rows, in binary format. Not thread-safe (a value type).
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* r) : r_(r) {}

  int size() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col); }
  // REQUIRES: the column is a bigint (or smallint for Int16).
  int64_t Int(int row, int col) const;
  int16_t Int16(int row, int col) const;
  // bytea or text.
  std::string Bytes(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col), PQgetlength(r_.get(), row, col));
  }
  // Rows an INSERT/UPDATE/DELETE touched.
  uint64_t Affected() const;
  // The command tag ("COMMIT", "ROLLBACK", "INSERT 0 1", ...).
  std::string_view Tag() const { return r_ ? PQcmdStatus(r_.get()) : ""; }

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> r_;
};

// The Status for a failed statement (r may be null) on connection c.
// 23505 (unique_violation) is Conflict; a lost connection, a server shutting down, too many
// connections, a full disk, a read-only standby, a deadlock or serialization failure are
// Unavailable (try again); corruption is DataLoss; the rest Internal.
Status ErrorStatus(PGconn* c, const PGresult* r, std::string_view what);

// TCP settings every connection gets unless the conninfo names them (libpq's own keywords, so an
// operator overrides one in the URI: postgres://host/db?keepalives_idle=30). A dead peer is
// noticed in seconds: an idle connection is probed after 5 s and given up after 3 unanswered
// probes 2 s apart; data sent but not acknowledged for 10 s drops the connection (without these,
// the kernel's defaults keep a connection to a vanished server for 2 hours idle, 15 minutes busy).
inline constexpr const char* kDefaultConnectTimeout = "10";  // seconds, for each connection attempt
inline constexpr const char* kDefaultKeepalivesIdle = "5";
inline constexpr const char* kDefaultKeepalivesInterval = "2";
inline constexpr const char* kDefaultKeepalivesCount = "3";
inline constexpr const char* kDefaultTcpUserTimeout = "10000";  // milliseconds

// PQconnectdbParams with the defaults above (the conninfo overrides them) and UTF-8 text. The
// caller owns the result (PQfinish), whatever its status; null only when out of memory.
PGconn* ConnectWithDefaults(const std::string& conninfo);

// One server connection and its prepared statements. Not thread-safe: one user at a time.
//
// Two ways to use it, never mixed on one connection:
//  - synchronous (Exec, Query): one round trip per statement; for readers and migrations;
//  - pipelined (Queue, Sync): statements are sent without waiting for their results, which are
//    all read back at the next Sync; for the writer, whose inserts then cost no round trip each.
class Connection {
 public:
  // Connects, runs init_sql (session settings; may be null) and prepares `statements` (one round
  // trip for all of them); pipelined selects the mode. The statements' tables must exist.
  //
  // answer_timeout (zero: none) bounds how long any call waits for the server's next answer:
  // past it the connection is given up (broken()) and the call is Unavailable. The kernel's TCP
  // timeouts notice a dead link, not a server that keeps the link up and never answers (or a
  // partition whose packets a middlebox still acknowledges), and a blocked call holds the
  // sequencer's thread; so the lease and the writer never wait longer than this. It must exceed
  // the longest statement the session may run (its statement_timeout).
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo,
                                                  std::span<const StatementDef> statements,
                                                  bool pipelined, const char* init_sql,
                                                  std::chrono::milliseconds answer_timeout = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // True when the connection is gone (or its protocol state is unknown); it is then useless and
  // must be replaced by a new one.
  bool broken() const;
  // PQTRANS_IDLE when no transaction is open on the server side.
  PGTransactionStatusType TransactionStatus() const { return PQtransactionStatus(conn_); }

  // --- synchronous ---
  // Runs SQL (possibly several statements) with the simple protocol; the last result's rows.
  Result<Rows> Exec(const std::string& sql);
  // Runs prepared statement `stmt` with binary parameters and results.
  Result<Rows> Query(int stmt, const Params& params);
  // Runs `sql` (one statement, not prepared) with binary parameters of the given types and
  // binary results. The server plans it for these very values: for queries whose best plan
  // depends on them, or whose text is put together per call.
  Result<Rows> QueryOnce(const std::string& sql, std::span<const Oid> types, const Params& params);

  // --- pipelined ---
  // Sends prepared statement `stmt` without waiting. Its outcome is reported by the next Sync
  // (tag names it in a failure); with keep, Sync also returns its rows.
  void Queue(int stmt, const Params& params, int tag = 0, bool keep = false);
  size_t queued() const { return pending_.size(); }
  size_t queued_bytes() const { return pending_bytes_; }

  struct SyncError {
    Status status;
    int tag = 0;  // the tag of the statement that failed (0 when not a statement's own failure)
  };
  // Ends the pipeline segment and reads every queued statement's outcome. On success, the kept
  // rows in queue order. On failure, the first error and the tag of the statement that caused it;
  // every statement after it was skipped by the server. Inside a transaction block, a failed
  // statement leaves the transaction aborted (until ROLLBACK or ROLLBACK TO SAVEPOINT).
  Result<std::vector<Rows>> Sync(SyncError* error);

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Status Prepare(std::span<const StatementDef> statements);
  // Waits (up to answer_timeout_) until PQgetResult would not block. A timeout or a read error
  // marks the connection lost.
  Status AwaitResult();
  // The results of what was just sent with the synchronous protocol: the last one's rows, or
  // the first failure (what names the call in its message).
  Result<Rows> CollectResults(bool sent, const char* what);

  struct Pending {
    int tag;
    bool keep;
  };
  PGconn* conn_;
  std::chrono::milliseconds answer_timeout_{0};
  bool pipelined_ = false;
  bool lost_ = false;  // a send failed or the protocol got confused: never reuse
  Status send_error_;  // the first failed send since the last Sync
  std::vector<Pending> pending_;
  size_t pending_bytes_ = 0;
};

}  // namespace dipr::storage::pg
