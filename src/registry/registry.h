// The registry's domain: accounts and evidence deposits (later: applications, certificates,
// transactions). It knows no HTTP: it validates requests, turns them into log events with their
// projections, and reads the projections back. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "common/status.h"
#include "common/time.h"
#include "fingerprint/fingerprint.h"
#include "log/log_reader.h"
#include "log/sequencer.h"
#include "registry/event.h"
#include "registry/receipt.h"
#include "storage/store.h"

namespace dipr::registry {

inline constexpr std::string_view kRoles[] = {"holder", "examiner", "finance", "admin"};
bool IsRole(std::string_view role);

// An entry ready for the sequencer: its bytes, what belongs with it but is never logged (an
// account's token hash; see projector.h), and what it does to the projections. `projection` is
// the fast path, built from the typed request; it must equal ApplyEntry(entry, sidecar), which
// projector_test checks.
struct Submission {
  std::string entry;
  std::string sidecar;
  log::Projection projection;
};

struct NewAccount {
  storage::Account account;
  std::string token;  // shown once; only its hash is stored
};

struct DepositRequest {
  fingerprint::Fingerprint fingerprint;  // validated
  std::string digest;                     // its hex form
  std::string title;
};

class Registry {
 public:
  Registry(storage::Store& store, log::Sequencer& sequencer, log::LogReader& reader,
           const Clock& clock);

  storage::Store& store() { return store_; }
  log::Sequencer& sequencer() { return sequencer_; }
  log::LogReader& reader() { return reader_; }

  // --- accounts ---
  // Makes sure an admin account holds `token` (first start of a registry).
  Status EnsureAdmin(const std::string& token);
  // Unauthenticated for a missing, malformed or unknown token.
  Result<storage::Account> Authenticate(std::string_view token);
  // Authenticate, then PermissionDenied unless the account has `role` ("only a <role> <action>").
  Result<storage::Account> Authorize(std::string_view token, std::string_view role,
                                     std::string_view action);
  // Validates a new account and prepares its account.created entry. The token is minted here;
  // the account exists once the submission is appended.
  Result<std::pair<NewAccount, Submission>> PrepareAccount(const storage::Account& actor,
                                                           const nlohmann::json& body);

  // --- deposits ---
  Result<DepositRequest> ParseDeposit(const nlohmann::json& body);
  Result<Submission> PrepareDeposit(const storage::Account& actor, const DepositRequest& req);
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

  // Accounts never change once created, so a token that authenticated once keeps its account.
  std::shared_mutex auth_mu_;
  std::unordered_map<std::string, storage::Account> auth_cache_;  // GUARDED_BY(auth_mu_)
};

// Tokens: "dipr_" + 64 hex digits.
std::string NewToken();
crypto::Hash TokenHash(std::string_view token);

}  // namespace dipr::registry
