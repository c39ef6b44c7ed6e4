// The storage interfaces: everything dipr keeps, behind three narrow interfaces (LogStore,
// RegisterStore, AccountStore; Store is their union), each with a conformance suite
// (store_conformance_{log,register,account}_test.cc) run over every backend. The log (entries,
// tiles, signed tree heads) is the source of truth; accounts and deposits are projections of it,
// written in the same transaction as the entries they come from, so they can never disagree with
// the log.
//
// Implementations are thread-safe: reads may run concurrently from any thread; writes go through
// one WriteTx at a time (the sequencer's).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "crypto/sha256.h"

namespace dipr::storage {

using crypto::Hash;

// A stored 32-byte hash back from a backend's blob; DataLoss naming `what` for any other length.
inline Result<Hash> HashFromBlob(std::string_view blob, const char* what) {
  if (blob.size() != 32) return DataLoss(std::string("stored ") + what + " is not 32 bytes");
  Hash h;
  std::copy(blob.begin(), blob.end(), reinterpret_cast<char*>(h.data()));
  return h;
}

// A signed tree head: the tree's size and root and the signed checkpoint note that states them.
struct TreeHead {
  uint64_t size = 0;
  Hash root{};
  std::string checkpoint;  // C2SP signed note text
};

struct Account {
  std::string id;  // "u" + 16 hex digits; public (the "actor" of log entries)
  std::string name;
  std::string role;  // holder | examiner | finance | admin | objector
  Time created;
  uint64_t log_index = 0;  // the entry that created it (account.created, objector.registered)
  bool disabled = false;   // account.disabled / account.enabled: a disabled account's tokens fail
};

// One of an account's tokens: its SHA-256 (the token itself is never stored) and when it stops
// working. An account has one token, or more for a while after a rotation with a grace period.
struct Credential {
  Hash token_hash{};
  std::optional<Time> expires;  // none: until revoked
};

// What a token hash authenticates: its account, and the token's expiry.
struct TokenAccount : Account {
  std::optional<Time> expires;  // none: until revoked
};

struct DepositRecord {
  uint64_t index = 0;     // log index of the deposit entry
  std::string depositor;  // account id
  std::string digest;     // 64 lower-case hex
  uint64_t size = 0;
  std::string title;
  Time time;
};

// --- the register: projected documents (registry/application.h owns their JSON) ---

// Someone a record belongs to, in a role: "holder" (an application's holder account), "objector"
// (an objection's); later licensees, pledgees... `id` is an account id.
struct Party {
  std::string role;
  std::string id;
  bool operator==(const Party&) const = default;
  auto operator<=>(const Party&) const = default;
};

// An application (which, once registered, is a registration) or an objection: the domain's state
// of it as JSON, plus the columns it is looked up by.
struct Record {
  std::string kind;    // "application" | "objection"
  std::string id;      // "a…" / "o…"
  std::string owner;   // account id: the holder who applied, or the objector
  std::string parent;  // an objection's application id; "" otherwise
  std::string status;
  std::string number;  // an application's registration number once registered; "" before
  // When the registrar acts on it by itself (end of notice, correction deadline, expiry).
  std::optional<Time> due;
  std::string doc;       // the domain's JSON of it
  uint64_t version = 0;  // log index of the last entry that changed it
  // Who it belongs to, by role (RegisterStore::RecordsByParty finds it by any of them): a set,
  // read back in (role, id) byte order. Neither may contain the bytes 0x1E or 0x1F.
  std::vector<Party> parties;
};

// A row of the public register (applications in public notice and registrations): what the
// public search filters, orders and returns.
struct Listing {
  std::string application_id;
  std::string number;  // registration number; "" while in notice
  std::string status;
  std::string industry;  // GB/T 4754 section letter
  std::string holders;   // the holders' names and identifiers, one per line (the holder filter)
  std::string text;      // the public text the q filter searches (Chinese and English)
  std::string item;      // the JSON object a list returns for it
};

struct ListingQuery {
  std::string text;      // substring of Listing::text, ASCII case-insensitive; "" = any
  std::string holder;    // substring of Listing::holders, ASCII case-insensitive; "" = any
  std::string industry;  // exact; "" = any
  std::vector<std::string> statuses;  // any of these; empty = any
  size_t offset = 0;
  size_t limit = 20;
  // A query with a text or holder counts its matches up to this many (counting them all would
  // make every search as slow as the register is large); filters alone are counted exactly.
  uint64_t count_limit = 1000;
};

struct ListingPage {
  // Listing::item, newest first: in the reverse order in which the listings were first put (an
  // update keeps a listing's place; one removed and put again is new).
  std::vector<std::string> items;
  uint64_t total = 0;       // the rows matching the query, if total_exact
  bool total_exact = true;  // false: more than count_limit match, and total == count_limit
};

// An entry handed to the sequencing node through the durable queue (see Store::Enqueue).
struct PendingEntry {
  uint64_t id = 0;
  std::string entry;
  std::string sidecar;  // never logged (registry/projector.h)
};

// What became of a queued entry: its log index, or why it was refused.
struct PendingResult {
  Code code = Code::kOk;
  uint64_t index = 0;   // when code == kOk
  std::string message;  // when not
};

// What a sweep of the queue's results did (Store::SweepResults).
struct ResultSweep {
  uint64_t deleted = 0;  // results removed
  uint64_t newest = 0;   // the highest id among the results left (0: none left)
};

class WriteTx {
 public:
  virtual ~WriteTx() = default;  // rolls back unless committed

  // The number of entries in the log as this transaction sees it (committed ones plus those it
  // appended). Write transactions of all processes on one database take turns, so this is what
  // the transaction builds on: a sequencer compares it with its own idea of the tree.
  virtual uint64_t EntryCount() const = 0;
  // REQUIRES: index == EntryCount() (entries are appended densely).
  virtual Status AppendEntry(uint64_t index, std::string_view data) = 0;
  virtual Status PutTile(uint8_t level, uint64_t index, std::string_view blob) = 0;
  // REQUIRES: head.size > the latest stored head's size.
  virtual Status PutTreeHead(const TreeHead& head) = 0;

  // Deferred checks: while on, a projection whose uniqueness check would cost a round trip to the
  // database (a deposit on PostgreSQL) returns OK without waiting, and CheckDeferred() later
  // answers Conflict if any of them was in fact refused; the caller must then abandon the
  // transaction (and may redo the batch with checks on). Backends whose checks are local ignore it.
  virtual void SetDeferredChecks(bool on) = 0;
  virtual Status CheckDeferred() = 0;

  // Projections. Each either writes fully or not at all; Conflict when a unique key is taken.
  virtual Status InsertAccount(const Account& account, const Hash& token_hash) = 0;
  // NotFound when there is no such account.
  virtual Status SetAccountDisabled(std::string_view account_id, bool disabled) = 0;
  // Another token for an account; Conflict if the hash is taken (by any account).
  virtual Status AddCredential(std::string_view account_id, const Credential& credential) = 0;
  // Every token of the account but `keep`: with `until`, each expires at the earlier of its
  // expiry and `until`; without, they are deleted (revoked at once).
  virtual Status LimitCredentials(std::string_view account_id, const Hash& keep,
                                  std::optional<Time> until) = 0;
  virtual Status InsertDeposit(const DepositRecord& deposit) = 0;
  // The account as this transaction sees it (its own writes included).
  virtual Result<std::optional<Account>> GetAccount(std::string_view account_id) = 0;

  // The register. GetRecord sees what this transaction wrote. PutRecord inserts or replaces by
  // (kind, id), its parties replaced by record.parties (InvalidArgument, writing nothing, for a
  // party with 0x1E or 0x1F in it); PutListing by application_id; RemoveListing removes one if
  // present.
  virtual Result<std::optional<Record>> GetRecord(std::string_view kind, std::string_view id) = 0;
  virtual Status PutRecord(const Record& record) = 0;
  virtual Status PutListing(const Listing& listing) = 0;
  virtual Status RemoveListing(std::string_view application_id) = 0;
  // Numbers (registration and certificate numbers) are claimed once and never again: Conflict
  // if `number` was ever claimed, having written nothing. NumberClaimed answers first, so that a
  // projection claiming several numbers can check them all before it writes anything.
  virtual Status ClaimNumber(std::string_view number, std::string_view record_id) = 0;
  virtual Result<bool> NumberClaimed(std::string_view number) = 0;
  // What belongs with entry `index` but is never logged (registry/projector.h), kept so that the
  // projections can be rebuilt (a migration replays the log with them).
  virtual Status PutSidecar(uint64_t index, std::string_view data) = 0;

  // The queue, from the sequencing node's side: the oldest queued entries, and their outcome
  // (which removes them from the queue and keeps the result for Store::TakeResult).
  virtual Result<std::vector<PendingEntry>> Pending(size_t limit) = 0;
  virtual Status Resolve(uint64_t id, const PendingResult& result) = 0;

  // Sends `signal` to every subscriber of every node once (and only if) this transaction commits.
  virtual void SignalOnCommit(std::string_view signal) = 0;

  // Durable (fsync'd) when it returns OK. After a failure nothing of the transaction remains.
  virtual Status Commit() = 0;

  // --- tree heads gaining signatures (issue 11) ---
  // Replaces the checkpoint note of the stored tree head of `size` by `checkpoint`: the same note
  // with more signatures (cosignatures, C2SP tlog-cosignature). Its text (everything before the
  // blank line) must be byte for byte the stored note's, and every stored signature line one of
  // its own (CheckNoteExtends). InvalidArgument when it is not a signed note; Conflict when it
  // does not extend the stored one; NotFound when no head of that size is stored. Nothing is
  // written unless OK.
  virtual Status AddTreeHeadSignatures(uint64_t size, std::string_view checkpoint) = 0;
};

// --- followers (log/follower.h): projections that validate nothing, off the write path ---

// A follower's transaction: what it writes for a run of entries, and its cursor's advance, commit
// together, so that a crash never applies an entry twice or skips one. Counters are a generic
// table (key -> integer) that any follower keys by its own prefix. Not thread-safe.
class FollowerTx {
 public:
  virtual ~FollowerTx() = default;  // rolls back unless committed

  // A counter as this transaction sees it (its own writes included); 0 for one never written.
  virtual Result<int64_t> Counter(std::string_view key) = 0;
  // Adds delta to a counter (one never written starts at 0).
  virtual Status AddToCounter(std::string_view key, int64_t delta) = 0;
  virtual Status SetCounter(std::string_view key, int64_t value) = 0;
  // Moves the follower's cursor from the `from` it began at to `to` and commits. Conflict (and
  // nothing written) if the stored cursor is no longer `from`: another runner applied those
  // entries first. Atomic, but not waited for to be durable (a follower's commit must not cost
  // the log an fsync): a crash of the machine or database server may lose the last commits
  // whole, cursor included, whose entries are then applied again. REQUIRES: to >= from.
  virtual Status Commit(uint64_t to) = 0;
};

// --- the interfaces: what each part of dipr needs of the store ---
//
// Three narrow interfaces, each with its own conformance suite over every backend, so that a piece
// of dipr can say which part of the store it uses and a fake need only implement that part. Store
// is their union (one object per database: the parts share its connections and transactions).
// WriteTx stays one class: a sequencer's batch writes the log and its projections atomically.

// The log: entries, tiles and tree heads (the source of truth), and what the nodes on one database
// use to agree on who appends to it: the queue of entries for the sequencing node and its results,
// signals, the sequencing lease, the one write transaction, and the followers' cursors and counters
// (log/follower.h).
class LogStore {
 public:
  virtual ~LogStore() = default;

  virtual Result<std::optional<TreeHead>> LatestTreeHead() = 0;
  // Entries start .. end-1; NotFound if any of them does not exist.
  virtual Result<std::vector<std::string>> ReadEntries(uint64_t start, uint64_t end) = 0;
  virtual Result<uint64_t> EntryCount() = 0;
  // The latest version of a tile; NotFound if never written.
  virtual Result<std::string> ReadTile(uint8_t level, uint64_t index) = 0;

  // --- the queue of entries for the sequencing node ---
  // A node that does not sequence queues an entry here (durably) and waits for its result.
  virtual Result<uint64_t> Enqueue(std::string_view entry, std::string_view sidecar) = 0;
  // The result of a queued entry, once resolved; it is handed out once (then forgotten).
  virtual Result<std::optional<PendingResult>> TakeResult(uint64_t id) = 0;

  // --- signals between the nodes on one database (PostgreSQL LISTEN/NOTIFY) ---
  // Calls on_signal, on a thread of the store's, for every signal any node sends; and with
  // "resync" after a lost connection was re-established (signals may have been missed).
  // Returns once the subscription is active: every signal sent after it returns reaches
  // on_signal. Unavailable (nothing subscribed) if it cannot be made active within 10 s
  // (PostgreSQL: the LISTEN). REQUIRES: called at most once successfully.
  virtual Status Subscribe(std::function<void(std::string_view signal)> on_signal) = 0;
  virtual Status Signal(std::string_view signal) = 0;

  // --- the sequencing lease: at most one holder among all processes on the database ---
  // True if this store holds the lease now (taking it if it is free).
  virtual Result<bool> TryAcquireLease() = 0;
  // Whether the lease taken is still held (checks the session that holds it). The lease only
  // decides who should sequence; safety does not depend on it (write transactions take turns
  // and a sequencer checks the entry count it builds on).
  virtual bool LeaseHeld() = 0;

  // One writer at a time, across every process using the database: a second BeginWrite waits
  // until the first transaction ends.
  virtual Result<std::unique_ptr<WriteTx>> BeginWrite() = 0;

  // --- results nobody took ---
  // A node that queued an entry and died (or gave up waiting) never takes its result: removes
  // the results of the queued entries with id <= through_id, for the sequencing node's sweep
  // (log/sequencer.h).
  virtual Result<ResultSweep> SweepResults(uint64_t through_id) = 0;

  // --- followers (log/follower.h) ---
  // How many entries follower `name` has applied: its next entry's index (0 if never run).
  virtual Result<uint64_t> FollowerCursor(std::string_view name) = 0;
  // Begins a transaction of follower `name` applying entries from index `from`. Conflict at once
  // if its cursor is not `from` (read it again). Runners of one follower on several nodes take
  // turns: a second one waits until the first's transaction ends, then finds the cursor moved.
  // SQLite: follower transactions take turns with the write transaction (one writer per file);
  // PostgreSQL: they run beside it, on a connection of their own.
  virtual Result<std::unique_ptr<FollowerTx>> BeginFollower(std::string_view name,
                                                            uint64_t from) = 0;
  // The committed counters whose keys start with `prefix`, in key (byte) order.
  virtual Result<std::vector<std::pair<std::string, int64_t>>> Counters(
      std::string_view prefix) = 0;
};

// The register: the projected records (applications, registrations, objections) and the lookups
// over them, the public listings and their search, claimed numbers, the sidecars that belong with
// log entries, and the deposits. All of it is written through WriteTx, in the transaction of the
// entries it comes from.
class RegisterStore {
 public:
  virtual ~RegisterStore() = default;

  // --- deposits ---
  virtual Result<std::optional<DepositRecord>> DepositOf(const std::string& depositor,
                                                         const std::string& digest) = 0;
  // In log order, at most `limit`.
  virtual Result<std::vector<DepositRecord>> DepositsByDigest(const std::string& digest,
                                                              size_t limit) = 0;

  // --- records ---
  virtual Result<std::optional<Record>> RecordById(std::string_view kind, std::string_view id) = 0;
  // The application whose registration number this is.
  virtual Result<std::optional<Record>> RecordByNumber(std::string_view number) = 0;
  // Of one kind and owner, newest version first.
  virtual Result<std::vector<Record>> RecordsByOwner(std::string_view kind, std::string_view owner,
                                                     size_t offset, size_t limit) = 0;
  // Of one kind where `party` is a party in `role` (Record::parties), newest version first (as
  // RecordsByOwner).
  virtual Result<std::vector<Record>> RecordsByParty(std::string_view kind, std::string_view role,
                                                     std::string_view party, size_t offset,
                                                     size_t limit) = 0;
  // Of one kind in one status, oldest version first (a work queue: what waits longest first).
  virtual Result<std::vector<Record>> RecordsByStatus(std::string_view kind,
                                                      std::string_view status, size_t offset,
                                                      size_t limit) = 0;
  // How many records of one kind are in each status (statuses with none left out), in status
  // order: /metrics's applications by status and open objections.
  virtual Result<std::vector<std::pair<std::string, uint64_t>>> CountByStatus(
      std::string_view kind) = 0;
  // Of one kind with this parent, in id order.
  virtual Result<std::vector<Record>> RecordsByParent(std::string_view kind,
                                                      std::string_view parent) = 0;
  // Every record (any kind) whose due time is <= until, earliest due first, at most `limit`.
  virtual Result<std::vector<Record>> RecordsDue(Time until, size_t limit) = 0;

  // --- the public register, numbers, sidecars ---
  virtual Result<ListingPage> SearchListings(const ListingQuery& query) = 0;
  // The greatest claimed number that starts with `prefix` (byte order); "" if none.
  virtual Result<std::string> MaxNumber(std::string_view prefix) = 0;
  virtual Result<std::optional<std::string>> SidecarOf(uint64_t index) = 0;
};

// The accounts and their credentials (projected from account.* entries through WriteTx).
class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // The account a token hash belongs to, whether or not it is disabled or the token expired
  // (the caller decides, against its clock).
  virtual Result<std::optional<TokenAccount>> AccountByTokenHash(const Hash& token_hash) = 0;
  virtual Result<std::optional<Account>> AccountById(const std::string& id) = 0;
  // The account's tokens (their hashes, never logged), in hash order.
  virtual Result<std::vector<Credential>> CredentialsOf(const std::string& account_id) = 0;
  // Accounts with `role` ("" = any), in the order they were created (log order).
  virtual Result<std::vector<Account>> ListAccounts(std::string_view role, size_t offset,
                                                    size_t limit) = 0;
};

// Everything dipr keeps: what OpenSqliteStore and OpenPostgresStore return, and what callers that
// use several parts hold.
class Store : public LogStore, public RegisterStore, public AccountStore {
 public:
  ~Store() override = default;
};

// OK if `extended` is the signed note `stored` with zero or more signatures added (see
// WriteTx::AddTreeHeadSignatures): InvalidArgument if `extended` is no signed note, Conflict if
// its text differs or a stored signature is missing from it, DataLoss if `stored` is no signed
// note.
Status CheckNoteExtends(std::string_view stored, std::string_view extended);

}  // namespace dipr::storage
