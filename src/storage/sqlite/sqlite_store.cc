#include "storage/sqlite/sqlite_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "common/bytes.h"
#include "common/hex.h"
#include "common/mutex.h"
#include "common/utf8.h"
#include "storage/grams.h"
#include "storage/migration_sql.h"
#include "storage/parties.h"
#include "storage/sqlite/sqlite_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

namespace dipr::storage {
namespace {

using sqlite::Connection;
using sqlite::Statement;

Status BackfillListingTerms(Connection& c);

// Schema migrations: the SQL of each is sqlite/migrations/NNNN_name.sql (migration_sql.h), in
// order; PRAGMA user_version records how many have run. Notes on some of them; 5 and 6 then fill
// what the SQL created from what is there already, which takes code SQL lacks (BackfillOf, in
// the migration's transaction):
//   3   the register. Times are microseconds since the epoch; text compares as bytes (BINARY).
//   5   the term index (storage/grams.h), filled for the listings already there.
//   6   lists in the order listings were put (rid), the status out of the term index, and the
//       counts of listings by status and industry (docs/FORMATS.md §8, "Search"). The listings
//       already there are numbered again in the order lists had (oldest first), and their
//       full-text indexes rebuilt.
//   9   followers (issue 11; log/follower.h).
Status (*BackfillOf(int migration))(Connection&) {
  switch (migration) {
    case 5:
    case 6:
      return BackfillListingTerms;
    default:
      return nullptr;
  }
}

int64_t TileKey(uint8_t level, uint64_t index) {
  return static_cast<int64_t>(static_cast<uint64_t>(level) << 56 | index);
}

Time FromMicros(int64_t us) { return Time(Micros(us)); }
int64_t ToMicros(Time t) { return t.time_since_epoch().count(); }

// The columns ReadAccount reads, in its order.
#define DIPR_ACCOUNT_COLUMNS "a.id, a.name, a.role, a.created, a.log_index, a.disabled"

Account ReadAccount(Statement& s) {
  return Account{
      s.Text(0),    s.Text(1), s.Text(2), FromMicros(s.Int(3)), static_cast<uint64_t>(s.Int(4)),
      s.Int(5) != 0};
}

std::optional<Time> OptionalTime(Statement& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return FromMicros(s.Int(col));
}

// The columns ReadRecord reads, in its order, of a query FROM records: the record's parties
// come with it (storage/parties.h), an index lookup in the same statement.
constexpr const char* kRecordColumns =
    "records.kind, records.id, records.owner, records.parent, records.status, records.number, "
    "records.due, records.due IS NULL, records.doc, records.version, "
    "(SELECT group_concat(rp.role || char(31) || rp.party, char(30)) FROM record_parties rp "
    "WHERE rp.kind = records.kind AND rp.record_id = records.id)";

Record ReadRecord(Statement& s) {
  Record r{s.Text(0),
           s.Text(1),
           s.Text(2),
           s.Text(3),
           s.Text(4),
           s.Text(5),
           std::nullopt,
           s.Text(8),
           static_cast<uint64_t>(s.Int(9)),
           DecodeParties(s.Text(10))};
  if (s.Int(7) == 0) r.due = FromMicros(s.Int(6));
  return r;
}

// SQLite's LIMIT and OFFSET are signed.
int64_t Clamp(size_t n) {
  return n > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(n);
}

// An FTS5 query for the rows of listings_fts whose `column` contains s ASCII-case-insensitively:
// a phrase (a string, so that s is literal) of the trigrams of s with its ASCII letters in lower
// case. REQUIRES: s has 3 characters or more (shorter strings have no trigram, and find nothing).
std::string TrigramPhrase(const char* column, std::string_view s) {
  std::string q = std::string(column) + " : \"";
  for (char ch : s) {
    if (ch == '"') q += '"';
    q += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
  }
  return q + "\"";
}

// A term of listings_terms as the token it is stored as: the tag letter, then the rest in hex.
std::string TermToken(std::string_view term) {
  return std::string(term.substr(0, 1)) + HexEncode(AsBytes(term.substr(1)));
}

// The document listings_terms holds for a listing: its terms' tokens, space-separated.
std::string TermsDocument(const Listing& l) {
  std::string doc;
  for (const std::string& term : ListingTerms(l)) {
    if (!doc.empty()) doc += ' ';
    doc += TermToken(term);
  }
  return doc;
}

// What a listing's terms are computed from, and its row id.
struct IndexedListing {
  int64_t rid = 0;
  Listing fields;  // text, holders, status and industry
};

// The listing's IndexedListing, if it is there.
Result<std::optional<IndexedListing>> FindIndexed(Connection& c, std::string_view application_id) {
  ASSIGN_OR_RETURN(
      Statement * s,
      c.Prepare(
          "SELECT rid, text, holders, status, industry FROM listings WHERE application_id = ?"));
  s->Bind(1, application_id);
  ASSIGN_OR_RETURN(bool row, s->Step());
  std::optional<IndexedListing> out;
  if (row) {
    out.emplace();
    out->rid = s->Int(0);
    out->fields.text = s->Text(1);
    out->fields.holders = s->Text(2);
    out->fields.status = s->Text(3);
    out->fields.industry = s->Text(4);
  }
  s->Reset();
  return out;
}

// Adds the listing's terms to listings_terms under rid, or with remove takes them out (which
// needs exactly the terms that were added: contentless FTS5 cannot look them up).
Status WriteTerms(Connection& c, int64_t rid, const Listing& l, bool remove) {
  ASSIGN_OR_RETURN(Statement * s,
                   c.Prepare(remove ? "INSERT INTO listings_terms(listings_terms, rowid, terms) "
                                      "VALUES('delete', ?, ?)"
                                    : "INSERT INTO listings_terms(rowid, terms) VALUES(?, ?)"));
  return s->Bind(1, rid).Bind(2, TermsDocument(l)).Run();
}

Status BackfillListingTerms(Connection& c) {
  ASSIGN_OR_RETURN(
      Statement * s,
      c.Prepare("SELECT rid, text, holders, status, industry FROM listings ORDER BY rid"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return Status::Ok();
    Listing l;
    l.text = s->Text(1);
    l.holders = s->Text(2);
    l.status = s->Text(3);
    l.industry = s->Text(4);
    RETURN_IF_ERROR(WriteTerms(c, s->Int(0), l, /*remove=*/false));
  }
}

// An FTS5 string: s, literally, as one phrase.
std::string Quoted(std::string_view s) {
  std::string q = "\"";
  for (char ch : s) {
    if (ch == '"') q += '"';
    q += ch;
  }
  return q + "\"";
}

// What a search by filters alone costs, relatively, a listing: read whole walking the table
// newest first; or found in listings_by_status and sorted by row id. Measured at 100,000
// listings (docs/PERFORMANCE.md): about 1 us and 0.3 us.
constexpr uint64_t kWalkRowCost = 10;
constexpr uint64_t kSortCost = 3;

// What a text search's status and industry filters cost, relatively, a listing: put in a set of
// row ids (from listings_by_status); or a match's row looked up by row id and checked. Measured
// at 100,000 listings: about 0.5 us and 1.5 us.
constexpr double kSetEntryCost = 1;
constexpr double kRowCheckCost = 3;

// The least string greater than every string that starts with prefix (byte order); nullopt
// when there is none (prefix is empty or all 0xff).
std::optional<std::string> PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<uint8_t>(end.back()) == 0xff) end.pop_back();
  if (end.empty()) return std::nullopt;
  end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
  return end;
}

DepositRecord ReadDeposit(Statement& s) {
  std::string digest = s.Blob(2);
  return DepositRecord{static_cast<uint64_t>(s.Int(0)), s.Text(1), HexEncode(AsBytes(digest)),
                       static_cast<uint64_t>(s.Int(3)), s.Text(4), FromMicros(s.Int(5))};
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
    ASSIGN_OR_RETURN(
        Statement * s,
        conn_.Prepare("INSERT INTO tree_heads(size, root, checkpoint) VALUES(?, ?, ?)"));
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
  Status SetAccountDisabled(std::string_view account_id, bool disabled) override {
    ASSIGN_OR_RETURN(Statement * s, conn_.Prepare("UPDATE accounts SET disabled = ? WHERE id = ?"));
    RETURN_IF_ERROR(s->Bind(1, int64_t{disabled}).Bind(2, account_id).Run());
    if (conn_.Changes() != 1) return NotFound(fmt::format("no account {}", account_id));
    return Status::Ok();
  }
  Status AddCredential(std::string_view account_id, const Credential& c) override {
    ASSIGN_OR_RETURN(
        Statement * s,
        conn_.Prepare("INSERT INTO credentials(token_hash, account_id, expires) VALUES(?, ?, ?)"));
    s->BindBlob(1, crypto::HashChars(c.token_hash)).Bind(2, account_id);
    if (c.expires) {
      s->Bind(3, ToMicros(*c.expires));
    } else {
      s->BindNull(3);
    }
    return s->Run();
  }
  Status LimitCredentials(std::string_view account_id, const Hash& keep,
                          std::optional<Time> until) override {
    if (!until) {
      ASSIGN_OR_RETURN(
          Statement * s,
          conn_.Prepare("DELETE FROM credentials WHERE account_id = ? AND token_hash <> ?"));
      return s->Bind(1, account_id).BindBlob(2, crypto::HashChars(keep)).Run();
    }
    ASSIGN_OR_RETURN(
        Statement * s,
        conn_.Prepare("UPDATE credentials SET expires = min(coalesce(expires, ?1), ?1) "
                      "WHERE account_id = ?2 AND token_hash <> ?3"));
    return s->Bind(1, ToMicros(*until))
        .Bind(2, account_id)
        .BindBlob(3, crypto::HashChars(keep))
        .Run();
  }
  Status InsertDeposit(const DepositRecord& d) override {
    ASSIGN_OR_RETURN(std::string digest, HexDecode(d.digest));
    ASSIGN_OR_RETURN(
        Statement * s,
        conn_.Prepare("INSERT INTO deposits(idx, depositor, digest, size, title, time) "
                      "VALUES(?, ?, ?, ?, ?, ?)"));
    return s->Bind(1, static_cast<int64_t>(d.index))
        .Bind(2, d.depositor)
        .BindBlob(3, digest)
        .Bind(4, static_cast<int64_t>(d.size))
        .Bind(5, d.title)
        .Bind(6, ToMicros(d.time))
        .Run();
  }
  Result<std::optional<Account>> GetAccount(std::string_view account_id) override {
    ASSIGN_OR_RETURN(Statement * s, conn_.Prepare("SELECT " DIPR_ACCOUNT_COLUMNS
                                                  " FROM accounts a WHERE a.id = ?"));
    s->Bind(1, account_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    std::optional<Account> out;
    if (row) out = ReadAccount(*s);
    s->Reset();
    return out;
  }
  Result<std::optional<Record>> GetRecord(std::string_view kind, std::string_view id) override {
    ASSIGN_OR_RETURN(Statement * s,
                     conn_.Prepare(fmt::format("SELECT {} FROM records WHERE kind = ? AND id = ?",
                                               kRecordColumns)));
    s->Bind(1, kind).Bind(2, id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    std::optional<Record> out;
    if (row) out = ReadRecord(*s);
    s->Reset();
    return out;
  }
  Status PutRecord(const Record& r) override {
    RETURN_IF_ERROR(CheckParties(r.parties));
    ASSIGN_OR_RETURN(
        Statement * s,
        conn_.Prepare(
            "INSERT INTO records(kind, id, owner, parent, status, number, due, doc, version) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET "
            "owner = excluded.owner, parent = excluded.parent, status = excluded.status, "
            "number = excluded.number, due = excluded.due, doc = excluded.doc, "
            "version = excluded.version"));
    s->Bind(1, r.kind).Bind(2, r.id).Bind(3, r.owner).Bind(4, r.parent).Bind(5, r.status);
    s->Bind(6, r.number).Bind(8, r.doc).Bind(9, static_cast<int64_t>(r.version));
    if (r.due) s->Bind(7, ToMicros(*r.due));  // else NULL: bindings start out NULL
    RETURN_IF_ERROR(s->Run());
    return PutParties(r.kind, r.id, PartySet(r.parties));
  }
  // Replaces the parties of record (kind, id) by `parties` (a PartySet). Most changes of a record
  // leave its parties as they were: then it only reads them (in-process, from the page cache).
  Status PutParties(std::string_view kind, std::string_view id, const std::vector<Party>& parties) {
    ASSIGN_OR_RETURN(
        Statement * s,
        conn_.Prepare("SELECT role, party FROM record_parties WHERE kind = ? AND record_id = ?"));
    s->Bind(1, kind).Bind(2, id);
    std::vector<Party> stored;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      stored.push_back(Party{s->Text(0), s->Text(1)});
    }
    s->Reset();
    if (PartySet(std::move(stored)) == parties) return Status::Ok();
    ASSIGN_OR_RETURN(Statement * del,
                     conn_.Prepare("DELETE FROM record_parties WHERE kind = ? AND record_id = ?"));
    del->Bind(1, kind).Bind(2, id);
    RETURN_IF_ERROR(del->Run());
    for (const Party& p : parties) {
      ASSIGN_OR_RETURN(
          Statement * ins,
          conn_.Prepare(
              "INSERT INTO record_parties(kind, record_id, role, party) VALUES(?, ?, ?, ?)"));
      ins->Bind(1, kind).Bind(2, id).Bind(3, p.role).Bind(4, p.id);
      RETURN_IF_ERROR(ins->Run());
    }
    return Status::Ok();
  }

  // No savepoint around the statements of these two (they cannot conflict, and any other
  // failure ends the transaction): a savepoint makes both full-text tables write out what they
  // hold in memory, a segment per listing, which made a batch of listings twice as slow.
  Status PutListing(const Listing& l) override {
    ASSIGN_OR_RETURN(std::optional<IndexedListing> old, FindIndexed(conn_, l.application_id));
    // An upsert rather than INSERT OR REPLACE: REPLACE deletes without firing the delete
    // trigger, which would leave the old text in the full-text index; and the row keeps its rid,
    // which is its place in lists.
    ASSIGN_OR_RETURN(
        Statement * s,
        conn_.Prepare(
            "INSERT INTO listings(application_id, number, status, industry, holders, text, item) "
            "VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT (application_id) DO UPDATE SET "
            "number = excluded.number, status = excluded.status, industry = excluded.industry, "
            "holders = excluded.holders, text = excluded.text, item = excluded.item RETURNING "
            "rid"));
    s->Bind(1, l.application_id)
        .Bind(2, l.number)
        .Bind(3, l.status)
        .Bind(4, l.industry)
        .Bind(5, l.holders)
        .Bind(6, l.text)
        .Bind(7, l.item);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return Internal("sqlite: a listing upsert returned no row id");
    int64_t rid = s->Int(0);
    s->Reset();
    if (!old) {
      RETURN_IF_ERROR(AddToCount(l, 1));
      return WriteTerms(conn_, rid, l, /*remove=*/false);
    }
    const Listing& o = old->fields;
    if (o.status != l.status || o.industry != l.industry) {
      RETURN_IF_ERROR(AddToCount(o, -1));
      RETURN_IF_ERROR(AddToCount(l, 1));
    }
    if (o.text == l.text && o.holders == l.holders && o.industry == l.industry) {
      return Status::Ok();  // the same terms
    }
    RETURN_IF_ERROR(WriteTerms(conn_, rid, o, /*remove=*/true));
    return WriteTerms(conn_, rid, l, /*remove=*/false);
  }

  Status RemoveListing(std::string_view application_id) override {
    ASSIGN_OR_RETURN(std::optional<IndexedListing> old, FindIndexed(conn_, application_id));
    if (!old) return Status::Ok();
    RETURN_IF_ERROR(WriteTerms(conn_, old->rid, old->fields, /*remove=*/true));
    RETURN_IF_ERROR(AddToCount(old->fields, -1));
    ASSIGN_OR_RETURN(Statement * s, conn_.Prepare("DELETE FROM listings WHERE rid = ?"));
    return s->Bind(1, old->rid).Run();
  }

  Status ClaimNumber(std::string_view number, std::string_view record_id) override {
    ASSIGN_OR_RETURN(Statement * s,
                     conn_.Prepare("INSERT INTO numbers(number, record_id) VALUES(?, ?)"));
    // A constraint violation undoes this statement only; the transaction goes on.
    Status st = s->Bind(1, number).Bind(2, record_id).Run();
    if (st.code() == Code::kConflict) {
      return Conflict(fmt::format("number {} is already claimed", number));
    }
    return st;
  }
  Result<bool> NumberClaimed(std::string_view number) override {
    ASSIGN_OR_RETURN(Statement * s, conn_.Prepare("SELECT 1 FROM numbers WHERE number = ?"));
    s->Bind(1, number);
    ASSIGN_OR_RETURN(bool row, s->Step());
    s->Reset();
    return row;
  }
  Status PutSidecar(uint64_t index, std::string_view data) override {
    ASSIGN_OR_RETURN(Statement * s,
                     conn_.Prepare("INSERT OR REPLACE INTO sidecars(idx, data) VALUES(?, ?)"));
    return s->Bind(1, static_cast<int64_t>(index)).BindBlob(2, data).Run();
  }

  Result<std::vector<PendingEntry>> Pending(size_t limit) override {
    ASSIGN_OR_RETURN(Statement * s,
                     conn_.Prepare("SELECT id, entry, sidecar FROM pending ORDER BY id LIMIT ?"));
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
    ASSIGN_OR_RETURN(
        Statement * ins,
        conn_.Prepare("INSERT INTO pending_results(id, idx, code, message) VALUES(?, ?, ?, ?)"));
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

  // --- tree heads gaining signatures (issue 11) ---
  Status AddTreeHeadSignatures(uint64_t size, std::string_view checkpoint) override {
    ASSIGN_OR_RETURN(Statement * s,
                     conn_.Prepare("SELECT checkpoint FROM tree_heads WHERE size = ?"));
    s->Bind(1, static_cast<int64_t>(size));
    ASSIGN_OR_RETURN(bool row, s->Step());
    std::string stored = row ? s->Text(0) : std::string();
    s->Reset();
    if (!row) return NotFound(fmt::format("no tree head of size {}", size));
    RETURN_IF_ERROR(CheckNoteExtends(stored, checkpoint));
    ASSIGN_OR_RETURN(Statement * u,
                     conn_.Prepare("UPDATE tree_heads SET checkpoint = ? WHERE size = ?"));
    return u->Bind(1, checkpoint).Bind(2, static_cast<int64_t>(size)).Run();
  }

 private:
  Status InsertAccountRows(const Account& a, const Hash& token_hash) {
    ASSIGN_OR_RETURN(
        Statement * s,
        conn_.Prepare(
            "INSERT INTO accounts(id, name, role, created, log_index) VALUES(?, ?, ?, ?, ?)"));
    RETURN_IF_ERROR(s->Bind(1, a.id)
                        .Bind(2, a.name)
                        .Bind(3, a.role)
                        .Bind(4, ToMicros(a.created))
                        .Bind(5, static_cast<int64_t>(a.log_index))
                        .Run());
    ASSIGN_OR_RETURN(Statement * c,
                     conn_.Prepare("INSERT INTO credentials(token_hash, account_id) VALUES(?, ?)"));
    return c->BindBlob(1, crypto::HashChars(token_hash)).Bind(2, a.id).Run();
  }
  // Adds delta to the count of listings with l's status and industry.
  Status AddToCount(const Listing& l, int64_t delta) {
    ASSIGN_OR_RETURN(
        Statement * s,
        conn_.Prepare("INSERT INTO listing_counts(status, industry, n) VALUES(?, ?, ?) "
                      "ON CONFLICT (status, industry) DO UPDATE SET n = n + excluded.n"));
    return s->Bind(1, l.status).Bind(2, l.industry).Bind(3, delta).Run();
  }

  Connection& conn_;
  std::unique_lock<std::mutex> lock_;
  uint64_t entry_count_;
  std::function<void(std::string_view)> dispatch_;
  std::vector<std::string> signals_;
  bool done_ = false;
};

// --- followers (issue 11) ---

// Holds the writer's mutex while it lives, as a WriteTx does (one writer per SQLite file), and
// the follower connection (SqliteStore::BeginFollower). Not thread-safe.
class SqliteFollowerTx final : public FollowerTx {
 public:
  SqliteFollowerTx(Connection& conn, std::unique_lock<std::mutex> lock, std::string name,
                   uint64_t from)
      : conn_(conn), lock_(std::move(lock)), name_(std::move(name)), from_(from) {}
  ~SqliteFollowerTx() override {
    if (!lock_.owns_lock()) return;
    conn_.ResetActive();
    if (!done_) (void)conn_.Exec("ROLLBACK");
  }

  Result<int64_t> Counter(std::string_view key) override {
    ASSIGN_OR_RETURN(Statement * s, conn_.Prepare("SELECT value FROM counters WHERE key = ?"));
    s->Bind(1, key);
    ASSIGN_OR_RETURN(bool row, s->Step());
    int64_t v = row ? s->Int(0) : 0;
    s->Reset();
    return v;
  }
  Status AddToCounter(std::string_view key, int64_t delta) override {
    ASSIGN_OR_RETURN(
        Statement * s,
        conn_.Prepare("INSERT INTO counters(key, value) VALUES(?, ?) "
                      "ON CONFLICT (key) DO UPDATE SET value = value + excluded.value"));
    return s->Bind(1, key).Bind(2, delta).Run();
  }
  Status SetCounter(std::string_view key, int64_t value) override {
    ASSIGN_OR_RETURN(Statement * s,
                     conn_.Prepare("INSERT OR REPLACE INTO counters(key, value) VALUES(?, ?)"));
    return s->Bind(1, key).Bind(2, value).Run();
  }
  Status Commit(uint64_t to) override {
    done_ = true;
    // The cursor was read in this transaction (BeginFollower), which no other writer can
    // interleave with: the compare-and-set holds by construction, and is checked anyway.
    auto st = [&]() -> Status {
      ASSIGN_OR_RETURN(
          Statement * s,
          conn_.Prepare(
              "INSERT INTO follower_cursors(name, position) VALUES(?1, ?3) ON CONFLICT (name) "
              "DO UPDATE SET position = excluded.position WHERE position = ?2"));
      RETURN_IF_ERROR(s->Bind(1, name_)
                          .Bind(2, static_cast<int64_t>(from_))
                          .Bind(3, static_cast<int64_t>(to))
                          .Run());
      if (conn_.Changes() != 1) return Conflict("the follower's cursor moved");
      conn_.ResetActive();
      return conn_.Exec("COMMIT");
    }();
    if (!st.ok()) (void)conn_.Exec("ROLLBACK");
    lock_.unlock();
    return st;
  }

 private:
  Connection& conn_;
  std::unique_lock<std::mutex> lock_;
  std::string name_;
  uint64_t from_;
  bool done_ = false;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, std::unique_ptr<Connection> writer)
      : path_(std::move(path)), writer_(std::move(writer)) {}

  Result<std::optional<TreeHead>> LatestTreeHead() override {
    return WithReader<std::optional<TreeHead>>([](Connection& c)
                                                   -> Result<std::optional<TreeHead>> {
      ASSIGN_OR_RETURN(
          Statement * s,
          c.Prepare("SELECT size, root, checkpoint FROM tree_heads ORDER BY size DESC LIMIT 1"));
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
    return WithReader<std::vector<std::string>>(
        [&](Connection& c) -> Result<std::vector<std::string>> {
          ASSIGN_OR_RETURN(
              Statement * s,
              c.Prepare("SELECT idx, data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx"));
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

  Result<std::optional<TokenAccount>> AccountByTokenHash(const Hash& token_hash) override {
    return WithReader<std::optional<TokenAccount>>(
        [&](Connection& c) -> Result<std::optional<TokenAccount>> {
          ASSIGN_OR_RETURN(
              Statement * s,
              c.Prepare("SELECT " DIPR_ACCOUNT_COLUMNS ", c.expires FROM credentials c "
                        "JOIN accounts a ON a.id = c.account_id WHERE c.token_hash = ?"));
          s->BindBlob(1, crypto::HashChars(token_hash));
          ASSIGN_OR_RETURN(bool row, s->Step());
          if (!row) return std::optional<TokenAccount>();
          TokenAccount t{ReadAccount(*s), OptionalTime(*s, 6)};
          return std::optional<TokenAccount>(std::move(t));
        });
  }

  Result<std::optional<Account>> AccountById(const std::string& id) override {
    return WithReader<std::optional<Account>>([&](Connection& c) -> Result<std::optional<Account>> {
      ASSIGN_OR_RETURN(Statement * s,
                       c.Prepare("SELECT " DIPR_ACCOUNT_COLUMNS " FROM accounts a WHERE a.id = ?"));
      s->Bind(1, id);
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return std::optional<Account>();
      return std::optional<Account>(ReadAccount(*s));
    });
  }

  Result<std::vector<Credential>> CredentialsOf(const std::string& account_id) override {
    return WithReader<std::vector<Credential>>(
        [&](Connection& c) -> Result<std::vector<Credential>> {
          ASSIGN_OR_RETURN(Statement * s, c.Prepare("SELECT token_hash, expires FROM credentials "
                                                    "WHERE account_id = ? ORDER BY token_hash"));
          s->Bind(1, account_id);
          std::vector<Credential> out;
          for (;;) {
            ASSIGN_OR_RETURN(bool row, s->Step());
            if (!row) break;
            ASSIGN_OR_RETURN(Hash h, HashFromBlob(s->Blob(0), "token hash"));
            out.push_back(Credential{h, OptionalTime(*s, 1)});
          }
          return out;
        });
  }

  Result<std::vector<Account>> ListAccounts(std::string_view role, size_t offset,
                                            size_t limit) override {
    return WithReader<std::vector<Account>>([&](Connection& c) -> Result<std::vector<Account>> {
      ASSIGN_OR_RETURN(Statement * s, c.Prepare("SELECT " DIPR_ACCOUNT_COLUMNS
                                                " FROM accounts a WHERE ?1 = '' OR a.role = ?1 "
                                                "ORDER BY a.log_index LIMIT ?2 OFFSET ?3"));
      s->Bind(1, role).Bind(2, static_cast<int64_t>(limit)).Bind(3, static_cast<int64_t>(offset));
      std::vector<Account> out;
      for (;;) {
        ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadAccount(*s));
      }
      return out;
    });
  }

  Result<std::optional<DepositRecord>> DepositOf(const std::string& depositor,
                                                 const std::string& digest) override {
    ASSIGN_OR_RETURN(std::string raw, HexDecode(digest));
    return WithReader<std::optional<DepositRecord>>(
        [&](Connection& c) -> Result<std::optional<DepositRecord>> {
          ASSIGN_OR_RETURN(
              Statement * s,
              c.Prepare("SELECT idx, depositor, digest, size, title, time FROM deposits "
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
          ASSIGN_OR_RETURN(
              Statement * s,
              c.Prepare("SELECT idx, depositor, digest, size, title, time FROM deposits "
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

  Result<std::optional<Record>> RecordById(std::string_view kind, std::string_view id) override {
    return WithReader<std::optional<Record>>([&](Connection& c) -> Result<std::optional<Record>> {
      ASSIGN_OR_RETURN(Statement * s,
                       c.Prepare(fmt::format("SELECT {} FROM records WHERE kind = ? AND id = ?",
                                             kRecordColumns)));
      s->Bind(1, kind).Bind(2, id);
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return std::optional<Record>();
      return std::optional<Record>(ReadRecord(*s));
    });
  }

  Result<std::optional<Record>> RecordByNumber(std::string_view number) override {
    if (number.empty()) return std::optional<Record>();
    return WithReader<std::optional<Record>>([&](Connection& c) -> Result<std::optional<Record>> {
      // "number <> ''" lets the planner use the partial index records_by_number.
      ASSIGN_OR_RETURN(
          Statement * s,
          c.Prepare(fmt::format(
              "SELECT {} FROM records WHERE number = ? AND number <> '' ORDER BY kind, id LIMIT 1",
              kRecordColumns)));
      s->Bind(1, number);
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return std::optional<Record>();
      return std::optional<Record>(ReadRecord(*s));
    });
  }

  Result<std::vector<Record>> RecordsByOwner(std::string_view kind, std::string_view owner,
                                             size_t offset, size_t limit) override {
    return ReadRecords(
        fmt::format("SELECT {} FROM records WHERE kind = ? AND owner = ? "
                    "ORDER BY version DESC, id LIMIT ? OFFSET ?",
                    kRecordColumns),
        [&](Statement& s) {
          s.Bind(1, kind).Bind(2, owner).Bind(3, Clamp(limit)).Bind(4, Clamp(offset));
        });
  }

  Result<std::vector<Record>> RecordsByParty(std::string_view kind, std::string_view role,
                                             std::string_view party, size_t offset,
                                             size_t limit) override {
    return ReadRecords(
        fmt::format("SELECT {} FROM record_parties p JOIN records ON records.kind = p.kind AND "
                    "records.id = p.record_id WHERE p.kind = ? AND p.role = ? AND p.party = ? "
                    "ORDER BY records.version DESC, records.id LIMIT ? OFFSET ?",
                    kRecordColumns),
        [&](Statement& s) {
          s.Bind(1, kind).Bind(2, role).Bind(3, party).Bind(4, Clamp(limit)).Bind(5, Clamp(offset));
        });
  }

  Result<std::vector<Record>> RecordsByStatus(std::string_view kind, std::string_view status,
                                              size_t offset, size_t limit) override {
    return ReadRecords(
        fmt::format("SELECT {} FROM records WHERE kind = ? AND status = ? "
                    "ORDER BY version, id LIMIT ? OFFSET ?",
                    kRecordColumns),
        [&](Statement& s) {
          s.Bind(1, kind).Bind(2, status).Bind(3, Clamp(limit)).Bind(4, Clamp(offset));
        });
  }

  Result<std::vector<std::pair<std::string, uint64_t>>> CountByStatus(
      std::string_view kind) override {
    using Counts = std::vector<std::pair<std::string, uint64_t>>;
    return WithReader<Counts>([&](Connection& c) -> Result<Counts> {
      ASSIGN_OR_RETURN(Statement * s, c.Prepare("SELECT status, count(*) FROM records WHERE "
                                                "kind = ? GROUP BY status ORDER BY status"));
      s->Bind(1, kind);
      Counts out;
      while (true) {
        ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.emplace_back(s->Text(0), static_cast<uint64_t>(s->Int(1)));
      }
      return out;
    });
  }

  Result<std::vector<Record>> RecordsByParent(std::string_view kind,
                                              std::string_view parent) override {
    return ReadRecords(
        fmt::format("SELECT {} FROM records WHERE kind = ? AND parent = ? ORDER BY id",
                    kRecordColumns),
        [&](Statement& s) { s.Bind(1, kind).Bind(2, parent); });
  }

  Result<std::vector<Record>> RecordsDue(Time until, size_t limit) override {
    return ReadRecords(fmt::format("SELECT {} FROM records WHERE due IS NOT NULL AND due <= ? "
                                   "ORDER BY due, kind, id LIMIT ?",
                                   kRecordColumns),
                       [&](Statement& s) { s.Bind(1, ToMicros(until)).Bind(2, Clamp(limit)); });
  }

  Result<ListingPage> SearchListings(const ListingQuery& q) override {
    // docs/FORMATS.md §8, "Search". Row ids are the order of lists, so a text or holder query is
    // answered by reading a full-text index newest first and stopping when the page is full:
    // listings_fts (trigrams) for 3 characters or more, listings_terms for 1-2 (and the
    // industry); its matches are counted up to q.count_limit. Its status (and industry) filter
    // is either a set of row ids from listings_by_status — the listings in the statuses asked
    // for, or those in the others, whichever listing_counts says is smaller (the public asks for
    // all but the rare in_notice and refused) — or a check of each match's row, whichever costs
    // less. Filters alone read listings, and are counted from listing_counts.
    if (!IsValidUtf8(q.text) || !IsValidUtf8(q.holder)) {
      return InvalidArgument("a search text must be UTF-8");
    }
    std::string trigrams, terms;  // FTS5 queries of listings_fts and listings_terms
    auto and_to = [](std::string& set, const std::string& expr) {
      set += (set.empty() ? "" : " AND ") + expr;
    };
    auto contains = [&](const char* column, char tag, const std::string& s) {
      if (s.empty()) return;
      if (IsGramQuery(s)) {
        and_to(terms, Quoted(TermToken(Term(tag, FoldAsciiCase(s)))));
      } else {
        and_to(trigrams, TrigramPhrase(column, s));  // 3 characters or more
      }
    };
    contains("text", kTextTag, q.text);
    contains("holders", kHolderTag, q.holder);
    bool text_query = !trigrams.empty() || !terms.empty();
    // The industry filter of a text query with terms goes into the terms' query.
    bool industry_in_terms = !q.industry.empty() && !terms.empty();
    if (industry_in_terms) and_to(terms, Quoted(TermToken(Term(kIndustryTag, q.industry))));
    int64_t cap = static_cast<int64_t>(std::min<uint64_t>(q.count_limit, INT64_MAX - 1));

    return WithReader<ListingPage>([&](Connection& c) -> Result<ListingPage> {
      // One read transaction, so that the counts, the total and the page agree.
      RETURN_IF_ERROR(c.Exec("BEGIN"));
      auto page = [&]() -> Result<ListingPage> {
        ListingPage out;
        // The counts (a row per status and industry there is: a few hundred at most).
        std::map<std::string, uint64_t> by_status;    // of every industry
        std::map<std::string, uint64_t> in_industry;  // of q.industry
        uint64_t listed = 0, industry_listed = 0;     // all listings, q.industry's
        {
          ASSIGN_OR_RETURN(Statement * s,
                           c.Prepare("SELECT status, industry, n FROM listing_counts WHERE n > 0"));
          while (true) {
            ASSIGN_OR_RETURN(bool row, s->Step());
            if (!row) break;
            auto n = static_cast<uint64_t>(s->Int(2));
            by_status[s->Text(0)] += n;
            if (s->Text(1) == q.industry) {
              in_industry[s->Text(0)] += n;
              industry_listed += n;
            }
            listed += n;
          }
        }
        auto asked = [&](const std::string& status) {
          return q.statuses.empty() ||
                 std::find(q.statuses.begin(), q.statuses.end(), status) != q.statuses.end();
        };
        std::vector<std::string> wanted, others;  // the statuses there are, asked for or not
        uint64_t n_wanted = 0, n_others = 0, n_found = 0;  // n_found: of q.industry if any
        for (const auto& [status, n] : by_status) {
          (asked(status) ? wanted : others).push_back(status);
          (asked(status) ? n_wanted : n_others) += n;
          if (asked(status)) n_found += q.industry.empty() ? n : in_industry[status];
        }
        if (n_found == 0) return out;

        std::string sql;
        std::vector<std::string> args;
        auto in_list = [&](const std::vector<std::string>& values) {
          std::string list = "(";
          for (size_t i = 0; i < values.size(); ++i) {
            list += i ? ", ?" : "?";
            args.push_back(values[i]);
          }
          return list + ")";
        };
        std::string order = " ORDER BY rid DESC";
        if (text_query) {
          const char* table = trigrams.empty() ? "listings_terms" : "listings_fts";
          order = fmt::format(" ORDER BY {}.rowid DESC", table);
          // The status and industry filters either as a set of row ids made once, or by a look
          // at each match's row, whichever costs less: the set has `set_size` listings; a page
          // and a count look at about count_limit + 1 + the page's end matches, of which
          // `n_found / matched_from` pass (a match is any listing, or one of the industry's
          // when the industry is among the terms).
          bool by_industry = !q.industry.empty() && !industry_in_terms;
          bool by_status = !others.empty();
          uint64_t set_size = by_industry ? n_found : std::min(n_wanted, n_others);
          uint64_t matched_from = industry_in_terms ? industry_listed : listed;
          double looked = static_cast<double>(cap + 1 + q.offset + q.limit) *
                          static_cast<double>(matched_from) / static_cast<double>(n_found);
          bool check_rows = (by_industry || by_status) &&
                            looked * kRowCheckCost < static_cast<double>(set_size) * kSetEntryCost;
          // CROSS JOIN: the full-text table is read first, newest first.
          sql = check_rows ? fmt::format(
                                 "SELECT {0}.rowid FROM {0} CROSS JOIN listings "
                                 "WHERE {0} MATCH ? AND listings.rid = {0}.rowid",
                                 table)
                           : fmt::format("SELECT {0}.rowid FROM {0} WHERE {0} MATCH ?", table);
          args.push_back(trigrams.empty() ? terms : trigrams);
          // "+rowid": the sets are made once and looked row ids up in, rather than each of
          // their row ids asked of the full-text table (a query each).
          std::string rowid = fmt::format(" AND +{}.rowid", table);
          if (!trigrams.empty() && !terms.empty()) {
            sql += rowid + " IN (SELECT rowid FROM listings_terms WHERE listings_terms MATCH ?)";
            args.push_back(terms);
          }
          if (check_rows) {
            if (by_status) sql += " AND listings.status IN " + in_list(wanted);
            if (by_industry) {
              sql += " AND listings.industry = ?";
              args.push_back(q.industry);
            }
          } else if (by_industry) {
            sql += rowid + " IN (SELECT rid FROM listings WHERE status IN " + in_list(wanted) +
                   " AND industry = ?)";
            args.push_back(q.industry);
          } else if (by_status) {
            sql += n_others <= n_wanted
                       ? rowid + " NOT IN (SELECT rid FROM listings WHERE status IN " +
                             in_list(others) + ")"
                       : rowid + " IN (SELECT rid FROM listings WHERE status IN " +
                             in_list(wanted) + ")";
          }
        } else {
          // Walking the list newest first (the industry's, through listings_by_industry, when
          // there is one) passes about `walked / n_found` rows for each one found, each read
          // whole; listings_by_status finds exactly the n_found, which are then sorted.
          uint64_t walked = q.industry.empty() ? listed : industry_listed;
          uint64_t page_end = q.offset + q.limit;
          bool walk = page_end * (walked / n_found) * kWalkRowCost <= n_found * kSortCost;
          sql = std::string("SELECT rid FROM listings ") +
                (!walk                ? "INDEXED BY listings_by_status"
                 : q.industry.empty() ? "NOT INDEXED"
                                      : "INDEXED BY listings_by_industry") +
                " WHERE 1";
          // Through listings_by_status always with the statuses (every status there is, when
          // any will do): its first column is the status.
          if (!walk || !others.empty()) sql += " AND status IN " + in_list(wanted);
          if (!q.industry.empty()) {
            sql += " AND industry = ?";
            args.push_back(q.industry);
          }
        }
        auto prepare = [&](const std::string& text) -> Result<Statement*> {
          ASSIGN_OR_RETURN(Statement * s, c.Prepare(text));
          int i = 1;
          for (const auto& a : args) s->Bind(i++, a);
          return s;
        };

        if (text_query) {
          ASSIGN_OR_RETURN(Statement * s, prepare("SELECT count(*) FROM (" + sql + " LIMIT ?)"));
          s->Bind(static_cast<int>(args.size()) + 1, cap + 1);
          ASSIGN_OR_RETURN(bool row, s->Step());
          out.total = row ? static_cast<uint64_t>(s->Int(0)) : 0;
          s->Reset();
          if (out.total > static_cast<uint64_t>(cap)) {
            out.total = static_cast<uint64_t>(cap);
            out.total_exact = false;
          }
        } else {
          out.total = n_found;
        }
        if (q.limit == 0 || (out.total_exact && q.offset >= out.total)) return out;

        ASSIGN_OR_RETURN(Statement * s, prepare(sql + order + " LIMIT ? OFFSET ?"));
        int i = static_cast<int>(args.size()) + 1;
        s->Bind(i, Clamp(q.limit)).Bind(i + 1, Clamp(q.offset));
        std::vector<int64_t> rids;
        while (true) {
          ASSIGN_OR_RETURN(bool more, s->Step());
          if (!more) break;
          rids.push_back(s->Int(0));
        }
        s->Reset();
        ASSIGN_OR_RETURN(Statement * item, c.Prepare("SELECT item FROM listings WHERE rid = ?"));
        for (int64_t rid : rids) {
          item->Bind(1, rid);
          ASSIGN_OR_RETURN(bool row, item->Step());
          if (!row) return Internal("sqlite: a listing found is not there");
          out.items.push_back(item->Text(0));
          item->Reset();
        }
        return out;
      }();
      c.ResetActive();
      if (Status st = c.Exec("COMMIT"); !st.ok()) {
        (void)c.Exec("ROLLBACK");
        if (page.ok()) return st;
      }
      return page;
    });
  }

  Result<std::string> MaxNumber(std::string_view prefix) override {
    // As PostgreSQL, which holds no other text.
    if (!IsValidUtf8(prefix)) return InvalidArgument("a number prefix must be UTF-8");
    std::optional<std::string> end = PrefixEnd(prefix);
    return WithReader<std::string>([&](Connection& c) -> Result<std::string> {
      ASSIGN_OR_RETURN(Statement * s,
                       c.Prepare(end ? "SELECT max(number) FROM numbers WHERE number >= ? AND "
                                       "number < ?"
                                     : "SELECT max(number) FROM numbers WHERE number >= ?"));
      s->Bind(1, prefix);
      if (end) s->Bind(2, *end);
      ASSIGN_OR_RETURN(bool row, s->Step());
      return row ? s->Text(0) : std::string();  // max() of no rows is NULL: ""
    });
  }

  Result<std::optional<std::string>> SidecarOf(uint64_t index) override {
    return WithReader<std::optional<std::string>>(
        [&](Connection& c) -> Result<std::optional<std::string>> {
          ASSIGN_OR_RETURN(Statement * s, c.Prepare("SELECT data FROM sidecars WHERE idx = ?"));
          s->Bind(1, static_cast<int64_t>(index));
          ASSIGN_OR_RETURN(bool row, s->Step());
          if (!row) return std::optional<std::string>();
          return std::optional<std::string>(s->Blob(0));
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
    ASSIGN_OR_RETURN(
        Statement * s,
        writer_->Prepare("DELETE FROM pending_results WHERE id = ? RETURNING idx, code, message"));
    s->Bind(1, static_cast<int64_t>(id));
    auto row = s->Step();
    std::optional<PendingResult> out;
    if (row.ok() && *row) {
      out =
          PendingResult{static_cast<Code>(s->Int(1)), static_cast<uint64_t>(s->Int(0)), s->Text(2)};
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
    MutexLock g(signal_mu_);
    subscriber_ = std::move(on_signal);
    return Status::Ok();
  }
  Status Signal(std::string_view signal) override {
    Dispatch(signal);
    return Status::Ok();
  }

  // The lease is an exclusive flock on DB-lease beside the database: it also keeps a second
  // process from sequencing the same file.
  Result<ResultSweep> SweepResults(uint64_t through_id) override {
    std::unique_lock<std::mutex> lock(write_mu_);
    ResultSweep out;
    ASSIGN_OR_RETURN(Statement * del,
                     writer_->Prepare("DELETE FROM pending_results WHERE id <= ?"));
    Status st = del->Bind(1, static_cast<int64_t>(through_id)).Run();
    out.deleted = static_cast<uint64_t>(sqlite3_changes(writer_->raw()));
    writer_->ResetActive();
    RETURN_IF_ERROR(st);
    ASSIGN_OR_RETURN(Statement * max,
                     writer_->Prepare("SELECT COALESCE(MAX(id), 0) FROM pending_results"));
    auto row = max->Step();
    if (row.ok() && *row) out.newest = static_cast<uint64_t>(max->Int(0));
    writer_->ResetActive();
    if (!row.ok()) return row.status();
    return out;
  }

  Result<bool> TryAcquireLease() override {
    MutexLock g(lease_mu_);
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
    MutexLock g(lease_mu_);
    return lease_fd_ >= 0;
  }
  ~SqliteStore() override {
    if (lease_fd_ >= 0) ::close(lease_fd_);
  }

  // --- followers (issue 11) ---
  Result<uint64_t> FollowerCursor(std::string_view name) override {
    return WithReader<uint64_t>(
        [&](Connection& c) -> Result<uint64_t> { return ReadCursor(c, name); });
  }

  // On a connection of its own, with synchronous=NORMAL: a follower's commit does not wait for
  // an fsync (the next write transaction's fsync covers it, the WAL being one file written in
  // order); a power loss before that loses the last runs whole, cursor and counters together,
  // which are then applied again. Under write_mu_, so it takes turns with the writer in-process
  // rather than through SQLite's busy waits.
  Result<std::unique_ptr<FollowerTx>> BeginFollower(std::string_view name, uint64_t from) override {
    std::unique_lock<std::mutex> lock(write_mu_);
    if (!follower_conn_) {
      ASSIGN_OR_RETURN(auto c, Connection::Open(path_, /*read_only=*/false));
      RETURN_IF_ERROR(c->Exec("PRAGMA synchronous=NORMAL;"));
      follower_conn_ = std::move(c);
    }
    Connection& c = *follower_conn_;
    RETURN_IF_ERROR(c.Exec("BEGIN IMMEDIATE"));
    auto cursor = ReadCursor(c, name);
    c.ResetActive();
    if (!cursor.ok() || *cursor != from) {
      (void)c.Exec("ROLLBACK");
      if (!cursor.ok()) return cursor.status();
      return Conflict(fmt::format("follower {} is at {}, not {}", name, *cursor, from));
    }
    return std::unique_ptr<FollowerTx>(
        new SqliteFollowerTx(c, std::move(lock), std::string(name), from));
  }

  Result<std::vector<std::pair<std::string, int64_t>>> Counters(std::string_view prefix) override {
    using Out = std::vector<std::pair<std::string, int64_t>>;
    std::optional<std::string> end = PrefixEnd(prefix);
    return WithReader<Out>([&](Connection& c) -> Result<Out> {
      ASSIGN_OR_RETURN(Statement * s,
                       c.Prepare(end ? "SELECT key, value FROM counters WHERE key >= ? AND "
                                       "key < ? ORDER BY key"
                                     : "SELECT key, value FROM counters WHERE key >= ? "
                                       "ORDER BY key"));
      s->Bind(1, prefix);
      if (end) s->Bind(2, *end);
      Out out;
      while (true) {
        ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.emplace_back(s->Text(0), s->Int(1));
      }
      return out;
    });
  }

 private:
  // Runs fn on a pooled read connection. The statement cache lives with the connection.
  template <typename T, typename Fn>
  Result<T> WithReader(Fn fn) {
    std::unique_ptr<Connection> conn;
    {
      MutexLock g(pool_mu_);
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
    MutexLock g(pool_mu_);
    pool_.push_back(std::move(conn));
    return r;
  }

  // The records `sql` selects (kRecordColumns), its parameters bound by bind.
  template <typename Bind>
  Result<std::vector<Record>> ReadRecords(const std::string& sql, Bind bind) {
    return WithReader<std::vector<Record>>([&](Connection& c) -> Result<std::vector<Record>> {
      ASSIGN_OR_RETURN(Statement * s, c.Prepare(sql));
      bind(*s);
      std::vector<Record> out;
      while (true) {
        ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadRecord(*s));
      }
      return out;
    });
  }

  static Result<uint64_t> ReadCursor(Connection& c, std::string_view name) {
    ASSIGN_OR_RETURN(Statement * s,
                     c.Prepare("SELECT position FROM follower_cursors WHERE name = ?"));
    s->Bind(1, name);
    ASSIGN_OR_RETURN(bool row, s->Step());
    uint64_t v = row ? static_cast<uint64_t>(s->Int(0)) : 0;
    s->Reset();
    return v;
  }

  void Dispatch(std::string_view sig) {
    std::function<void(std::string_view)> f;
    {
      MutexLock g(signal_mu_);
      f = subscriber_;
    }
    if (f) f(sig);
  }

  std::string path_;
  Mutex signal_mu_;
  std::function<void(std::string_view)> subscriber_ DIPR_GUARDED_BY(signal_mu_);
  Mutex lease_mu_;
  int lease_fd_ DIPR_GUARDED_BY(lease_mu_) = -1;
  // Not annotated: a WriteTx (and a FollowerTx) takes the lock into itself and holds it for its
  // whole life, across calls, which the analysis does not follow; the guarded connections are
  // touched only by the transaction that holds it.
  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by write_mu_ while a WriteTx lives
  // --- followers (issue 11) ---
  std::unique_ptr<Connection> follower_conn_;  // guarded by write_mu_; see BeginFollower
  Mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> pool_ DIPR_GUARDED_BY(pool_mu_);
};

// Runs the migrations after the database's version up to version up_to.
Status Migrate(Connection& c, int64_t up_to = SqliteMigrationSql().size()) {
  ASSIGN_OR_RETURN(Statement * s, c.Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(bool row, s->Step());
  int64_t version = row ? s->Int(0) : 0;
  s->Reset();
  const std::span<const MigrationSql> migrations = SqliteMigrationSql();
  const int64_t kLatest = migrations.size();
  if (version > kLatest) {
    return Internal(fmt::format(
        "database schema version {} is newer than this dipr ({}); upgrade dipr", version, kLatest));
  }
  for (int64_t v = version; v < std::min(kLatest, up_to); ++v) {
    RETURN_IF_ERROR(c.Exec("BEGIN IMMEDIATE"));
    const MigrationSql& m = migrations[v];
    Status st = c.Exec(m.sql);
    auto backfill = BackfillOf(m.number);
    if (st.ok() && backfill) st = backfill(c);
    if (st.ok() && m.then) st = c.Exec(m.then);
    c.ResetActive();
    if (st.ok()) st = c.Exec(fmt::format("PRAGMA user_version = {}", v + 1));
    if (!st.ok()) {
      (void)c.Exec("ROLLBACK");
      return st;
    }
    RETURN_IF_ERROR(c.Exec("COMMIT"));
  }
  return Status::Ok();
}

// The database holds confidential fields, drafts and token hashes: owner-only. SQLite creates
// -wal and -shm with the database file's permissions, so creating the file 0600 before SQLite
// does covers them too; an existing file (of an older dipr) is tightened, with its -wal/-shm.
Status MakeOwnerOnly(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot open database " + path + ": " + std::strerror(errno));
  struct stat st;
  Status result = Status::Ok();
  if (::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0 && ::fchmod(fd, 0600) != 0) {
    result = PermissionDenied("cannot make " + path + " owner-only (" + std::strerror(errno) +
                              "); run: chmod 600 " + path + "*");
  }
  ::close(fd);
  RETURN_IF_ERROR(result);
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string side = path + suffix;
    if (::stat(side.c_str(), &st) == 0 && (st.st_mode & 077) != 0 &&
        ::chmod(side.c_str(), 0600) != 0) {
      return PermissionDenied("cannot make " + side + " owner-only (" + std::strerror(errno) +
                              "); run: chmod 600 " + path + "*");
    }
  }
  return Status::Ok();
}

}  // namespace

Status MigrateSqliteSchema(const std::string& path, int version) {
  RETURN_IF_ERROR(MakeOwnerOnly(path));
  ASSIGN_OR_RETURN(auto c, Connection::Open(path, /*read_only=*/false));
  RETURN_IF_ERROR(c->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
  return Migrate(*c, version);
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  // SQLite's memory statistics take a process-wide mutex on every allocation, which serializes
  // every reader thread and the writer; dipr does not use them. Must precede sqlite3_initialize,
  // so it is done once, before the first connection of the process.
  static const int kConfigured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sqlite3_initialize();
  }();
  if (kConfigured != SQLITE_OK) return Internal("sqlite3_initialize failed");
  RETURN_IF_ERROR(MakeOwnerOnly(path));
  ASSIGN_OR_RETURN(auto writer, Connection::Open(path, /*read_only=*/false));
  // WAL: readers never block the writer; FULL: the WAL is fsync'd at every commit, so an
  // acknowledged write survives power loss, not only a process crash.
  RETURN_IF_ERROR(
      writer->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                   "PRAGMA foreign_keys=ON;"));
  RETURN_IF_ERROR(Migrate(*writer));
  return std::unique_ptr<Store>(new SqliteStore(path, std::move(writer)));
}

}  // namespace dipr::storage
