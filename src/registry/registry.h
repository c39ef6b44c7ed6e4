// The registry's domain: accounts and evidence deposits (later: applications, certificates,
// transactions). It knows no HTTP: it validates requests, turns them into log events with their
// projections, and reads the projections back. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "common/status.h"
#include "common/time.h"
#include "fingerprint/fingerprint.h"
#include "log/log_reader.h"
#include "log/sequencer.h"
#include "storage/store.h"
#include "verify/event.h"
#include "verify/receipt.h"

namespace dipr::registry {

// The roles an admin gives (POST /v1/users).
inline constexpr std::string_view kRoles[] = {"holder", "examiner", "finance", "admin"};
bool IsRole(std::string_view role);
// A member of the public who registered itself (POST /v1/objectors): it files objections and
// reads its own, nothing else.
inline constexpr std::string_view kObjectorRole = "objector";
bool IsAnyRole(std::string_view role);  // kRoles or objector

// Identity documents of a self-registered objector; the first two have a check character.
inline constexpr std::string_view kIdTypes[] = {"resident_id", "uscc", "passport", "other"};

// How long a rotated-out token may keep working, and the longest token life asked for.
inline constexpr int64_t kMaxGraceSeconds = 30 * 86400;
inline constexpr int64_t kMaxTtlSeconds = 5 * 366 * 86400;

// An entry ready for the sequencer: its bytes, what belongs with it but is never logged (an
// account's token hash; see projector.h), and what it does to the projections. For every event
// but a deposit `projection` is ApplyEntry(entry, sidecar), the family's apply function; a
// deposit's is a fast path built from the typed request (deposits are the hot path), which must
// equal ApplyEntry's effect, as projector_test checks.
struct Submission {
  std::string entry;
  std::string sidecar;
  log::Projection projection;
};

struct NewAccount {
  storage::Account account;
  std::string token;            // shown once; only its hash is stored
  std::optional<Time> expires;  // of the token (a rotation's)
};

struct DepositRequest {
  fingerprint::Fingerprint fingerprint;  // validated
  std::string digest;                    // its hex form
  std::string title;
};

class Registry {
 public:
  Registry(storage::Store& store, log::Sequencer& sequencer, log::LogReader& reader,
           const Clock& clock);

  storage::Store& store() { return store_; }
  log::Sequencer& sequencer() { return sequencer_; }
  log::LogReader& reader() { return reader_; }
  const Clock& clock() const { return clock_; }

  // --- accounts ---
  // Makes sure an admin account holds `token` (first start of a registry): creates one only if
  // the registry has no admin at all, so a stale admin.token (the admin's token was rotated
  // through the API and the file not rewritten) never makes a second admin. Answers whether
  // `token` authenticates an admin now.
  Result<bool> EnsureAdmin(const std::string& token);
  // Unauthenticated for a missing, malformed, unknown, expired or revoked token, and for the
  // token of a disabled account. Every call reads the database (no cache): a disable or a
  // revocation committed by any node refuses the token on every node from the next request.
  Result<storage::Account> Authenticate(std::string_view token);
  // Authenticate, then PermissionDenied unless the account has `role` ("only a <role> <action>").
  Result<storage::Account> Authorize(std::string_view token, std::string_view role,
                                     std::string_view action);

  // --- account management (registry/accounts.cc; docs/API.md "Accounts"); the prepare steps
  // of the accounts family are registry/accounts.h's ---
  // GET /v1/users: admins; `role` "" for all; pages of kUsersPage from 1, in creation order.
  static constexpr size_t kUsersPage = 50;
  Result<nlohmann::json> ListAccounts(const storage::Account& actor, size_t page,
                                      const std::string& role);
  // GET /v1/users/{id}: admins, and an account itself. Its tokens' expiries, never their hashes.
  Result<nlohmann::json> AccountView(const storage::Account& actor, const std::string& id);

  // --- deposits (the prepare step is registry/deposits.h's) ---
  Result<DepositRequest> ParseDeposit(const nlohmann::json& body);
  // The actor's earlier deposit of the same digest, if any.
  Result<std::optional<storage::DepositRecord>> ExistingDeposit(const storage::Account& actor,
                                                                const std::string& digest);
  Result<std::vector<storage::DepositRecord>> DepositsByDigest(std::string_view digest);

  // --- receipts ---
  // The receipt of entry `index` against the signed tree head `head` (which must include it).
  // entry: the entry's bytes when the caller has them (saves reading them back).
  Result<Receipt> MakeReceipt(uint64_t index, const storage::TreeHead& head,
                              std::string entry = "");

  // Blocking append, for start-up and tests.
  Result<log::Appended> Append(Submission s);

  // The clock's now, in the log's precision (milliseconds).
  Time Now() const;

 private:
  storage::Store& store_;
  log::Sequencer& sequencer_;
  log::LogReader& reader_;
  const Clock& clock_;
};

// Account ids: "u" + 16 hex digits.
std::string NewAccountId();
// Tokens: "dipr_" + 64 hex digits.
std::string NewToken();
crypto::Hash TokenHash(std::string_view token);

}  // namespace dipr::registry
