#include "storage/sqlite/sqlite_store.h"

#include <fmt/format.h>

#include <cstring>
#include <mutex>
#include <vector>

#include "common/bytes.h"
#include "common/hex.h"
#include "storage/sqlite/sqlite_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

namespace dipr::storage {
namespace {

using sqlite::Connection;
using sqlite::Statement;

// Schema migrations, applied in order; PRAGMA user_version records how many have run.
// Append only: never edit a migration that has shipped.
const char* const kMigrations[] = {
    R"sql(
    CREATE TABLE entries(idx INTEGER PRIMARY KEY, data BLOB NOT NULL);
    -- id = tile level << 56 | tile index
    CREATE TABLE tiles(id INTEGER PRIMARY KEY, data BLOB NOT NULL);
    CREATE TABLE tree_heads(size INTEGER PRIMARY KEY, root BLOB NOT NULL,
                            checkpoint TEXT NOT NULL);
    CREATE TABLE accounts(id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
                          created INTEGER NOT NULL, log_index INTEGER NOT NULL);
    CREATE TABLE credentials(token_hash BLOB PRIMARY KEY,
                             account_id TEXT NOT NULL REFERENCES accounts(id)) WITHOUT ROWID;
    CREATE TABLE deposits(idx INTEGER PRIMARY KEY, depositor TEXT NOT NULL,
                          digest BLOB NOT NULL, size INTEGER NOT NULL, title TEXT NOT NULL,
                          time INTEGER NOT NULL);
    CREATE UNIQUE INDEX deposits_by_depositor ON deposits(depositor, digest);
    CREATE INDEX deposits_by_digest ON deposits(digest, idx);
    )sql",
    R"sql(
    CREATE TABLE pending(id INTEGER PRIMARY KEY AUTOINCREMENT, entry BLOB NOT NULL,
                         sidecar BLOB NOT NULL);
    CREATE TABLE pending_results(id INTEGER PRIMARY KEY, idx INTEGER NOT NULL,
                                 code INTEGER NOT NULL, message TEXT NOT NULL);
    )sql",
};

int64_t TileKey(uint8_t level, uint64_t index) {
  return static_cast<int64_t>(static_cast<uint64_t>(level) << 56 | index);
}

Time FromMicros(int64_t us) { return Time(Micros(us)); }
int64_t ToMicros(Time t) { return t.time_since_epoch().count(); }

Account ReadAccount(Statement& s) {
  return Account{s.Text(0), s.Text(1), s.Text(2), FromMicros(s.Int(3)),
                 static_cast<uint64_t>(s.Int(4))};
}

DepositRecord ReadDeposit(Statement& s) {
  std::string digest = s.Blob(2);
  return DepositRecord{static_cast<uint64_t>(s.Int(0)),
                       s.Text(1),
                       HexEncode(AsBytes(digest)),
                       static_cast<uint64_t>(s.Int(3)),
                       s.Text(4),
                       FromMicros(s.Int(5))};
}

class SqliteStore;

class SqliteWriteTx final : public WriteTx {
 public:
  SqliteWriteTx(Connection& conn, std::unique_lock<std::mutex> lock, uint64_t entry_count,
                std::function<void(std::string_view)> dispatch)
      : conn_(conn),
        lock_(std::move(lock)),
        entry_count_(entry_count),
        dispatch_(std::move(dispatch)) {}
  ~SqliteWriteTx() override {
    if (!lock_.owns_lock()) return;  // committed, and the connection already passed on
    conn_.ResetActive();
    if (!done_) (void)conn_.Exec("ROLLBACK");
  }

  uint64_t EntryCount() const override { return entry_count_; }

  // SQLite answers in-process: every check is cheap, so none is deferred.
  void SetDeferredChecks(bool) override {}
  Status CheckDeferred() override { return Status::Ok(); }

  Status AppendEntry(uint64_t index, std::string_view data) override {
    if (index != entry_count_) {
      return index < entry_count_
                 ? Conflict(fmt::format("entry {} already exists", index))
                 : InvalidArgument(fmt::format("entry {} would leave a gap after entry {}", index,
                                               static_cast<int64_t>(entry_count_) - 1));
    }
    ASSIGN_OR_RETURN(Statement * s, conn_.Prepare("INSERT INTO entries(idx, data) VALUES(?, ?)"));
    RETURN_IF_ERROR(s->Bind(1, static_cast<int64_t>(index)).BindBlob(2, data).Run());
    ++entry_count_;
    return Status::Ok();
  }
  Status PutTile(uint8_t level, uint64_t index, std::string_view blob) override {
    ASSIGN_OR_RETURN(Statement * s,
                     conn_.Prepare("INSERT OR REPLACE INTO tiles(id, data) VALUES(?, ?)"));
    return s->Bind(1, TileKey(level, index)).BindBlob(2, blob).Run();
  }
  Status PutTreeHead(const TreeHead& head) override {
    ASSIGN_OR_RETURN(Statement * s, conn_.Prepare(
        "INSERT INTO tree_heads(size, root, checkpoint) VALUES(?, ?, ?)"));
    return s->Bind(1, static_cast<int64_t>(head.size))
        .BindBlob(2, crypto::HashChars(head.root))
        .Bind(3, head.checkpoint)
        .Run();
  }
  Status InsertAccount(const Account& a, const Hash& token_hash) override {
    RETURN_IF_ERROR(conn_.Exec("SAVEPOINT account"));
    Status st = InsertAccountRows(a, token_hash);
    RETURN_IF_ERROR(conn_.Exec(st.ok() ? "RELEASE account" : "ROLLBACK TO account"));
    return st;
  }
  Status InsertDeposit(const DepositRecord& d) override {
    ASSIGN_OR_RETURN(std::string digest, HexDecode(d.digest));
    ASSIGN_OR_RETURN(Statement * s, conn_.Prepare(
        "INSERT INTO deposits(idx, depositor, digest, size, title, time) "
        "VALUES(?, ?, ?, ?, ?, ?)"));
    return s->Bind(1, static_cast<int64_t>(d.index))
        .Bind(2, d.depositor)
        .BindBlob(3, digest)
        .Bind(4, static_cast<int64_t>(d.size))
        .Bind(5, d.title)
        .Bind(6, ToMicros(d.time))
        .Run();
  }
  Result<std::vector<PendingEntry>> Pending(size_t limit) override {
    ASSIGN_OR_RETURN(Statement * s, conn_.Prepare(
        "SELECT id, entry, sidecar FROM pending ORDER BY id LIMIT ?"));
    s->Bind(1, static_cast<int64_t>(limit));
    std::vector<PendingEntry> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      out.push_back({static_cast<uint64_t>(s->Int(0)), s->Blob(1), s->Blob(2)});
    }
    s->Reset();
    return out;
  }
  Status Resolve(uint64_t id, const PendingResult& r) override {
    ASSIGN_OR_RETURN(Statement * del, conn_.Prepare("DELETE FROM pending WHERE id = ?"));
    RETURN_IF_ERROR(del->Bind(1, static_cast<int64_t>(id)).Run());
    ASSIGN_OR_RETURN(Statement * ins, conn_.Prepare(
        "INSERT INTO pending_results(id, idx, code, message) VALUES(?, ?, ?, ?)"));
    return ins->Bind(1, static_cast<int64_t>(id))
        .Bind(2, r.code == Code::kOk ? static_cast<int64_t>(r.index) : -1)
        .Bind(3, static_cast<int64_t>(r.code))
        .Bind(4, r.message)
        .Run();
  }
  void SignalOnCommit(std::string_view signal) override { signals_.emplace_back(signal); }

  Status Commit() override {
    done_ = true;
    conn_.ResetActive();
    Status st = conn_.Exec("COMMIT");
    if (!st.ok()) {
      (void)conn_.Exec("ROLLBACK");
      return st;
    }
    lock_.unlock();  // subscribers may read or write the store
    for (const auto& sig : signals_) dispatch_(sig);
    return st;
  }

 private:
  Status InsertAccountRows(const Account& a, const Hash& token_hash) {
    ASSIGN_OR_RETURN(Statement * s, conn_.Prepare(
        "INSERT INTO accounts(id, name, role, created, log_index) VALUES(?, ?, ?, ?, ?)"));
    RETURN_IF_ERROR(s->Bind(1, a.id)
                        .Bind(2, a.name)
                        .Bind(3, a.role)
                        .Bind(4, ToMicros(a.created))
                        .Bind(5, static_cast<int64_t>(a.log_index))
                        .Run());
    ASSIGN_OR_RETURN(Statement * c, conn_.Prepare(
        "INSERT INTO credentials(token_hash, account_id) VALUES(?, ?)"));
    return c->BindBlob(1, crypto::HashChars(token_hash)).Bind(2, a.id).Run();
  }

  Connection& conn_;
  std::unique_lock<std::mutex> lock_;
  uint64_t entry_count_;
  std::function<void(std::string_view)> dispatch_;
  std::vector<std::string> signals_;
  bool done_ = false;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, std::unique_ptr<Connection> writer)
      : path_(std::move(path)), writer_(std::move(writer)) {}

  Result<std::optional<TreeHead>> LatestTreeHead() override {
    return WithReader<std::optional<TreeHead>>([](Connection& c)
                                                   -> Result<std::optional<TreeHead>> {
      ASSIGN_OR_RETURN(Statement * s, c.Prepare(
          "SELECT size, root, checkpoint FROM tree_heads ORDER BY size DESC LIMIT 1"));
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return std::optional<TreeHead>();
      TreeHead h;
      h.size = static_cast<uint64_t>(s->Int(0));
      ASSIGN_OR_RETURN(h.root, HashFromBlob(s->Blob(1), "tree head root"));
      h.checkpoint = s->Text(2);
      return std::optional<TreeHead>(std::move(h));
    });
  }

  Result<std::vector<std::string>> ReadEntries(uint64_t start, uint64_t end) override {
    return WithReader<std::vector<std::string>>([&](Connection& c)
                                                    -> Result<std::vector<std::string>> {
      ASSIGN_OR_RETURN(Statement * s, c.Prepare(
          "SELECT idx, data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx"));
      s->Bind(1, static_cast<int64_t>(start)).Bind(2, static_cast<int64_t>(end));
      std::vector<std::string> out;
      while (true) {
        ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        if (static_cast<uint64_t>(s->Int(0)) != start + out.size()) break;
        out.push_back(s->Blob(1));
      }
      if (out.size() != end - start) {
        return NotFound(fmt::format("entry {} does not exist", start + out.size()));
      }
      return out;
    });
  }

  Result<uint64_t> EntryCount() override {
    return WithReader<uint64_t>([](Connection& c) -> Result<uint64_t> {
      ASSIGN_OR_RETURN(Statement * s, c.Prepare("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries"));
      ASSIGN_OR_RETURN(bool row, s->Step());
      return row ? static_cast<uint64_t>(s->Int(0)) : 0;
    });
  }

  Result<std::string> ReadTile(uint8_t level, uint64_t index) override {
    return WithReader<std::string>([&](Connection& c) -> Result<std::string> {
      ASSIGN_OR_RETURN(Statement * s, c.Prepare("SELECT data FROM tiles WHERE id = ?"));
      s->Bind(1, TileKey(level, index));
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return NotFound(fmt::format("tile {}/{} not found", level, index));
      return s->Blob(0);
    });
  }

  Result<std::optional<Account>> AccountByTokenHash(const Hash& token_hash) override {
    return WithReader<std::optional<Account>>([&](Connection& c)
                                                  -> Result<std::optional<Account>> {
      ASSIGN_OR_RETURN(Statement * s, c.Prepare(
          "SELECT a.id, a.name, a.role, a.created, a.log_index FROM credentials c "
          "JOIN accounts a ON a.id = c.account_id WHERE c.token_hash = ?"));
      s->BindBlob(1, crypto::HashChars(token_hash));
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return std::optional<Account>();
      return std::optional<Account>(ReadAccount(*s));
    });
  }

  Result<std::optional<Account>> AccountById(const std::string& id) override {
    return WithReader<std::optional<Account>>([&](Connection& c)
                                                  -> Result<std::optional<Account>> {
      ASSIGN_OR_RETURN(Statement * s, c.Prepare(
          "SELECT id, name, role, created, log_index FROM accounts WHERE id = ?"));
      s->Bind(1, id);
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return std::optional<Account>();
      return std::optional<Account>(ReadAccount(*s));
    });
  }

  Result<std::optional<Hash>> TokenHashOf(const std::string& account_id) override {
    return WithReader<std::optional<Hash>>([&](Connection& c) -> Result<std::optional<Hash>> {
      ASSIGN_OR_RETURN(Statement * s,
                       c.Prepare("SELECT token_hash FROM credentials WHERE account_id = ?"));
      s->Bind(1, account_id);
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return std::optional<Hash>();
      ASSIGN_OR_RETURN(Hash h, HashFromBlob(s->Blob(0), "token hash"));
      return std::optional<Hash>(h);
    });
  }

  Result<std::optional<DepositRecord>> DepositOf(const std::string& depositor,
                                                 const std::string& digest) override {
    ASSIGN_OR_RETURN(std::string raw, HexDecode(digest));
    return WithReader<std::optional<DepositRecord>>(
        [&](Connection& c) -> Result<std::optional<DepositRecord>> {
          ASSIGN_OR_RETURN(Statement * s, c.Prepare(
              "SELECT idx, depositor, digest, size, title, time FROM deposits "
              "WHERE depositor = ? AND digest = ?"));
          s->Bind(1, depositor).BindBlob(2, raw);
          ASSIGN_OR_RETURN(bool row, s->Step());
          if (!row) return std::optional<DepositRecord>();
          return std::optional<DepositRecord>(ReadDeposit(*s));
        });
  }

  Result<std::vector<DepositRecord>> DepositsByDigest(const std::string& digest,
                                                      size_t limit) override {
    ASSIGN_OR_RETURN(std::string raw, HexDecode(digest));
    return WithReader<std::vector<DepositRecord>>(
        [&](Connection& c) -> Result<std::vector<DepositRecord>> {
          ASSIGN_OR_RETURN(Statement * s, c.Prepare(
              "SELECT idx, depositor, digest, size, title, time FROM deposits "
              "WHERE digest = ? ORDER BY idx LIMIT ?"));
          s->BindBlob(1, raw).Bind(2, static_cast<int64_t>(limit));
          std::vector<DepositRecord> out;
          while (true) {
            ASSIGN_OR_RETURN(bool row, s->Step());
            if (!row) break;
            out.push_back(ReadDeposit(*s));
          }
          return out;
        });
  }

  Result<uint64_t> Enqueue(std::string_view entry, std::string_view sidecar) override {
    std::unique_lock<std::mutex> lock(write_mu_);
    ASSIGN_OR_RETURN(Statement * s,
                     writer_->Prepare("INSERT INTO pending(entry, sidecar) VALUES(?, ?)"));
    Status st = s->BindBlob(1, entry).BindBlob(2, sidecar).Run();
    writer_->ResetActive();
    RETURN_IF_ERROR(st);
    return static_cast<uint64_t>(sqlite3_last_insert_rowid(writer_->raw()));
  }

  Result<std::optional<PendingResult>> TakeResult(uint64_t id) override {
    std::unique_lock<std::mutex> lock(write_mu_);
    ASSIGN_OR_RETURN(Statement * s, writer_->Prepare(
        "DELETE FROM pending_results WHERE id = ? RETURNING idx, code, message"));
    s->Bind(1, static_cast<int64_t>(id));
    auto row = s->Step();
    std::optional<PendingResult> out;
    if (row.ok() && *row) {
      out = PendingResult{static_cast<Code>(s->Int(1)), static_cast<uint64_t>(s->Int(0)),
                          s->Text(2)};
      if (out->code != Code::kOk) out->index = 0;
      (void)s->Step();  // run the DELETE to completion
    }
    writer_->ResetActive();
    if (!row.ok()) return row.status();
    return out;
  }

  Result<std::unique_ptr<WriteTx>> BeginWrite() override {
    std::unique_lock<std::mutex> lock(write_mu_);
    // IMMEDIATE takes SQLite's write lock now, so another process waits (busy timeout) and the
    // count below is what this transaction builds on.
    RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE"));
    auto count = [&]() -> Result<uint64_t> {
      ASSIGN_OR_RETURN(Statement * s,
                       writer_->Prepare("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries"));
      ASSIGN_OR_RETURN(bool row, s->Step());
      uint64_t n = row ? static_cast<uint64_t>(s->Int(0)) : 0;
      writer_->ResetActive();
      return n;
    }();
    if (!count.ok()) {
      (void)writer_->Exec("ROLLBACK");
      return count.status();
    }
    return std::unique_ptr<WriteTx>(new SqliteWriteTx(
        *writer_, std::move(lock), *count, [this](std::string_view sig) { Dispatch(sig); }));
  }

  // One process per SQLite file, so signals stay in the process: subscribers are called on the
  // signalling thread.
  Status Subscribe(std::function<void(std::string_view)> on_signal) override {
    std::lock_guard<std::mutex> g(signal_mu_);
    subscriber_ = std::move(on_signal);
    return Status::Ok();
  }
  Status Signal(std::string_view signal) override {
    Dispatch(signal);
    return Status::Ok();
  }

  // The lease is an exclusive flock on DB-lease beside the database: it also keeps a second
  // process from sequencing the same file.
  Result<bool> TryAcquireLease() override {
    std::lock_guard<std::mutex> g(lease_mu_);
    if (lease_fd_ >= 0) return true;
    std::string path = path_ + "-lease";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Internal("cannot open " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      if (errno == EWOULDBLOCK) return false;
      return Internal("cannot lock " + path + ": " + std::strerror(errno));
    }
    lease_fd_ = fd;
    return true;
  }
  bool LeaseHeld() override {
    std::lock_guard<std::mutex> g(lease_mu_);
    return lease_fd_ >= 0;
  }
  ~SqliteStore() override {
    if (lease_fd_ >= 0) ::close(lease_fd_);
  }

 private:
  // Runs fn on a pooled read connection. The statement cache lives with the connection.
  template <typename T, typename Fn>
  Result<T> WithReader(Fn fn) {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard<std::mutex> g(pool_mu_);
      if (!pool_.empty()) {
        conn = std::move(pool_.back());
        pool_.pop_back();
      }
    }
    if (!conn) {
      auto opened = Connection::Open(path_, /*read_only=*/true);
      if (!opened.ok()) return opened.status();
      conn = std::move(opened).value();
      Status st = conn->Exec("PRAGMA cache_size=-8192;");
      if (!st.ok()) return st;
    }
    Result<T> r = fn(*conn);
    conn->ResetActive();
    std::lock_guard<std::mutex> g(pool_mu_);
    pool_.push_back(std::move(conn));
    return r;
  }

  void Dispatch(std::string_view sig) {
    std::function<void(std::string_view)> f;
    {
      std::lock_guard<std::mutex> g(signal_mu_);
      f = subscriber_;
    }
    if (f) f(sig);
  }

  std::string path_;
  std::mutex signal_mu_;
  std::function<void(std::string_view)> subscriber_;  // GUARDED_BY(signal_mu_)
  std::mutex lease_mu_;
  int lease_fd_ = -1;  // GUARDED_BY(lease_mu_)
  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;  // GUARDED_BY(write_mu_) while a WriteTx lives
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> pool_;  // GUARDED_BY(pool_mu_)
};

Status Migrate(Connection& c) {
  ASSIGN_OR_RETURN(Statement * s, c.Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(bool row, s->Step());
  int64_t version = row ? s->Int(0) : 0;
  s->Reset();
  constexpr int64_t kLatest = std::size(kMigrations);
  if (version > kLatest) {
    return Internal(fmt::format(
        "database schema version {} is newer than this dipr ({}); upgrade dipr", version, kLatest));
  }
  for (int64_t v = version; v < kLatest; ++v) {
    RETURN_IF_ERROR(c.Exec("BEGIN IMMEDIATE"));
    Status st = c.Exec(kMigrations[v]);
    if (st.ok()) st = c.Exec(fmt::format("PRAGMA user_version = {}", v + 1));
    if (!st.ok()) {
      (void)c.Exec("ROLLBACK");
      return st;
    }
    RETURN_IF_ERROR(c.Exec("COMMIT"));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  // SQLite's memory statistics take a process-wide mutex on every allocation, which serializes
  // every reader thread and the writer; dipr does not use them. Must precede sqlite3_initialize,
  // so it is done once, before the first connection of the process.
  static const int kConfigured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sqlite3_initialize();
  }();
  if (kConfigured != SQLITE_OK) return Internal("sqlite3_initialize failed");
  ASSIGN_OR_RETURN(auto writer, Connection::Open(path, /*read_only=*/false));
  // WAL: readers never block the writer; FULL: the WAL is fsync'd at every commit, so an
  // acknowledged write survives power loss, not only a process crash.
  RETURN_IF_ERROR(writer->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                               "PRAGMA foreign_keys=ON;"));
  RETURN_IF_ERROR(Migrate(*writer));
  return std::unique_ptr<Store>(new SqliteStore(path, std::move(writer)));
}

}  // namespace dipr::storage
