// What an event's apply function reads and writes (registry/event_spec.h): the register's records,
// the accounts, the deposits and the settings. Three implementations: the projector's, over the
// sequencer's write transaction (registry/projector.cc); the replay's, in memory, from the public
// log alone (registry/replay.h); and the registrar's read view, over the store, whose writes go
// nowhere, for the prepare steps' dry runs (registry/read_view.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"
#include "crypto/sha256.h"
#include "registry/lifecycle.h"
#include "storage/store.h"

namespace dipr::registry {

struct Settings;

class RegisterView {
 public:
  virtual ~RegisterView() = default;

  // --- the register ---
  virtual Result<std::optional<ApplicationState>> GetApplication(const std::string& id) = 0;
  virtual Status PutApplication(const ApplicationState& a, uint64_t index) = 0;
  virtual Result<std::optional<ObjectionState>> GetObjection(const std::string& id) = 0;
  virtual Status PutObjection(const ObjectionState& o, uint64_t index) = 0;
  // Conflict if the number was claimed before.
  virtual Status ClaimNumber(const std::string& number, const std::string& record_id) = 0;
  // False where the view cannot know (the registrar's read view: the transaction checks).
  virtual Result<bool> NumberClaimed(const std::string& number) = 0;

  // --- accounts ---
  // The account as far as the view knows it: a replay knows id, role and disabled only.
  virtual Result<std::optional<storage::Account>> GetAccount(const std::string& id) = 0;
  // token_hash: nullopt where the view has no tokens (a replay). Conflict if the id is taken.
  virtual Status CreateAccount(const storage::Account& a,
                               const std::optional<crypto::Hash>& token_hash) = 0;
  virtual Status SetAccountDisabled(const std::string& id, bool disabled) = 0;
  // A new token for the account (nullopt in a replay), the others limited to previous_until
  // (revoked without it).
  virtual Status RotateToken(const std::string& id, const std::optional<storage::Credential>& added,
                             std::optional<Time> previous_until) = 0;

  // --- deposits ---
  virtual Status AddDeposit(const storage::DepositRecord& d) = 0;

  // --- the registrar's settings ---
  virtual Result<std::optional<Settings>> GetSettings() = 0;
  virtual Status PutSettings(const Settings& s, const std::string& actor, uint64_t index) = 0;

  // What belongs with entry `index` but is never logged (registry/projector.h), kept where the
  // view keeps such things (the projector's store; a replay has none).
  virtual Status KeepSidecar(uint64_t index, std::string_view sidecar) = 0;
};

}  // namespace dipr::registry
