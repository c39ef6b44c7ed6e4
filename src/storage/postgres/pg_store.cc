#include "storage/postgres/pg_store.h"

#include <poll.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/hex.h"
#include "common/mutex.h"
#include "common/utf8.h"
#include "storage/grams.h"
#include "storage/migration_sql.h"
#include "storage/parties.h"
#include "storage/postgres/pg_conn.h"

namespace dipr::storage {
namespace {

using pg::Connection;
using pg::kBytea;
using pg::kInt2;
using pg::kInt8;
using pg::kText;
using pg::kTextArray;
using pg::Params;
using pg::Rows;
using pg::StatementDef;

Status BackfillListingTerms(Connection& c);

// Schema migrations: the SQL of each is postgres/migrations/NNNN_name.sql (migration_sql.h), in
// order; schema_migrations records which have run. The tables mirror the SQLite store's (integers
// are bigint, blobs bytea, times bigint microseconds since the epoch); fixed-width columns come
// first so rows carry no alignment padding. Notes on some of them; 5 then fills what the SQL
// created from what is there already, which takes code SQL lacks (BackfillOf), before its
// .then.sql runs (all in one transaction):
//   3   the register. Columns that are ordered by compare as bytes (COLLATE "C"), as in SQLite,
//       whatever the database's collation. Substring search: trigram indexes (pg_trgm, a trusted
//       extension the database owner may create) over the ASCII-lower-cased text, which the
//       search's LIKE compares with; pg_trgm only indexes CJK characters when the database's
//       LC_CTYPE is a UTF-8 locale (docs/DEPLOY.md), but finds the same rows either way.
//   5   the term index (storage/grams.h), filled for the listings already there before the GIN
//       index is built over them (at once, which is faster than entry by entry).
//   6   lists in the order listings were put (rid), the status out of the term index, and the
//       counts of listings by status and industry (docs/FORMATS.md §8, "Search"). The listings
//       already there are numbered in the order lists had (oldest first).
//   9   followers (issue 11; log/follower.h).
Status (*BackfillOf(int migration))(Connection&) {
  return migration == 5 ? BackfillListingTerms : nullptr;
}

// A search by terms alone walks the list for pages before this offset when its term has more
// matches than it counts (docs/FORMATS.md §8, "Search").
constexpr size_t kWalkedOffset = 100;

// Serializes migrations across every process that opens the same database (advisory locks are
// per database). The value is arbitrary; it only has to be one nothing else uses.
constexpr int64_t kMigrationLockKey = 0x6469707200000001;  // "dipr" 1

// --- reader statements (the index is the statement's number on a read connection) ---
enum ReadStmt {
  kLatestHead,
  kReadEntries,
  kEntryCount,
  kReadTile,
  kAccountByToken,
  kAccountById,
  kDepositOf,
  kDepositsByDigest,
  kCredentialsOf,
  kListAccounts,
  kRecordById,
  kRecordByNumber,
  kRecordsByOwner,
  kRecordsByParent,
  kRecordsByStatus,
  kRecordsDue,
  kMaxNumberBelow,
  kMaxNumberFrom,
  kSidecarOf,
  kCountByStatus,
  // --- followers (issue 11) ---
  kFollowerCursor,
  kCountersBelow,
  kCountersFrom,
  // --- parties (issue 11) ---
  kRecordsByParty,
};
// The columns ReadRecord reads, in its order, of a query FROM records: the record's parties come
// with it (storage/parties.h), an index lookup in the same statement.
#define DIPR_RECORD_COLUMNS                                                                   \
  "records.kind, records.id, records.owner, records.parent, records.status, records.number, " \
  "records.due, records.doc, records.version, "                                               \
  "(SELECT string_agg(rp.role || chr(31) || rp.party, chr(30)) FROM record_parties rp "       \
  "WHERE rp.kind = records.kind AND rp.record_id = records.id)"
// The columns ReadAccount reads, in its order.
#define DIPR_ACCOUNT_COLUMNS "a.id, a.name, a.role, a.created, a.log_index, a.disabled::int4::int8"
const StatementDef kReadStatements[] = {
    {"SELECT size, root, checkpoint FROM tree_heads ORDER BY size DESC LIMIT 1", {}},
    {"SELECT idx, data FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx", {kInt8, kInt8}},
    {"SELECT COALESCE(MAX(idx) + 1, 0) FROM entries", {}},
    {"SELECT data FROM tiles WHERE level = $1 AND idx = $2", {kInt2, kInt8}},
    {"SELECT " DIPR_ACCOUNT_COLUMNS ", c.expires FROM credentials c "
     "JOIN accounts a ON a.id = c.account_id WHERE c.token_hash = $1",
     {kBytea}},
    {"SELECT " DIPR_ACCOUNT_COLUMNS " FROM accounts a WHERE a.id = $1", {kText}},
    {"SELECT idx, depositor, digest, size, title, time FROM deposits "
     "WHERE depositor = $1 AND digest = $2",
     {kText, kBytea}},
    {"SELECT idx, depositor, digest, size, title, time FROM deposits "
     "WHERE digest = $1 ORDER BY idx LIMIT $2",
     {kBytea, kInt8}},
    {"SELECT token_hash, expires FROM credentials WHERE account_id = $1 ORDER BY token_hash",
     {kText}},
    {"SELECT " DIPR_ACCOUNT_COLUMNS " FROM accounts a WHERE $1 = '' OR a.role = $1 "
     "ORDER BY a.log_index LIMIT $2 OFFSET $3",
     {kText, kInt8, kInt8}},
    {"SELECT " DIPR_RECORD_COLUMNS " FROM records "
     "WHERE kind = $1 AND id = $2",
     {kText, kText}},
    // "number <> ''" lets the planner use the partial index records_by_number.
    {"SELECT " DIPR_RECORD_COLUMNS " FROM records "
     "WHERE number = $1 AND number <> '' ORDER BY kind, id LIMIT 1",
     {kText}},
    {"SELECT " DIPR_RECORD_COLUMNS " FROM records "
     "WHERE kind = $1 AND owner = $2 ORDER BY version DESC, id LIMIT $3 OFFSET $4",
     {kText, kText, kInt8, kInt8}},
    {"SELECT " DIPR_RECORD_COLUMNS " FROM records "
     "WHERE kind = $1 AND parent = $2 ORDER BY id",
     {kText, kText}},
    {"SELECT " DIPR_RECORD_COLUMNS " FROM records "
     "WHERE kind = $1 AND status = $2 ORDER BY version, id LIMIT $3 OFFSET $4",
     {kText, kText, kInt8, kInt8}},
    {"SELECT " DIPR_RECORD_COLUMNS " FROM records "
     "WHERE due IS NOT NULL AND due <= $1 ORDER BY due, kind, id LIMIT $2",
     {kInt8, kInt8}},
    {"SELECT max(number) FROM numbers WHERE number >= $1 AND number < $2", {kText, kText}},
    {"SELECT max(number) FROM numbers WHERE number >= $1", {kText}},
    {"SELECT data FROM sidecars WHERE idx = $1", {kInt8}},
    {"SELECT status, count(*) FROM records WHERE kind = $1 GROUP BY status "
     "ORDER BY status COLLATE \"C\"",
     {kText}},
    // --- followers (issue 11) ---
    {"SELECT position FROM follower_cursors WHERE name = $1", {kText}},
    {"SELECT key, value FROM counters WHERE key >= $1 AND key < $2 ORDER BY key", {kText, kText}},
    {"SELECT key, value FROM counters WHERE key >= $1 ORDER BY key", {kText}},
    // --- parties (issue 11) ---
    {"SELECT " DIPR_RECORD_COLUMNS " FROM record_parties p JOIN records ON records.kind = p.kind "
     "AND records.id = p.record_id WHERE p.kind = $1 AND p.role = $2 AND p.party = $3 "
     "ORDER BY records.version DESC, records.id LIMIT $4 OFFSET $5",
     {kText, kText, kText, kInt8, kInt8}},
};

// Rows per multi-row insert: one statement for 64 entries (or deposits) costs the server far less
// than 64 statements, which is what bounds a batch's time on PostgreSQL.
constexpr size_t kRowsPerInsert = 64;

std::string MultiRowSql(const char* head, int cols, const char* tail) {
  std::string sql = head;
  int n = 1;
  for (size_t r = 0; r < kRowsPerInsert; ++r) {
    sql += r ? ",(" : "(";
    for (int c = 0; c < cols; ++c) sql += (c ? ",$" : "$") + std::to_string(n++);
    sql += ")";
  }
  return sql + tail;
}

std::vector<Oid> Repeated(const std::vector<Oid>& cols) {
  std::vector<Oid> out;
  for (size_t r = 0; r < kRowsPerInsert; ++r) out.insert(out.end(), cols.begin(), cols.end());
  return out;
}

const std::string kEntriesSql = MultiRowSql("INSERT INTO entries(idx, data) VALUES ", 2, "");
const std::string kDepositsSql =
    MultiRowSql("INSERT INTO deposits(idx, depositor, digest, size, title, time) VALUES ", 6,
                " ON CONFLICT DO NOTHING");

// --- writer statements ---
enum WriteStmt {
  kBegin,
  kCommit,
  kRollback,
  kSavepoint,
  kRelease,
  kRollbackToSavepoint,
  kWriterLock,
  kNextIndex,
  kInsertEntry,
  kPutTile,
  kPutHead,
  kInsertAccount,
  kInsertCredential,
  kInsertDeposit,
  kPendingTake,
  kPendingDelete,
  kPendingResult,
  kNotify,
  kCountDeposits,
  kInsertEntries,   // kRowsPerInsert rows
  kInsertDeposits,  // kRowsPerInsert rows
  kGetRecord,
  kPutRecord,
  kPutListing,
  kPutListingTerms,
  kRemoveListing,
  kRemoveListingTerms,
  kClaimNumber,
  kNumberClaimed,
  kPutSidecar,
  kSetDisabled,
  kAddCredential,
  kRevokeOthers,
  kLimitOthers,
  // --- tree heads gaining signatures (issue 11) ---
  kHeadNote,
  kSetHeadNote,
  // --- parties (issue 11) ---
  kPutParties,
  // --- event families (issue 11): an apply function reads an account in the transaction ---
  kGetAccount,
};
const StatementDef kWriteStatements[] = {
    {"BEGIN", {}},
    {"COMMIT", {}},
    {"ROLLBACK", {}},
    {"SAVEPOINT projection", {}},
    {"RELEASE SAVEPOINT projection", {}},
    {"ROLLBACK TO SAVEPOINT projection", {}},
    // Write transactions of every node on this database take turns: each sees the log as the
    // previous one committed it (see kWriterLockKey).
    {"SELECT pg_advisory_xact_lock(7235446617810110566)", {}},
    {"SELECT COALESCE(MAX(idx) + 1, 0) FROM entries", {}},
    {"INSERT INTO entries(idx, data) VALUES($1, $2)", {kInt8, kBytea}},
    {"INSERT INTO tiles(level, idx, data) VALUES($1, $2, $3) "
     "ON CONFLICT (level, idx) DO UPDATE SET data = EXCLUDED.data",
     {kInt2, kInt8, kBytea}},
    {"INSERT INTO tree_heads(size, root, checkpoint) VALUES($1, $2, $3)", {kInt8, kBytea, kText}},
    {"INSERT INTO accounts(id, name, role, created, log_index) VALUES($1, $2, $3, $4, $5)",
     {kText, kText, kText, kInt8, kInt8}},
    {"INSERT INTO credentials(token_hash, account_id) VALUES($1, $2)", {kBytea, kText}},
    // DO NOTHING turns a taken key into "0 rows" instead of an error, which would abort the
    // whole transaction; the caller reports it as Conflict and the transaction goes on.
    {"INSERT INTO deposits(idx, depositor, digest, size, title, time) "
     "VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
     {kInt8, kText, kBytea, kInt8, kText, kInt8}},
    {"SELECT id, entry, sidecar FROM pending ORDER BY id LIMIT $1", {kInt8}},
    {"DELETE FROM pending WHERE id = $1", {kInt8}},
    {"INSERT INTO pending_results(id, idx, code, message) VALUES($1, $2, $3, $4)",
     {kInt8, kInt8, kInt8, kText}},
    // NOTIFY inside a transaction is delivered when (and only if) it commits.
    {"SELECT pg_notify('dipr', $1)", {kText}},
    {"SELECT count(*) FROM deposits WHERE idx BETWEEN $1 AND $2", {kInt8, kInt8}},
    {kEntriesSql.c_str(), Repeated({kInt8, kBytea})},
    {kDepositsSql.c_str(), Repeated({kInt8, kText, kBytea, kInt8, kText, kInt8})},
    {"SELECT " DIPR_RECORD_COLUMNS " FROM records "
     "WHERE kind = $1 AND id = $2",
     {kText, kText}},
    {"INSERT INTO records(kind, id, owner, parent, status, number, due, doc, version) "
     "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (kind, id) DO UPDATE SET "
     "owner = EXCLUDED.owner, parent = EXCLUDED.parent, status = EXCLUDED.status, "
     "number = EXCLUDED.number, due = EXCLUDED.due, doc = EXCLUDED.doc, "
     "version = EXCLUDED.version",
     {kText, kText, kText, kText, kText, kText, kInt8, kText, kInt8}},
    // The row keeps its rid (its place in lists) when it is there already.
    {"INSERT INTO listings(application_id, number, status, industry, holders, text, item) "
     "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (application_id) DO UPDATE SET "
     "number = EXCLUDED.number, status = EXCLUDED.status, industry = EXCLUDED.industry, "
     "holders = EXCLUDED.holders, text = EXCLUDED.text, item = EXCLUDED.item",
     {kText, kText, kText, kText, kText, kText, kText}},
    // Rewritten only when they changed: a new row version would put every term in the index
    // again.
    // The rid and status as the listing (just put) has them; a status change reaches a row that
    // is there already through the trigger listings_terms_status.
    {"INSERT INTO listings_terms(application_id, rid, status, terms) "
     "SELECT application_id, rid, status, $2 FROM listings WHERE application_id = $1 "
     "ON CONFLICT (application_id) DO UPDATE SET terms = EXCLUDED.terms "
     "WHERE listings_terms.terms IS DISTINCT FROM EXCLUDED.terms",
     {kText, kTextArray}},
    {"DELETE FROM listings WHERE application_id = $1", {kText}},
    {"DELETE FROM listings_terms WHERE application_id = $1", {kText}},
    // As for deposits: a taken number is "0 rows", and the transaction goes on.
    {"INSERT INTO numbers(number, record_id) VALUES($1, $2) ON CONFLICT DO NOTHING",
     {kText, kText}},
    {"SELECT 1 FROM numbers WHERE number = $1", {kText}},
    {"INSERT INTO sidecars(idx, data) VALUES($1, $2) "
     "ON CONFLICT (idx) DO UPDATE SET data = EXCLUDED.data",
     {kInt8, kBytea}},
    {"UPDATE accounts SET disabled = ($1 <> 0) WHERE id = $2", {kInt8, kText}},
    {"INSERT INTO credentials(token_hash, account_id, expires) VALUES($1, $2, $3) "
     "ON CONFLICT DO NOTHING",
     {kBytea, kText, kInt8}},
    {"DELETE FROM credentials WHERE account_id = $1 AND token_hash <> $2", {kText, kBytea}},
    {"UPDATE credentials SET expires = LEAST(COALESCE(expires, $3), $3) "
     "WHERE account_id = $1 AND token_hash <> $2",
     {kText, kBytea, kInt8}},
    // --- tree heads gaining signatures (issue 11) ---
    {"SELECT checkpoint FROM tree_heads WHERE size = $1", {kInt8}},
    {"UPDATE tree_heads SET checkpoint = $1 WHERE size = $2", {kText, kInt8}},
    // --- parties (issue 11) ---
    // Replaces a record's parties ($3 their roles, $4 their ids) in one statement, so that the
    // pipelined writer need not wait: rows no longer among them go, new ones come, and those that
    // stay are not written at all.
    {"WITH new AS (SELECT * FROM unnest($3::text[], $4::text[]) AS n(role, party)), "
     "gone AS (DELETE FROM record_parties o WHERE o.kind = $1 AND o.record_id = $2 AND NOT "
     "EXISTS (SELECT 1 FROM new WHERE new.role = o.role AND new.party = o.party)) "
     "INSERT INTO record_parties(kind, record_id, role, party) SELECT $1, $2, role, party "
     "FROM new ON CONFLICT DO NOTHING",
     {kText, kText, kTextArray, kTextArray}},
    // --- event families (issue 11) ---
    {"SELECT " DIPR_ACCOUNT_COLUMNS " FROM accounts a WHERE a.id = $1", {kText}},
};

// --- followers (issue 11): their transactions, on a connection of their own ---
enum FollowerStmt {
  kFollowerBegin,
  kFollowerCommit,
  kFollowerRollback,
  kCursorRow,
  kCursorLock,
  kCursorAdvance,
  kCounterGet,
  kCounterAdd,
  kCounterSet,
};
const StatementDef kFollowerStatements[] = {
    {"BEGIN", {}},
    {"COMMIT", {}},
    {"ROLLBACK", {}},
    // The row first, so that there is one to lock even for a follower's first run.
    {"INSERT INTO follower_cursors(name, position) VALUES($1, 0) ON CONFLICT DO NOTHING", {kText}},
    // Locked until the transaction ends: a second runner of the follower waits here, then reads
    // the cursor the first one committed.
    {"SELECT position FROM follower_cursors WHERE name = $1 FOR UPDATE", {kText}},
    {"UPDATE follower_cursors SET position = $3 WHERE name = $1 AND position = $2",
     {kText, kInt8, kInt8}},
    {"SELECT value FROM counters WHERE key = $1", {kText}},
    {"INSERT INTO counters(key, value) VALUES($1, $2) "
     "ON CONFLICT (key) DO UPDATE SET value = counters.value + EXCLUDED.value",
     {kText, kInt8}},
    {"INSERT INTO counters(key, value) VALUES($1, $2) "
     "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
     {kText, kInt8}},
};

// --- the queue's other end (any node): a small connection of its own ---
enum QueueStmt { kEnqueue, kTakeResult, kQueueNotify, kSweepResults, kNewestResult };
const StatementDef kQueueStatements[] = {
    {"INSERT INTO pending(entry, sidecar) VALUES($1, $2) RETURNING id", {kBytea, kBytea}},
    {"DELETE FROM pending_results WHERE id = $1 RETURNING idx, code, message", {kInt8}},
    {"SELECT pg_notify('dipr', $1)", {kText}},
    {"DELETE FROM pending_results WHERE id <= $1", {kInt8}},
    {"SELECT COALESCE(MAX(id), 0) FROM pending_results", {}},
};

// The sequencing lease: a session-level advisory lock, released by the server when the session
// that holds it ends (a node killed with -9 included).
constexpr int64_t kLeaseKey = 0x6469707200000002;  // "dipr" 2

// How long Subscribe keeps trying to LISTEN (a server restarting at that moment) before it fails.
constexpr std::chrono::seconds kSubscribeTimeout{10};

// LISTEN on a connection of its own, on a thread of its own: one notification per signal.
class Listener {
 public:
  Listener(std::string conninfo, std::function<void(std::string_view)> on_signal)
      : conninfo_(std::move(conninfo)), on_signal_(std::move(on_signal)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Listener() {
    stop_ = true;
    thread_.join();
  }

  // Waits until the first LISTEN is active (a signal sent from then on is delivered), retrying
  // a connection that fails until `deadline`; then Unavailable with the last failure.
  Status WaitUntilListening(std::chrono::steady_clock::time_point deadline) {
    MutexLock lock(mu_);
    while (!listening_) {
      if (!cv_.WaitUntil(mu_, deadline) && !listening_) {
        return Unavailable("postgres: cannot LISTEN for signals: " + error_);
      }
    }
    return Status::Ok();
  }

 private:
  void Run() {
    pthread_setname_np(pthread_self(), "dipr-listen");
    bool first = true;
    while (!stop_) {
      PGconn* c = pg::ConnectWithDefaults(conninfo_);
      if (PQstatus(c) != CONNECTION_OK) {
        Failed(PQerrorMessage(c));
        PQfinish(c);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      PGresult* r = PQexec(c, "LISTEN dipr");
      bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (!ok) Failed(PQerrorMessage(c));
      if (ok && first) {
        // The server has run the LISTEN: from now on every signal reaches this session.
        MutexLock g(mu_);
        listening_ = true;
        cv_.SignalAll();
      }
      if (ok && !first) on_signal_("resync");  // signals sent while we were away are lost
      if (ok) first = false;
      while (ok && !stop_) {
        pollfd pfd{PQsocket(c), POLLIN, 0};
        int n = ::poll(&pfd, 1, 200);
        if (n < 0 && errno != EINTR) break;
        if (n > 0 && !PQconsumeInput(c)) break;
        while (PGnotify* note = PQnotifies(c)) {
          on_signal_(note->extra);
          PQfreemem(note);
        }
        if (PQstatus(c) != CONNECTION_OK) break;
      }
      PQfinish(c);
    }
  }
  void Failed(const char* message) {
    MutexLock g(mu_);
    error_ = message;
  }

  std::string conninfo_;
  std::function<void(std::string_view)> on_signal_;
  std::atomic<bool> stop_{false};
  Mutex mu_;
  CondVar cv_;
  bool listening_ DIPR_GUARDED_BY(mu_) = false;  // the first LISTEN is active
  std::string error_ DIPR_GUARDED_BY(mu_);       // why the last attempt failed
  std::thread thread_;
};

// Session settings. The writer insists on synchronous_commit, whatever the server, database or
// role default, because Commit() promises durability. Readers are read-only by construction.
// Every session asks the server for the same quick TCP keepalives the client uses (ignored on a
// unix socket), so the server also notices a vanished node in seconds; the timeouts are
// PostgresStoreOptions'.
std::string ServerKeepalives() {
  return fmt::format(
      "SET tcp_keepalives_idle = {}; SET tcp_keepalives_interval = {}; "
      "SET tcp_keepalives_count = {}; SET tcp_user_timeout = {};",
      pg::kDefaultKeepalivesIdle, pg::kDefaultKeepalivesInterval, pg::kDefaultKeepalivesCount,
      pg::kDefaultTcpUserTimeout);
}
// " SET name = ms;", or nothing for zero (the server's or role's setting then applies).
std::string SetMillis(const char* name, std::chrono::milliseconds v) {
  return v.count() > 0 ? fmt::format(" SET {} = {};", name, v.count()) : std::string();
}
std::string StatementTimeout(const PostgresStoreOptions& o) {
  return SetMillis("statement_timeout", o.statement_timeout);
}
std::string WriterInit(const PostgresStoreOptions& o) {
  return ServerKeepalives() + " SET synchronous_commit = on;" + StatementTimeout(o) +
         SetMillis("idle_in_transaction_session_timeout", o.lease_timeout);
}
std::string ReaderInit(const PostgresStoreOptions& o) {
  return ServerKeepalives() + " SET default_transaction_read_only = on;" + StatementTimeout(o);
}
// A follower's commit need not wait for the disk: a server crash loses its last transactions
// whole (writes and cursor together), and the follower then applies those entries again.
std::string FollowerInit(const PostgresStoreOptions& o) {
  return ServerKeepalives() + " SET synchronous_commit = off;" + StatementTimeout(o) +
         SetMillis("idle_in_transaction_session_timeout", o.lease_timeout);
}
// The lease's session checks in every second; one silent for lease_timeout is ended by the
// server, which frees the lease (a session-level advisory lock) for another node.
std::string LeaseInit(const PostgresStoreOptions& o) {
  return ServerKeepalives() + SetMillis("idle_session_timeout", o.lease_timeout);
}
// How long a call waits for the server's answer (Connection::Open): a statement the server
// cancels at statement_timeout has its answer back well within 5 s more.
std::chrono::milliseconds AnswerTimeout(const PostgresStoreOptions& o) {
  if (o.statement_timeout.count() <= 0) return {};
  return o.statement_timeout + std::chrono::seconds(5);
}

// Pipelined statements whose results have not been read are bounded, so that neither side's
// buffers can fill up while the other waits (the server's replies are small; this keeps them
// far below any socket buffer) and a failure is noticed within a bounded amount of work.
constexpr size_t kMaxQueued = 1024;
constexpr size_t kMaxQueuedBytes = size_t{8} << 20;

Time FromMicros(int64_t us) { return Time(Micros(us)); }
int64_t ToMicros(Time t) { return t.time_since_epoch().count(); }

Account ReadAccount(const Rows& r, int row) {
  return Account{r.Bytes(row, 0),
                 r.Bytes(row, 1),
                 r.Bytes(row, 2),
                 FromMicros(r.Int(row, 3)),
                 static_cast<uint64_t>(r.Int(row, 4)),
                 r.Int(row, 5) != 0};
}

std::optional<Time> OptionalTime(const Rows& r, int row, int col) {
  if (r.IsNull(row, col)) return std::nullopt;
  return FromMicros(r.Int(row, col));
}

// A row of "SELECT " DIPR_RECORD_COLUMNS.
Record ReadRecord(const Rows& r, int row) {
  Record out{r.Bytes(row, 0),
             r.Bytes(row, 1),
             r.Bytes(row, 2),
             r.Bytes(row, 3),
             r.Bytes(row, 4),
             r.Bytes(row, 5),
             std::nullopt,
             r.Bytes(row, 7),
             static_cast<uint64_t>(r.Int(row, 8)),
             DecodeParties(r.Bytes(row, 9))};
  if (!r.IsNull(row, 6)) out.due = FromMicros(r.Int(row, 6));
  return out;
}

// bigint parameters are signed.
int64_t Clamp(size_t n) {
  return n > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(n);
}

// A LIKE pattern (PostgreSQL's default escape, backslash) matching any text that contains s
// with ASCII letters in lower case: what lower(column COLLATE "C") is compared with, since
// lower() under the C collation changes ASCII letters only.
std::string LowerContainsPattern(std::string_view s) {
  std::string p = "%";
  for (char ch : s) {
    if (ch == '%' || ch == '_' || ch == '\\') p += '\\';
    p += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
  }
  return p + "%";
}

// The least string greater than every string that starts with prefix, in byte order, which for
// UTF-8 is code point order; nullopt when there is none. REQUIRES: IsValidUtf8(prefix). The
// result is valid UTF-8 too (the server accepts no other text): the last code point goes up by
// one (skipping the surrogates), or is dropped when it is U+10FFFF.
std::optional<std::string> PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    size_t start = end.size() - 1;
    while (start > 0 && (static_cast<uint8_t>(end[start]) & 0xC0) == 0x80) --start;
    auto lead = static_cast<uint8_t>(end[start]);
    int extra = lead < 0x80 ? 0 : lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : 3;
    uint32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
    for (size_t i = start + 1; i < end.size(); ++i) cp = cp << 6 | (end[i] & 0x3F);
    end.resize(start);
    if (cp == 0x10FFFF) continue;
    cp = cp + 1 == 0xD800 ? 0xE000 : cp + 1;
    if (cp < 0x80) {
      end += static_cast<char>(cp);
    } else if (cp < 0x800) {
      end += static_cast<char>(0xC0 | cp >> 6);
      end += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      end += static_cast<char>(0xE0 | cp >> 12);
      end += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      end += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      end += static_cast<char>(0xF0 | cp >> 18);
      end += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
      end += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      end += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return end;
  }
  return std::nullopt;
}

DepositRecord ReadDeposit(const Rows& r, int row) {
  std::string digest = r.Bytes(row, 2);
  return DepositRecord{
      static_cast<uint64_t>(r.Int(row, 0)), r.Bytes(row, 1), HexEncode(AsBytes(digest)),
      static_cast<uint64_t>(r.Int(row, 3)), r.Bytes(row, 4), FromMicros(r.Int(row, 5))};
}

// Puts the terms of every listing there is into listings_terms, a batch of listings per statement.
Status BackfillListingTerms(Connection& c) {
  constexpr int64_t kBatch = 500;
  std::string after;
  while (true) {
    Params p;
    p.Bytes(after).Int(kBatch);
    const Oid read_types[] = {kText, kInt8};
    ASSIGN_OR_RETURN(Rows r, c.QueryOnce("SELECT application_id, text, holders, status, industry "
                                         "FROM listings WHERE application_id > $1 "
                                         "ORDER BY application_id LIMIT $2",
                                         read_types, p));
    if (r.size() == 0) return Status::Ok();
    std::vector<std::string> ids(r.size()), terms(r.size());  // Params holds views of these
    std::string sql = "INSERT INTO listings_terms(application_id, terms) VALUES ";
    std::vector<Oid> types;
    Params rows;
    for (int i = 0; i < r.size(); ++i) {
      Listing l;
      l.text = r.Bytes(i, 1);
      l.holders = r.Bytes(i, 2);
      l.status = r.Bytes(i, 3);
      l.industry = r.Bytes(i, 4);
      ids[i] = r.Bytes(i, 0);
      terms[i] = pg::TextArray(ListingTerms(l));
      rows.Bytes(ids[i]).Bytes(terms[i]);
      types.push_back(kText);
      types.push_back(kTextArray);
      sql += fmt::format("{}(${}, ${})", i ? ", " : "", 2 * i + 1, 2 * i + 2);
    }
    RETURN_IF_ERROR(c.QueryOnce(sql, types, rows).status());
    if (r.size() < kBatch) return Status::Ok();
    after = ids.back();
  }
}

// A statement put together for one search: its text, and its parameters with their types.
class SearchSql {
 public:
  std::string text;

  // Adds a parameter; returns its placeholder.
  std::string Param(std::string value, Oid type = kText) {
    values_.push_back(std::move(value));
    params_.Bytes(values_.back());
    types_.push_back(type);
    return "$" + std::to_string(types_.size());
  }
  std::string Param(int64_t value) {
    params_.Int(value);
    types_.push_back(kInt8);
    return "$" + std::to_string(types_.size());
  }
  Result<Rows> Run(Connection& c) const { return c.QueryOnce(text, types_, params_); }

 private:
  std::deque<std::string> values_;  // a deque: Params holds views of these
  std::vector<Oid> types_;
  Params params_;
};

// A failure that aborted the server-side transaction. Conflict means "this call did nothing and
// the transaction goes on", which is no longer true, so it becomes Internal.
Status Aborted(const Status& st) {
  Code code = st.code() == Code::kConflict ? Code::kInternal : st.code();
  return Status(code, "transaction aborted: " + st.message());
}

// Tags identifying which statement of a Sync failed.
enum Tag { kTagNone = 0, kTagAccountRow, kTagCredentialRow };

// Not thread-safe: the one writer's, used by one thread at a time.
class PgWriteTx final : public WriteTx {
 public:
  PgWriteTx(Connection& conn, std::unique_lock<std::mutex> lock, uint64_t next_index,
            bool pipelined)
      : conn_(conn), lock_(std::move(lock)), next_index_(next_index), pipelined_(pipelined) {}

  ~PgWriteTx() override {
    if (!done_) Rollback();
  }

  uint64_t EntryCount() const override { return next_index_; }

  Status AppendEntry(uint64_t index, std::string_view data) override {
    RETURN_IF_ERROR(failed_);
    // Checked here rather than by the primary key, so that the insert itself can be pipelined
    // (its error would only surface later, and would abort the transaction).
    if (index < next_index_) return Conflict(fmt::format("entry {} already exists", index));
    if (index > next_index_) {
      return InvalidArgument(
          fmt::format("entry {} would leave a gap after entry {}", index, next_index_ - 1));
    }
    entry_buf_.emplace_back(index, std::string(data));
    ++next_index_;
    if (entry_buf_.size() < kRowsPerInsert) return Status::Ok();
    QueueBufferedRows();
    return MaybeFlush();
  }

  Status PutTile(uint8_t level, uint64_t index, std::string_view blob) override {
    RETURN_IF_ERROR(failed_);
    Params p;
    p.Int16(level).Int(static_cast<int64_t>(index)).Bytes(blob);
    conn_.Queue(kPutTile, p);
    return MaybeFlush();
  }

  Status PutTreeHead(const TreeHead& head) override {
    RETURN_IF_ERROR(failed_);
    Params p;
    p.Int(static_cast<int64_t>(head.size))
        .Bytes(crypto::HashChars(head.root))
        .Bytes(head.checkpoint);
    conn_.Queue(kPutHead, p);
    return MaybeFlush();
  }

  Status InsertAccount(const Account& a, const Hash& token_hash) override {
    RETURN_IF_ERROR(failed_);
    QueueBufferedRows(/*all=*/true);
    // Both rows or neither: a savepoint to return to when the second insert finds its key taken.
    // Savepoint, inserts and release travel together; success costs one round trip.
    Params pa;
    pa.Bytes(a.id)
        .Bytes(a.name)
        .Bytes(a.role)
        .Int(ToMicros(a.created))
        .Int(static_cast<int64_t>(a.log_index));
    Params pc;
    pc.Bytes(crypto::HashChars(token_hash)).Bytes(a.id);
    Params none;
    conn_.Queue(kSavepoint, none);
    conn_.Queue(kInsertAccount, pa, kTagAccountRow);
    conn_.Queue(kInsertCredential, pc, kTagCredentialRow);
    conn_.Queue(kRelease, none);
    Connection::SyncError err;
    if (conn_.Sync(&err).ok()) return Status::Ok();
    bool own_conflict = err.status.code() == Code::kConflict &&
                        (err.tag == kTagAccountRow || err.tag == kTagCredentialRow);
    if (!own_conflict || conn_.broken()) return Fail(err.status);
    conn_.Queue(kRollbackToSavepoint, none);
    conn_.Queue(kRelease, none);
    Connection::SyncError undo_err;
    if (!conn_.Sync(&undo_err).ok()) return Fail(undo_err.status);
    return err.status;
  }

  Status SetAccountDisabled(std::string_view account_id, bool disabled) override {
    RETURN_IF_ERROR(failed_);
    QueueBufferedRows(/*all=*/true);
    Params p;
    p.Int(disabled ? 1 : 0).Bytes(account_id);
    conn_.Queue(kSetDisabled, p, kTagNone, /*keep=*/true);
    Connection::SyncError err;
    auto rows = conn_.Sync(&err);
    if (!rows.ok()) return Fail(err.status);
    if (rows->empty() || rows->back().Affected() != 1) {
      return NotFound(fmt::format("no account {}", account_id));
    }
    return Status::Ok();
  }

  Status AddCredential(std::string_view account_id, const Credential& c) override {
    RETURN_IF_ERROR(failed_);
    QueueBufferedRows(/*all=*/true);
    Params p;
    p.Bytes(crypto::HashChars(c.token_hash)).Bytes(account_id);
    if (c.expires) {
      p.Int(ToMicros(*c.expires));
    } else {
      p.Null();
    }
    conn_.Queue(kAddCredential, p, kTagNone, /*keep=*/true);
    Connection::SyncError err;
    auto rows = conn_.Sync(&err);
    if (!rows.ok()) return Fail(err.status);
    if (rows->empty() || rows->back().Affected() != 1) {
      return Conflict("the token hash is taken");
    }
    return Status::Ok();
  }

  Status LimitCredentials(std::string_view account_id, const Hash& keep,
                          std::optional<Time> until) override {
    RETURN_IF_ERROR(failed_);
    QueueBufferedRows(/*all=*/true);
    Params p;
    p.Bytes(account_id).Bytes(crypto::HashChars(keep));
    if (until) {
      p.Int(ToMicros(*until));
      conn_.Queue(kLimitOthers, p);
    } else {
      conn_.Queue(kRevokeOthers, p);
    }
    return MaybeFlush();
  }

  void SetDeferredChecks(bool on) override { deferred_ = on; }

  Status CheckDeferred() override {
    RETURN_IF_ERROR(failed_);
    if (deferred_deposits_ == 0) return Status::Ok();
    QueueBufferedRows(/*all=*/true);
    // A refused deposit inserted no row (ON CONFLICT DO NOTHING), so counting the rows at this
    // batch's indexes (which no earlier row can have) tells whether all went in.
    Params p;
    p.Int(static_cast<int64_t>(deferred_min_)).Int(static_cast<int64_t>(deferred_max_));
    conn_.Queue(kCountDeposits, p, kTagNone, /*keep=*/true);
    Connection::SyncError err;
    auto rows = conn_.Sync(&err);
    if (!rows.ok()) return Fail(err.status);
    if (rows->empty() || rows->back().size() != 1) return Internal("postgres: bad deposit count");
    uint64_t n = static_cast<uint64_t>(rows->back().Int(0, 0));
    uint64_t want = deferred_deposits_;
    deferred_deposits_ = 0;
    if (n != want) {
      return Conflict(
          fmt::format("{} of this batch's {} deposits were already made", want - n, want));
    }
    return Status::Ok();
  }

  Status InsertDeposit(const DepositRecord& d) override {
    RETURN_IF_ERROR(failed_);
    ASSIGN_OR_RETURN(std::string digest, HexDecode(d.digest));
    Params p;
    p.Int(static_cast<int64_t>(d.index))
        .Bytes(d.depositor)
        .Bytes(digest)
        .Int(static_cast<int64_t>(d.size))
        .Bytes(d.title)
        .Int(ToMicros(d.time));
    if (deferred_) {
      deposit_buf_.push_back(
          {d.index, d.depositor, std::move(digest), d.title, d.size, ToMicros(d.time)});
      if (deposit_buf_.size() >= kRowsPerInsert) QueueBufferedRows();
      if (deferred_deposits_++ == 0) deferred_min_ = d.index;
      deferred_min_ = std::min(deferred_min_, d.index);
      deferred_max_ = std::max(deferred_max_, d.index);
      return Status::Ok();
    }
    QueueBufferedRows(/*all=*/true);
    conn_.Queue(kInsertDeposit, p, kTagNone, /*keep=*/true);
    // The caller decides from the answer whether the entry goes in, so this one waits (and
    // collects the results of everything pipelined before it on the way).
    Connection::SyncError err;
    auto rows = conn_.Sync(&err);
    if (!rows.ok()) return Fail(err.status);
    if (rows->empty() || rows->back().Affected() != 1) {
      return Conflict(fmt::format("a deposit of {} by {} (or at index {}) already exists", d.digest,
                                  d.depositor, d.index));
    }
    return Status::Ok();
  }

  Result<std::optional<Account>> GetAccount(std::string_view account_id) override {
    RETURN_IF_ERROR(failed_);
    Params p;
    p.Bytes(account_id);
    conn_.Queue(kGetAccount, p, kTagNone, /*keep=*/true);
    // As GetRecord: what was queued before runs first, so the answer sees this transaction.
    Connection::SyncError err;
    auto rows = conn_.Sync(&err);
    if (!rows.ok()) return Fail(err.status);
    if (rows->empty()) return Internal("postgres: no answer to an account lookup");
    if (rows->back().size() == 0) return std::optional<Account>();
    return std::optional<Account>(ReadAccount(rows->back(), 0));
  }

  Result<std::optional<Record>> GetRecord(std::string_view kind, std::string_view id) override {
    RETURN_IF_ERROR(failed_);
    Params p;
    p.Bytes(kind).Bytes(id);
    conn_.Queue(kGetRecord, p, kTagNone, /*keep=*/true);
    // Everything queued before runs first, in order: the answer includes this transaction's own
    // writes.
    Connection::SyncError err;
    auto rows = conn_.Sync(&err);
    if (!rows.ok()) return Fail(err.status);
    if (rows->empty()) return Internal("postgres: no answer to a record lookup");
    if (rows->back().size() == 0) return std::optional<Record>();
    return std::optional<Record>(ReadRecord(rows->back(), 0));
  }

  Status PutRecord(const Record& r) override {
    RETURN_IF_ERROR(failed_);
    RETURN_IF_ERROR(CheckParties(r.parties));
    Params p;
    p.Bytes(r.kind).Bytes(r.id).Bytes(r.owner).Bytes(r.parent).Bytes(r.status).Bytes(r.number);
    if (r.due) {
      p.Int(ToMicros(*r.due));
    } else {
      p.Null();
    }
    p.Bytes(r.doc).Int(static_cast<int64_t>(r.version));
    conn_.Queue(kPutRecord, p);
    std::vector<std::string> roles, ids;
    for (const Party& party : PartySet(r.parties)) {
      roles.push_back(party.role);
      ids.push_back(party.id);
    }
    std::string role_array = pg::TextArray(roles), id_array = pg::TextArray(ids);
    Params q;
    q.Bytes(r.kind).Bytes(r.id).Bytes(role_array).Bytes(id_array);
    conn_.Queue(kPutParties, q);
    return MaybeFlush();
  }

  Status PutListing(const Listing& l) override {
    RETURN_IF_ERROR(failed_);
    Params p;
    p.Bytes(l.application_id)
        .Bytes(l.number)
        .Bytes(l.status)
        .Bytes(l.industry)
        .Bytes(l.holders)
        .Bytes(l.text)
        .Bytes(l.item);
    conn_.Queue(kPutListing, p);
    std::string terms = pg::TextArray(ListingTerms(l));
    Params t;
    t.Bytes(l.application_id).Bytes(terms);
    conn_.Queue(kPutListingTerms, t);
    return MaybeFlush();
  }

  Status RemoveListing(std::string_view application_id) override {
    RETURN_IF_ERROR(failed_);
    Params p;
    p.Bytes(application_id);
    conn_.Queue(kRemoveListing, p);
    conn_.Queue(kRemoveListingTerms, p);
    return MaybeFlush();
  }

  Status ClaimNumber(std::string_view number, std::string_view record_id) override {
    RETURN_IF_ERROR(failed_);
    Params p;
    p.Bytes(number).Bytes(record_id);
    conn_.Queue(kClaimNumber, p, kTagNone, /*keep=*/true);
    // The caller decides from the answer, so this one waits, as InsertDeposit does.
    Connection::SyncError err;
    auto rows = conn_.Sync(&err);
    if (!rows.ok()) return Fail(err.status);
    if (rows->empty() || rows->back().Affected() != 1) {
      return Conflict(fmt::format("number {} is already claimed", number));
    }
    return Status::Ok();
  }

  Result<bool> NumberClaimed(std::string_view number) override {
    RETURN_IF_ERROR(failed_);
    QueueBufferedRows(/*all=*/true);
    Params p;
    p.Bytes(number);
    conn_.Queue(kNumberClaimed, p, kTagNone, /*keep=*/true);
    Connection::SyncError err;
    auto rows = conn_.Sync(&err);
    if (!rows.ok()) return Fail(err.status);
    if (rows->empty()) return Internal("postgres: no answer to a number lookup");
    return rows->back().size() > 0;
  }

  Status PutSidecar(uint64_t index, std::string_view data) override {
    RETURN_IF_ERROR(failed_);
    Params p;
    p.Int(static_cast<int64_t>(index)).Bytes(data);
    conn_.Queue(kPutSidecar, p);
    return MaybeFlush();
  }

  Result<std::vector<PendingEntry>> Pending(size_t limit) override {
    RETURN_IF_ERROR(failed_);
    QueueBufferedRows(/*all=*/true);
    Params p;
    p.Int(static_cast<int64_t>(limit));
    conn_.Queue(kPendingTake, p, kTagNone, /*keep=*/true);
    Connection::SyncError err;
    auto rows = conn_.Sync(&err);
    if (!rows.ok()) return Fail(err.status);
    std::vector<PendingEntry> out;
    if (rows->empty()) return out;
    const Rows& r = rows->back();
    for (int i = 0; i < r.size(); ++i) {
      out.push_back({static_cast<uint64_t>(r.Int(i, 0)), r.Bytes(i, 1), r.Bytes(i, 2)});
    }
    return out;
  }

  Status Resolve(uint64_t id, const PendingResult& result) override {
    RETURN_IF_ERROR(failed_);
    Params d;
    d.Int(static_cast<int64_t>(id));
    conn_.Queue(kPendingDelete, d);
    Params r;
    r.Int(static_cast<int64_t>(id))
        .Int(result.code == Code::kOk ? static_cast<int64_t>(result.index) : -1)
        .Int(static_cast<int64_t>(result.code))
        .Bytes(result.message);
    conn_.Queue(kPendingResult, r);
    return Status::Ok();
  }

  void SignalOnCommit(std::string_view signal) override {
    if (!failed_.ok()) return;
    Params p;
    p.Bytes(signal);
    conn_.Queue(kNotify, p);
  }

  Status Commit() override {
    done_ = true;
    if (failed_.ok()) QueueBufferedRows(/*all=*/true);
    if (!failed_.ok()) {
      Rollback();
      return failed_;
    }
    conn_.Queue(kCommit, Params(), kTagNone, /*keep=*/true);
    Connection::SyncError err;
    auto rows = conn_.Sync(&err);
    if (!rows.ok()) {
      if (conn_.broken()) {
        // The COMMIT may or may not have reached the server and run.
        return Unavailable("postgres: connection lost during commit; its outcome is unknown: " +
                           err.status.message());
      }
      Rollback();
      return Aborted(err.status);
    }
    // COMMIT of a transaction the server had already aborted answers ROLLBACK, not an error.
    if (rows->empty() || rows->back().Tag() != "COMMIT") {
      Rollback();
      return Internal("postgres: the transaction was rolled back by the server");
    }
    return Status::Ok();
  }

  // --- tree heads gaining signatures (issue 11) ---
  Status AddTreeHeadSignatures(uint64_t size, std::string_view checkpoint) override {
    RETURN_IF_ERROR(failed_);
    Params p;
    p.Int(static_cast<int64_t>(size));
    conn_.Queue(kHeadNote, p, kTagNone, /*keep=*/true);
    // Everything queued before runs first: a head this transaction put is found.
    Connection::SyncError err;
    auto rows = conn_.Sync(&err);
    if (!rows.ok()) return Fail(err.status);
    if (rows->empty()) return Internal("postgres: no answer to a tree head lookup");
    if (rows->back().size() == 0) return NotFound(fmt::format("no tree head of size {}", size));
    RETURN_IF_ERROR(CheckNoteExtends(rows->back().Bytes(0, 0), checkpoint));
    Params u;
    u.Bytes(checkpoint).Int(static_cast<int64_t>(size));
    conn_.Queue(kSetHeadNote, u);
    return MaybeFlush();
  }

 private:
  // Reads back what is queued when the pipeline is off or getting long.
  Status MaybeFlush() {
    if (pipelined_ && conn_.queued() < kMaxQueued && conn_.queued_bytes() < kMaxQueuedBytes) {
      return Status::Ok();
    }
    Connection::SyncError err;
    if (!conn_.Sync(&err).ok()) return Fail(err.status);
    return Status::Ok();
  }

  Status Fail(const Status& st) {
    failed_ = Aborted(st);
    return failed_;
  }

  // Leaves the connection idle, or broken (and then BeginWrite replaces it). A lost connection
  // needs nothing: the server rolls back a transaction whose session ends.
  void Rollback() {
    if (conn_.broken()) return;
    Connection::SyncError err;
    // Whatever is still queued goes first, in a segment of its own: had it failed in the same
    // segment as the ROLLBACK, the server would skip the ROLLBACK too.
    if (conn_.queued() > 0) (void)conn_.Sync(&err);
    if (conn_.broken()) return;
    conn_.Queue(kRollback, Params());
    (void)conn_.Sync(&err);
  }

  Connection& conn_;
  std::unique_lock<std::mutex> lock_;
  uint64_t next_index_;
  bool pipelined_;
  bool done_ = false;
  // Sends the buffered entries and deferred deposits: full groups of kRowsPerInsert as one
  // statement; with all, the rest row by row (before anything that waits for an answer).
  void QueueBufferedRows(bool all = false) {
    while (entry_buf_.size() >= kRowsPerInsert || (all && !entry_buf_.empty())) {
      bool group = entry_buf_.size() >= kRowsPerInsert;
      size_t n = group ? kRowsPerInsert : 1;
      Params p;
      for (size_t i = 0; i < n; ++i) {
        p.Int(static_cast<int64_t>(entry_buf_[i].first)).Bytes(entry_buf_[i].second);
      }
      conn_.Queue(group ? kInsertEntries : kInsertEntry, p);
      entry_buf_.erase(entry_buf_.begin(), entry_buf_.begin() + static_cast<ptrdiff_t>(n));
    }
    while (deposit_buf_.size() >= kRowsPerInsert || (all && !deposit_buf_.empty())) {
      bool group = deposit_buf_.size() >= kRowsPerInsert;
      size_t n = group ? kRowsPerInsert : 1;
      Params p;
      for (size_t i = 0; i < n; ++i) {
        const auto& d = deposit_buf_[i];
        p.Int(static_cast<int64_t>(d.index))
            .Bytes(d.depositor)
            .Bytes(d.digest)
            .Int(static_cast<int64_t>(d.size))
            .Bytes(d.title)
            .Int(d.time);
      }
      conn_.Queue(group ? kInsertDeposits : kInsertDeposit, p);
      deposit_buf_.erase(deposit_buf_.begin(), deposit_buf_.begin() + static_cast<ptrdiff_t>(n));
    }
  }

  struct DepositRow {
    uint64_t index;
    std::string depositor, digest, title;
    uint64_t size;
    int64_t time;
  };

  Status failed_;  // set once the server-side transaction is aborted; every call returns it
  std::vector<std::pair<uint64_t, std::string>> entry_buf_;  // appended, not yet sent
  std::vector<DepositRow> deposit_buf_;                      // deferred, not yet sent
  bool deferred_ = false;
  uint64_t deferred_deposits_ = 0, deferred_min_ = 0, deferred_max_ = 0;
};

// --- followers (issue 11) ---

// Not thread-safe: holds the store's follower connection (and its mutex) while it lives.
class PgFollowerTx final : public FollowerTx {
 public:
  PgFollowerTx(Connection& conn, std::unique_lock<std::mutex> lock, std::string name, uint64_t from)
      : conn_(conn), lock_(std::move(lock)), name_(std::move(name)), from_(from) {}
  ~PgFollowerTx() override {
    if (!done_ && !conn_.broken()) (void)conn_.Query(kFollowerRollback, Params());
  }

  Result<int64_t> Counter(std::string_view key) override {
    Params p;
    p.Bytes(key);
    ASSIGN_OR_RETURN(Rows r, conn_.Query(kCounterGet, p));
    return r.size() == 0 ? 0 : r.Int(0, 0);
  }
  Status AddToCounter(std::string_view key, int64_t delta) override {
    Params p;
    p.Bytes(key).Int(delta);
    return conn_.Query(kCounterAdd, p).status();
  }
  Status SetCounter(std::string_view key, int64_t value) override {
    Params p;
    p.Bytes(key).Int(value);
    return conn_.Query(kCounterSet, p).status();
  }
  Status Commit(uint64_t to) override {
    done_ = true;
    Params p;
    p.Bytes(name_).Int(static_cast<int64_t>(from_)).Int(static_cast<int64_t>(to));
    auto moved = conn_.Query(kCursorAdvance, p);
    if (!moved.ok() || moved->Affected() != 1) {
      if (!conn_.broken()) (void)conn_.Query(kFollowerRollback, Params());
      return moved.ok() ? Conflict("the follower's cursor moved") : moved.status();
    }
    ASSIGN_OR_RETURN(Rows r, conn_.Query(kFollowerCommit, Params()));
    // COMMIT of a transaction the server had already aborted answers ROLLBACK, not an error.
    if (r.Tag() != "COMMIT")
      return Internal("postgres: the follower's transaction was rolled back");
    return Status::Ok();
  }

 private:
  Connection& conn_;
  std::unique_lock<std::mutex> lock_;
  std::string name_;
  uint64_t from_;
  bool done_ = false;
};

class PgStore final : public Store {
 public:
  PgStore(std::string conninfo, PostgresStoreOptions options)
      : conninfo_(std::move(conninfo)),
        options_(options),
        writer_init_(WriterInit(options)),
        reader_init_(ReaderInit(options)),
        lease_init_(LeaseInit(options)) {
    if (options_.max_readers == 0) options_.max_readers = 1;
  }

  Result<std::optional<TreeHead>> LatestTreeHead() override {
    return WithReader<std::optional<TreeHead>>(
        [](Connection& c) -> Result<std::optional<TreeHead>> {
          ASSIGN_OR_RETURN(Rows r, c.Query(kLatestHead, Params()));
          if (r.size() == 0) return std::optional<TreeHead>();
          TreeHead h;
          h.size = static_cast<uint64_t>(r.Int(0, 0));
          ASSIGN_OR_RETURN(h.root, HashFromBlob(r.Bytes(0, 1), "tree head root"));
          h.checkpoint = r.Bytes(0, 2);
          return std::optional<TreeHead>(std::move(h));
        });
  }

  Result<std::vector<std::string>> ReadEntries(uint64_t start, uint64_t end) override {
    return WithReader<std::vector<std::string>>(
        [&](Connection& c) -> Result<std::vector<std::string>> {
          Params p;
          p.Int(static_cast<int64_t>(start)).Int(static_cast<int64_t>(end));
          ASSIGN_OR_RETURN(Rows r, c.Query(kReadEntries, p));
          std::vector<std::string> out;
          out.reserve(r.size());
          for (int i = 0; i < r.size(); ++i) {
            if (static_cast<uint64_t>(r.Int(i, 0)) != start + out.size()) break;
            out.push_back(r.Bytes(i, 1));
          }
          if (out.size() != end - start) {
            return NotFound(fmt::format("entry {} does not exist", start + out.size()));
          }
          return out;
        });
  }

  Result<uint64_t> EntryCount() override {
    return WithReader<uint64_t>([](Connection& c) -> Result<uint64_t> {
      ASSIGN_OR_RETURN(Rows r, c.Query(kEntryCount, Params()));
      return r.size() == 0 ? 0 : static_cast<uint64_t>(r.Int(0, 0));
    });
  }

  Result<std::string> ReadTile(uint8_t level, uint64_t index) override {
    return WithReader<std::string>([&](Connection& c) -> Result<std::string> {
      Params p;
      p.Int16(level).Int(static_cast<int64_t>(index));
      ASSIGN_OR_RETURN(Rows r, c.Query(kReadTile, p));
      if (r.size() == 0) return NotFound(fmt::format("tile {}/{} not found", level, index));
      return r.Bytes(0, 0);
    });
  }

  Result<std::optional<TokenAccount>> AccountByTokenHash(const Hash& token_hash) override {
    return WithReader<std::optional<TokenAccount>>(
        [&](Connection& c) -> Result<std::optional<TokenAccount>> {
          Params p;
          p.Bytes(crypto::HashChars(token_hash));
          ASSIGN_OR_RETURN(Rows r, c.Query(kAccountByToken, p));
          if (r.size() == 0) return std::optional<TokenAccount>();
          TokenAccount t{ReadAccount(r, 0), OptionalTime(r, 0, 6)};
          return std::optional<TokenAccount>(std::move(t));
        });
  }

  Result<std::optional<Account>> AccountById(const std::string& id) override {
    return WithReader<std::optional<Account>>([&](Connection& c) -> Result<std::optional<Account>> {
      Params p;
      p.Bytes(id);
      ASSIGN_OR_RETURN(Rows r, c.Query(kAccountById, p));
      if (r.size() == 0) return std::optional<Account>();
      return std::optional<Account>(ReadAccount(r, 0));
    });
  }

  Result<std::vector<Credential>> CredentialsOf(const std::string& account_id) override {
    return WithReader<std::vector<Credential>>(
        [&](Connection& c) -> Result<std::vector<Credential>> {
          Params p;
          p.Bytes(account_id);
          ASSIGN_OR_RETURN(Rows r, c.Query(kCredentialsOf, p));
          std::vector<Credential> out;
          for (int i = 0; i < r.size(); ++i) {
            ASSIGN_OR_RETURN(Hash h, HashFromBlob(r.Bytes(i, 0), "token hash"));
            out.push_back(Credential{h, OptionalTime(r, i, 1)});
          }
          return out;
        });
  }

  Result<std::vector<Account>> ListAccounts(std::string_view role, size_t offset,
                                            size_t limit) override {
    return WithReader<std::vector<Account>>([&](Connection& c) -> Result<std::vector<Account>> {
      Params p;
      p.Bytes(role).Int(static_cast<int64_t>(limit)).Int(static_cast<int64_t>(offset));
      ASSIGN_OR_RETURN(Rows r, c.Query(kListAccounts, p));
      std::vector<Account> out;
      for (int i = 0; i < r.size(); ++i) out.push_back(ReadAccount(r, i));
      return out;
    });
  }

  Result<std::optional<DepositRecord>> DepositOf(const std::string& depositor,
                                                 const std::string& digest) override {
    ASSIGN_OR_RETURN(std::string raw, HexDecode(digest));
    return WithReader<std::optional<DepositRecord>>(
        [&](Connection& c) -> Result<std::optional<DepositRecord>> {
          Params p;
          p.Bytes(depositor).Bytes(raw);
          ASSIGN_OR_RETURN(Rows r, c.Query(kDepositOf, p));
          if (r.size() == 0) return std::optional<DepositRecord>();
          return std::optional<DepositRecord>(ReadDeposit(r, 0));
        });
  }

  Result<std::vector<DepositRecord>> DepositsByDigest(const std::string& digest,
                                                      size_t limit) override {
    ASSIGN_OR_RETURN(std::string raw, HexDecode(digest));
    return WithReader<std::vector<DepositRecord>>(
        [&](Connection& c) -> Result<std::vector<DepositRecord>> {
          Params p;
          int64_t lim =
              limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(limit);
          p.Bytes(raw).Int(lim);
          ASSIGN_OR_RETURN(Rows r, c.Query(kDepositsByDigest, p));
          std::vector<DepositRecord> out;
          out.reserve(r.size());
          for (int i = 0; i < r.size(); ++i) out.push_back(ReadDeposit(r, i));
          return out;
        });
  }

  Result<std::optional<Record>> RecordById(std::string_view kind, std::string_view id) override {
    return WithReader<std::optional<Record>>([&](Connection& c) -> Result<std::optional<Record>> {
      Params p;
      p.Bytes(kind).Bytes(id);
      ASSIGN_OR_RETURN(Rows r, c.Query(kRecordById, p));
      if (r.size() == 0) return std::optional<Record>();
      return std::optional<Record>(ReadRecord(r, 0));
    });
  }

  Result<std::optional<Record>> RecordByNumber(std::string_view number) override {
    if (number.empty()) return std::optional<Record>();
    return WithReader<std::optional<Record>>([&](Connection& c) -> Result<std::optional<Record>> {
      Params p;
      p.Bytes(number);
      ASSIGN_OR_RETURN(Rows r, c.Query(kRecordByNumber, p));
      if (r.size() == 0) return std::optional<Record>();
      return std::optional<Record>(ReadRecord(r, 0));
    });
  }

  Result<std::vector<Record>> RecordsByOwner(std::string_view kind, std::string_view owner,
                                             size_t offset, size_t limit) override {
    Params p;
    p.Bytes(kind).Bytes(owner).Int(Clamp(limit)).Int(Clamp(offset));
    return ReadRecords(kRecordsByOwner, p);
  }

  Result<std::vector<Record>> RecordsByStatus(std::string_view kind, std::string_view status,
                                              size_t offset, size_t limit) override {
    Params p;
    p.Bytes(kind).Bytes(status).Int(Clamp(limit)).Int(Clamp(offset));
    return ReadRecords(kRecordsByStatus, p);
  }

  Result<std::vector<std::pair<std::string, uint64_t>>> CountByStatus(
      std::string_view kind) override {
    using Counts = std::vector<std::pair<std::string, uint64_t>>;
    return WithReader<Counts>([&](Connection& c) -> Result<Counts> {
      Params p;
      p.Bytes(kind);
      ASSIGN_OR_RETURN(Rows r, c.Query(kCountByStatus, p));
      Counts out;
      for (int i = 0; i < static_cast<int>(r.size()); ++i) {
        out.emplace_back(r.Bytes(i, 0), static_cast<uint64_t>(r.Int(i, 1)));
      }
      return out;
    });
  }

  Result<std::vector<Record>> RecordsByParty(std::string_view kind, std::string_view role,
                                             std::string_view party, size_t offset,
                                             size_t limit) override {
    Params p;
    p.Bytes(kind).Bytes(role).Bytes(party).Int(Clamp(limit)).Int(Clamp(offset));
    return ReadRecords(kRecordsByParty, p);
  }

  Result<std::vector<Record>> RecordsByParent(std::string_view kind,
                                              std::string_view parent) override {
    Params p;
    p.Bytes(kind).Bytes(parent);
    return ReadRecords(kRecordsByParent, p);
  }

  Result<std::vector<Record>> RecordsDue(Time until, size_t limit) override {
    Params p;
    p.Int(ToMicros(until)).Int(Clamp(limit));
    return ReadRecords(kRecordsDue, p);
  }

  Result<ListingPage> SearchListings(const ListingQuery& q) override {
    // As in SQLite (docs/FORMATS.md §8, "Search"): lists are newest first by rid; a text or
    // holder query counts its matches up to q.count_limit, filters alone are counted from
    // listing_counts. Texts and holders of 1-2 characters (with the industry) are terms of
    // listings_terms; longer ones are compared by LIKE with the ASCII-lower-cased columns,
    // which the trigram indexes serve; the server picks the plan.
    if (!IsValidUtf8(q.text) || !IsValidUtf8(q.holder)) {
      return InvalidArgument("a search text must be UTF-8");
    }
    std::vector<std::string> all_of;  // terms a row found has every one of
    bool text_query = false;
    bool terms_only = true;  // every text and holder query is a term (then listings_terms alone)
    for (auto [tag, value] : {std::pair{kTextTag, &q.text}, std::pair{kHolderTag, &q.holder}}) {
      if (value->empty()) continue;
      text_query = true;
      if (IsGramQuery(*value)) {
        all_of.push_back(Term(tag, FoldAsciiCase(*value)));
      } else {
        terms_only = false;
      }
    }
    if (!all_of.empty() && !q.industry.empty()) all_of.push_back(Term(kIndustryTag, q.industry));
    int64_t cap = static_cast<int64_t>(std::min<uint64_t>(q.count_limit, INT64_MAX - 1));

    auto on_status = [&](SearchSql& s) {
      if (q.statuses.empty()) return std::string();
      std::string w = " AND status IN (";
      for (size_t i = 0; i < q.statuses.size(); ++i) w += (i ? ", " : "") + s.Param(q.statuses[i]);
      return w + ")";
    };
    // The filters as conditions on listings. Texts and holders of 3 characters or more are
    // compared by LIKE, which the trigram indexes serve.
    auto where = [&](SearchSql& s) {
      std::string w = "true";
      for (auto [column, value] : {std::pair{"text", &q.text}, std::pair{"holders", &q.holder}}) {
        if (value->empty() || IsGramQuery(*value)) continue;
        w += fmt::format(" AND lower({} COLLATE \"C\") LIKE {}", column,
                         s.Param(LowerContainsPattern(*value)));
      }
      if (!all_of.empty()) {
        w += " AND application_id IN (SELECT application_id FROM listings_terms WHERE terms @> " +
             s.Param(pg::TextArray(all_of), kTextArray) + ")";
      }
      if (!q.industry.empty()) w += " AND industry = " + s.Param(q.industry);
      return w + on_status(s);
    };
    // Only terms: the conditions on listings_terms, which has the terms (the industry's among
    // them), the status and the rid.
    auto on_terms = [&](SearchSql& s) {
      return "terms @> " + s.Param(pg::TextArray(all_of), kTextArray) + on_status(s);
    };

    return WithReader<ListingPage>([&](Connection& c) -> Result<ListingPage> {
      // One snapshot for the total and the page. No sequential scans: reading listings_terms
      // that way would fetch every row's terms from the toast table, and the planner, which
      // does not count that, would do it for a term most rows have. No JIT compilation: it takes
      // longer than any of these statements, and a plan left with a sequential scan carries
      // enable_seqscan's huge cost, which asks for it.
      Status begun = c.Exec(
                          "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
                          "SET LOCAL enable_seqscan = off; SET LOCAL jit = off")
                         .status();
      auto page = [&]() -> Result<ListingPage> {
        RETURN_IF_ERROR(begun);
        ListingPage out;
        if (text_query) {
          SearchSql count;
          count.text =
              terms_only
                  ? "SELECT count(*) FROM (SELECT 1 FROM listings_terms WHERE " + on_terms(count)
                  : "SELECT count(*) FROM (SELECT 1 FROM listings WHERE " + where(count);
          count.text += " LIMIT " + count.Param(cap + 1) + ") found";
          ASSIGN_OR_RETURN(Rows r, count.Run(c));
          if (r.size() != 1) return Internal("postgres: no answer to a listing count");
          out.total = static_cast<uint64_t>(r.Int(0, 0));
          if (out.total > static_cast<uint64_t>(cap)) {
            out.total = static_cast<uint64_t>(cap);
            out.total_exact = false;
          }
        } else {
          SearchSql count;
          count.text = "SELECT coalesce(sum(n), 0)::bigint FROM listing_counts WHERE true";
          if (!q.industry.empty()) count.text += " AND industry = " + count.Param(q.industry);
          count.text += on_status(count);
          ASSIGN_OR_RETURN(Rows r, count.Run(c));
          if (r.size() != 1) return Internal("postgres: no answer to a listing count");
          out.total = static_cast<uint64_t>(r.Int(0, 0));
        }
        if (q.limit == 0 || (out.total_exact && q.offset >= out.total)) return out;
        SearchSql sql;
        if (text_query && terms_only) {
          // Walking listings_terms_by_rid newest first reads each row's terms from the toast
          // table (~25 us); the index finds every match at a fraction of that, to be sorted.
          // Walk for the first pages of a term with more matches than were counted; else find
          // them all (MATERIALIZED: whatever the planner estimates) and sort.
          bool find_all = out.total_exact || q.offset >= kWalkedOffset;
          std::string found = find_all ? "WITH found AS MATERIALIZED (SELECT rid FROM "
                                         "listings_terms WHERE " +
                                             on_terms(sql) + ") "
                                       : "";
          sql.text = found + "SELECT l.item FROM (SELECT rid FROM " +
                     (find_all ? std::string("found") : "listings_terms WHERE " + on_terms(sql)) +
                     " ORDER BY rid DESC LIMIT " + sql.Param(Clamp(q.limit)) + " OFFSET " +
                     sql.Param(Clamp(q.offset)) + ") p JOIN listings l USING (rid) " +
                     "ORDER BY p.rid DESC";
        } else {
          sql.text = "SELECT item FROM listings WHERE " + where(sql) + " ORDER BY rid DESC LIMIT " +
                     sql.Param(Clamp(q.limit)) + " OFFSET " + sql.Param(Clamp(q.offset));
        }
        ASSIGN_OR_RETURN(Rows items, sql.Run(c));
        for (int i = 0; i < items.size(); ++i) out.items.push_back(items.Bytes(i, 0));
        return out;
      }();
      Status end = c.Exec(page.ok() ? "COMMIT" : "ROLLBACK").status();
      if (page.ok() && !end.ok()) return end;
      return page;
    });
  }

  Result<std::string> MaxNumber(std::string_view prefix) override {
    if (!IsValidUtf8(prefix)) return InvalidArgument("a number prefix must be UTF-8");
    std::optional<std::string> end = PrefixEnd(prefix);
    return WithReader<std::string>([&](Connection& c) -> Result<std::string> {
      Params p;
      p.Bytes(prefix);
      if (end) p.Bytes(*end);
      ASSIGN_OR_RETURN(Rows r, c.Query(end ? kMaxNumberBelow : kMaxNumberFrom, p));
      if (r.size() == 0 || r.IsNull(0, 0)) return std::string();
      return r.Bytes(0, 0);
    });
  }

  Result<std::optional<std::string>> SidecarOf(uint64_t index) override {
    return WithReader<std::optional<std::string>>(
        [&](Connection& c) -> Result<std::optional<std::string>> {
          Params p;
          p.Int(static_cast<int64_t>(index));
          ASSIGN_OR_RETURN(Rows r, c.Query(kSidecarOf, p));
          if (r.size() == 0) return std::optional<std::string>();
          return std::optional<std::string>(r.Bytes(0, 0));
        });
  }

  Result<uint64_t> Enqueue(std::string_view entry, std::string_view sidecar) override {
    return WithQueue<uint64_t>([&](Connection& c) -> Result<uint64_t> {
      Params p;
      p.Bytes(entry).Bytes(sidecar);
      ASSIGN_OR_RETURN(Rows r, c.Query(kEnqueue, p));
      if (r.size() != 1) return Internal("postgres: enqueue returned no id");
      return static_cast<uint64_t>(r.Int(0, 0));
    });
  }

  Result<std::optional<PendingResult>> TakeResult(uint64_t id) override {
    return WithQueue<std::optional<PendingResult>>(
        [&](Connection& c) -> Result<std::optional<PendingResult>> {
          Params p;
          p.Int(static_cast<int64_t>(id));
          ASSIGN_OR_RETURN(Rows r, c.Query(kTakeResult, p));
          if (r.size() == 0) return std::optional<PendingResult>();
          PendingResult out{static_cast<Code>(r.Int(0, 1)), 0, r.Bytes(0, 2)};
          if (out.code == Code::kOk) out.index = static_cast<uint64_t>(r.Int(0, 0));
          return std::optional<PendingResult>(std::move(out));
        });
  }

  Status Subscribe(std::function<void(std::string_view)> on_signal) override {
    MutexLock g(listener_mu_);
    if (listener_) return Internal("Subscribe called twice");
    auto listener = std::make_unique<Listener>(conninfo_, std::move(on_signal));
    RETURN_IF_ERROR(
        listener->WaitUntilListening(std::chrono::steady_clock::now() + kSubscribeTimeout));
    listener_ = std::move(listener);
    return Status::Ok();
  }

  Status Signal(std::string_view signal) override {
    return WithQueue<bool>([&](Connection& c) -> Result<bool> {
             Params p;
             p.Bytes(signal);
             ASSIGN_OR_RETURN(Rows r, c.Query(kQueueNotify, p));
             return true;
           })
        .status();
  }

  Result<ResultSweep> SweepResults(uint64_t through_id) override {
    return WithQueue<ResultSweep>([&](Connection& c) -> Result<ResultSweep> {
      ResultSweep out;
      Params p;
      p.Int(static_cast<int64_t>(through_id));
      ASSIGN_OR_RETURN(Rows deleted, c.Query(kSweepResults, p));
      out.deleted = deleted.Affected();
      ASSIGN_OR_RETURN(Rows newest, c.Query(kNewestResult, Params()));
      if (newest.size() == 1) out.newest = static_cast<uint64_t>(newest.Int(0, 0));
      return out;
    });
  }

  Result<bool> TryAcquireLease() override {
    MutexLock g(lease_mu_);
    if (lease_ && !lease_->broken()) return true;
    lease_.reset();
    ASSIGN_OR_RETURN(auto c, Connection::Open(conninfo_, {}, /*pipelined=*/false,
                                              lease_init_.c_str(), options_.lease_timeout));
    ASSIGN_OR_RETURN(Rows r,
                     c->Exec(fmt::format("SELECT pg_try_advisory_lock({})::text", kLeaseKey)));
    if (r.size() != 1 || r.Bytes(0, 0) != "true") return false;
    lease_ = std::move(c);
    return true;
  }

  bool LeaseHeld() override {
    MutexLock g(lease_mu_);
    if (!lease_) return false;
    // The lock lives as long as the session: ask the server that the session is still there.
    if (lease_->broken() || !lease_->Exec("SELECT 1").ok()) {
      lease_.reset();
      return false;
    }
    return true;
  }

  // --- followers (issue 11) ---
  Result<uint64_t> FollowerCursor(std::string_view name) override {
    return WithReader<uint64_t>([&](Connection& c) -> Result<uint64_t> {
      Params p;
      p.Bytes(name);
      ASSIGN_OR_RETURN(Rows r, c.Query(kFollowerCursor, p));
      return r.size() == 0 ? 0 : static_cast<uint64_t>(r.Int(0, 0));
    });
  }

  Result<std::unique_ptr<FollowerTx>> BeginFollower(std::string_view name, uint64_t from) override {
    std::unique_lock<std::mutex> lock(follower_mu_);
    for (int attempt = 0;; ++attempt) {
      if (!follower_ || follower_->broken() || follower_->TransactionStatus() != PQTRANS_IDLE) {
        follower_.reset();
        ASSIGN_OR_RETURN(follower_, Connection::Open(conninfo_, kFollowerStatements,
                                                     /*pipelined=*/false, follower_init_.c_str(),
                                                     AnswerTimeout(options_)));
      }
      Params p;
      p.Bytes(name);
      Result<uint64_t> cursor = [&]() -> Result<uint64_t> {
        RETURN_IF_ERROR(follower_->Query(kFollowerBegin, Params()).status());
        RETURN_IF_ERROR(follower_->Query(kCursorRow, p).status());
        ASSIGN_OR_RETURN(Rows r, follower_->Query(kCursorLock, p));
        if (r.size() != 1) return Internal("postgres: no follower cursor row");
        return static_cast<uint64_t>(r.Int(0, 0));
      }();
      // An idle connection the server dropped gets one fresh retry; nothing was written.
      if (!cursor.ok() && follower_->broken() && attempt == 0) continue;
      if (!cursor.ok() || *cursor != from) {
        if (!follower_->broken()) (void)follower_->Query(kFollowerRollback, Params());
        if (!cursor.ok()) return cursor.status();
        return Conflict(fmt::format("follower {} is at {}, not {}", name, *cursor, from));
      }
      return std::unique_ptr<FollowerTx>(
          new PgFollowerTx(*follower_, std::move(lock), std::string(name), from));
    }
  }

  Result<std::vector<std::pair<std::string, int64_t>>> Counters(std::string_view prefix) override {
    using Out = std::vector<std::pair<std::string, int64_t>>;
    if (!IsValidUtf8(prefix)) return InvalidArgument("a counter prefix must be UTF-8");
    std::optional<std::string> end = PrefixEnd(prefix);
    return WithReader<Out>([&](Connection& c) -> Result<Out> {
      Params p;
      p.Bytes(prefix);
      if (end) p.Bytes(*end);
      ASSIGN_OR_RETURN(Rows r, c.Query(end ? kCountersBelow : kCountersFrom, p));
      Out out;
      for (int i = 0; i < r.size(); ++i) out.emplace_back(r.Bytes(i, 0), r.Int(i, 1));
      return out;
    });
  }

  Result<std::unique_ptr<WriteTx>> BeginWrite() override {
    std::unique_lock<std::mutex> lock(write_mu_);
    for (int attempt = 0;; ++attempt) {
      // A connection left inside a transaction (a rollback that failed half-way) or lost while
      // idle is replaced; nothing of it is worth keeping.
      if (!writer_ || writer_->broken() || writer_->TransactionStatus() != PQTRANS_IDLE) {
        writer_.reset();
        ASSIGN_OR_RETURN(writer_, Connection::Open(conninfo_, kWriteStatements,
                                                   /*pipelined=*/true, writer_init_.c_str(),
                                                   AnswerTimeout(options_)));
      }
      // The transaction-scoped advisory lock makes write transactions of all nodes on this
      // database take turns, so the entry count read after it is the one this transaction builds
      // on (read committed then suffices); it also lets AppendEntry check density locally.
      writer_->Queue(kBegin, Params());
      writer_->Queue(kWriterLock, Params());
      writer_->Queue(kNextIndex, Params(), kTagNone, /*keep=*/true);
      Connection::SyncError err;
      auto rows = writer_->Sync(&err);
      if (rows.ok() && rows->size() == 1 && rows->front().size() == 1) {
        uint64_t next = static_cast<uint64_t>(rows->front().Int(0, 0));
        return std::unique_ptr<WriteTx>(
            new PgWriteTx(*writer_, std::move(lock), next, options_.pipeline_writes));
      }
      // An idle connection the server dropped (restart, idle timeout) gets one fresh retry;
      // nothing was written, so retrying is safe.
      if (writer_->broken() && attempt == 0) continue;
      if (!writer_->broken()) {
        writer_->Queue(kRollback, Params());
        Connection::SyncError ignored;
        (void)writer_->Sync(&ignored);
      }
      return rows.ok() ? Internal("postgres: unexpected answer to the entry count") : err.status;
    }
  }

 private:
  Result<std::unique_ptr<Connection>> OpenReader() {
    return Connection::Open(conninfo_, kReadStatements, /*pipelined=*/false, reader_init_.c_str(),
                            AnswerTimeout(options_));
  }

  // Runs fn on a pooled read connection. A connection found broken (the server restarted, or
  // dropped it) is replaced and fn retried once: reads have no side effects.
  template <typename T, typename Fn>
  Result<T> WithReader(Fn fn) {
    std::unique_ptr<Connection> conn;
    {
      MutexLock g(pool_mu_);
      while (idle_.empty() && open_ >= options_.max_readers) pool_cv_.Wait(pool_mu_);
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_;  // reserve the slot; connect outside the lock
      }
    }
    if (!conn) {
      auto opened = OpenReader();
      if (!opened.ok()) {
        Release(nullptr);
        return opened.status();
      }
      conn = std::move(opened).value();
    }
    Result<T> r = fn(*conn);
    if (!r.ok() && conn->broken()) {
      conn.reset();
      auto opened = OpenReader();
      if (!opened.ok()) {
        Release(nullptr);
        return r.status();  // the original error says more than a failed reconnect
      }
      conn = std::move(opened).value();
      r = fn(*conn);
    }
    Release(conn && !conn->broken() ? std::move(conn) : nullptr);
    return r;
  }

  Result<std::vector<Record>> ReadRecords(int stmt, const Params& p) {
    return WithReader<std::vector<Record>>([&](Connection& c) -> Result<std::vector<Record>> {
      ASSIGN_OR_RETURN(Rows r, c.Query(stmt, p));
      std::vector<Record> out;
      out.reserve(r.size());
      for (int i = 0; i < r.size(); ++i) out.push_back(ReadRecord(r, i));
      return out;
    });
  }

  // Returns a connection to the pool, or with null gives its slot up.
  void Release(std::unique_ptr<Connection> conn) {
    {
      MutexLock g(pool_mu_);
      if (conn) {
        idle_.push_back(std::move(conn));
      } else {
        --open_;
      }
    }
    pool_cv_.Signal();
  }

  const std::string conninfo_;
  PostgresStoreOptions options_;
  const std::string writer_init_, reader_init_, lease_init_;  // session settings (see WriterInit)

  // Runs fn on the queue connection (autocommit), replacing a lost connection first. No retry
  // after a failure: an INSERT or DELETE whose answer was lost may have committed, and doing it
  // again would queue an entry twice or lose a result (the caller reports Unavailable instead).
  template <typename T, typename Fn>
  Result<T> WithQueue(Fn fn) {
    MutexLock g(queue_mu_);
    if (!queue_ || queue_->broken()) {
      queue_.reset();
      ASSIGN_OR_RETURN(queue_, Connection::Open(conninfo_, kQueueStatements,
                                                /*pipelined=*/false, writer_init_.c_str(),
                                                AnswerTimeout(options_)));
    }
    return fn(*queue_);
  }

  Mutex queue_mu_;
  std::unique_ptr<Connection> queue_ DIPR_GUARDED_BY(queue_mu_);
  Mutex lease_mu_;
  std::unique_ptr<Connection> lease_ DIPR_GUARDED_BY(lease_mu_);  // the session holding the lease
  Mutex listener_mu_;
  std::unique_ptr<Listener> listener_ DIPR_GUARDED_BY(listener_mu_);
  // Not annotated: a WriteTx (a FollowerTx for follower_mu_) takes the lock into itself and holds
  // it for its whole life, across calls, which the analysis does not follow; the guarded
  // connection is touched only by the transaction that holds it.
  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by write_mu_
  // --- followers (issue 11) ---
  const std::string follower_init_ = FollowerInit(options_);
  std::mutex follower_mu_;
  std::unique_ptr<Connection> follower_;  // guarded by follower_mu_ (see write_mu_)

  Mutex pool_mu_;
  CondVar pool_cv_;
  std::vector<std::unique_ptr<Connection>> idle_ DIPR_GUARDED_BY(pool_mu_);
  size_t open_ DIPR_GUARDED_BY(pool_mu_) = 0;  // idle and in use
};

Result<int64_t> SchemaVersion(Connection& c) {
  ASSIGN_OR_RETURN(Rows r, c.Exec("SELECT COALESCE(MAX(version), 0)::text FROM schema_migrations"));
  if (r.size() != 1) return Internal("postgres: no schema version");
  return std::strtoll(r.Bytes(0, 0).c_str(), nullptr, 10);
}

// Runs in one transaction: DDL is transactional in PostgreSQL, so a failed migration leaves no
// trace, and the advisory lock (released at COMMIT or ROLLBACK) makes concurrent starters wait
// for the first and then find nothing left to do.
Status MigrateLocked(Connection& c, int64_t up_to) {
  RETURN_IF_ERROR(
      c.Exec(fmt::format("SELECT pg_advisory_xact_lock({})", kMigrationLockKey)).status());
  RETURN_IF_ERROR(c.Exec("CREATE TABLE IF NOT EXISTS schema_migrations("
                         "version integer PRIMARY KEY, applied bigint NOT NULL)")
                      .status());
  ASSIGN_OR_RETURN(int64_t version, SchemaVersion(c));
  const std::span<const MigrationSql> migrations = PostgresMigrationSql();
  const int64_t kLatest = migrations.size();
  if (version > kLatest) {
    return Internal(fmt::format(
        "database schema version {} is newer than this dipr ({}); upgrade dipr", version, kLatest));
  }
  for (int64_t v = version; v < std::min(kLatest, up_to); ++v) {
    const MigrationSql& m = migrations[v];
    RETURN_IF_ERROR(c.Exec(m.sql).status());
    if (auto backfill = BackfillOf(m.number)) RETURN_IF_ERROR(backfill(c));
    if (m.then) RETURN_IF_ERROR(c.Exec(m.then).status());
    RETURN_IF_ERROR(c.Exec(fmt::format("INSERT INTO schema_migrations(version, applied) VALUES({}, "
                                       "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint)",
                                       v + 1))
                        .status());
  }
  return Status::Ok();
}

// Runs the migrations after the database's version up to version up_to.
Status Migrate(Connection& c, int64_t up_to = PostgresMigrationSql().size()) {
  RETURN_IF_ERROR(c.Exec("BEGIN").status());
  Status st = MigrateLocked(c, up_to);
  if (st.ok()) st = c.Exec("COMMIT").status();
  if (!st.ok()) (void)c.Exec("ROLLBACK");
  return st;
}

// Search still finds the right rows in another locale, but pg_trgm then leaves Chinese
// characters out of its trigrams, and every Chinese search reads the whole table. Said once per
// open, on stderr: the store has no logger of its own.
void WarnUnlessUtf8Ctype(Connection& c) {
  auto rows = c.Exec("SHOW lc_ctype");
  if (!rows.ok() || rows->size() != 1) return;
  std::string ctype = rows->Bytes(0, 0);
  std::string lower;
  for (char ch : ctype) {
    if (ch != '-') lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  if (lower.find("utf8") != std::string::npos) return;
  std::fprintf(stderr,
               "dipr: warning: the PostgreSQL database's LC_CTYPE is %s, not a UTF-8 locale: "
               "searches for Chinese text cannot use their index (docs/DEPLOY.md)\n",
               ctype.c_str());
}

}  // namespace

Status MigratePostgresSchema(const std::string& conninfo, int version) {
  ASSIGN_OR_RETURN(auto c, Connection::Open(conninfo, {}, /*pipelined=*/false, nullptr));
  return Migrate(*c, version);
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& conninfo,
                                                 const PostgresStoreOptions& options) {
  {
    ASSIGN_OR_RETURN(auto admin, Connection::Open(conninfo, {}, /*pipelined=*/false, nullptr));
    RETURN_IF_ERROR(Migrate(*admin));
    WarnUnlessUtf8Ctype(*admin);
  }
  auto store = std::make_unique<PgStore>(conninfo, options);
  // Fail now rather than at the first read if the statements do not match the schema.
  RETURN_IF_ERROR(store->EntryCount().status());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace dipr::storage
