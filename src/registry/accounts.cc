// Account management: listing, disabling, token rotation, objectors' self-registration. Each
// change is one log event; what must stay private (token hashes, an objector's identity) travels
// as the entry's sidecar (registry/projector.h), never in the log.
#include "registry/accounts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/bytes.h"
#include "common/hex.h"
#include "crypto/random.h"
#include "registry/account_events.h"
#include "registry/commitment.h"
#include "registry/projector.h"
#include "registry/registry.h"
#include "registry/resident_id.h"
#include "registry/uscc.h"
#include "registry/validate.h"

namespace dipr::registry {
namespace {

using nlohmann::json;

constexpr size_t kMaxReasonChars = 500;
constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxContactChars = 200;
constexpr size_t kMaxIdChars = 50;

json AccountJson(const storage::Account& a) {
  return {{"id", a.id},
          {"name", a.name},
          {"role", a.role},
          {"created_at", FormatRfc3339(a.created)},
          {"log_index", a.log_index},
          {"disabled", a.disabled}};
}

Result<storage::Account> LoadAccount(storage::Store& store, const std::string& id) {
  ASSIGN_OR_RETURN(auto a, store.AccountById(id));
  if (!a) return NotFound(fmt::format("no account {}", id));
  return *a;
}

// A non-negative whole number of seconds, at most `max`, if present.
Result<std::optional<int64_t>> Seconds(const json& body, const char* key, int64_t max) {
  if (!body.contains(key)) return std::optional<int64_t>();
  const json& v = body[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > max) {
    return InvalidArgument(
        fmt::format("\"{}\" must be a whole number of seconds, 0 to {}", key, max));
  }
  return std::optional<int64_t>(v.get<int64_t>());
}

// The submission of an account event: its projection is the family's apply function
// (account_events.cc), the one the projector runs when it rebuilds the register from the log.
Submission Applied(std::string entry, std::string sidecar) {
  Submission s{entry, sidecar, {}};
  s.projection = [entry = std::move(entry), sidecar = std::move(sidecar)](storage::WriteTx& tx,
                                                                          uint64_t index) {
    return ApplyEntry(tx, index, entry, sidecar);
  };
  return s;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

bool IsAnyRole(std::string_view role) { return IsRole(role) || role == kObjectorRole; }

Result<json> Registry::ListAccounts(const storage::Account& actor, size_t page,
                                    const std::string& role) {
  RETURN_IF_ERROR(RequireRole(actor, "admin", "lists accounts"));
  if (page < 1 || page > 100000) return InvalidArgument("\"page\" must be 1 to 100000");
  if (!role.empty() && !IsAnyRole(role)) {
    return InvalidArgument("\"role\" must be one of holder, examiner, finance, admin, objector");
  }
  ASSIGN_OR_RETURN(auto accounts,
                   store_.ListAccounts(role, (page - 1) * kUsersPage, kUsersPage + 1));
  json items = json::array();
  for (size_t i = 0; i < accounts.size() && i < kUsersPage; ++i) {
    items.push_back(AccountJson(accounts[i]));
  }
  json out = {{"items", std::move(items)}, {"page", page}};
  if (accounts.size() > kUsersPage) out["next_page"] = page + 1;
  return out;
}

Result<json> Registry::AccountView(const storage::Account& actor, const std::string& id) {
  if (actor.role != "admin" && actor.id != id) {
    return PermissionDenied("only an admin sees other accounts");
  }
  ASSIGN_OR_RETURN(storage::Account a, LoadAccount(store_, id));
  ASSIGN_OR_RETURN(auto creds, store_.CredentialsOf(id));
  Time now = Now();
  json tokens = json::array();
  for (const auto& c : creds) {
    json t = {{"expires_at", c.expires ? json(FormatRfc3339(*c.expires)) : json()},
              {"expired", c.expires && *c.expires <= now}};
    tokens.push_back(std::move(t));
  }
  json out = AccountJson(a);
  out["tokens"] = std::move(tokens);
  return out;
}

Result<std::pair<NewAccount, Submission>> PrepareAccount(Registry& registry,
                                                         const storage::Account& actor,
                                                         const nlohmann::json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "admin", "creates accounts"));
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
  RETURN_IF_ERROR(CheckOnlyFields(body, {"name", "role"}));
  NewAccount na;
  RETURN_IF_ERROR(CheckText(body, "name", kMaxNameChars, na.account.name));
  if (!body.contains("role") || !body["role"].is_string() ||
      !IsRole(body["role"].get<std::string>())) {
    return InvalidArgument("\"role\" must be one of holder, examiner, finance, admin");
  }
  na.account.role = body["role"].get<std::string>();
  na.account.id = NewAccountId();
  na.account.created = registry.Now();
  na.token = NewToken();
  Event e{std::string(kAccountCreated),
          na.account.created,
          actor.id,
          {{"id", na.account.id}, {"name", na.account.name}, {"role", na.account.role}}};
  ASSIGN_OR_RETURN(std::string entry, EncodeEntry(e));
  crypto::Hash th = TokenHash(na.token);
  storage::Account a = na.account;
  Submission s = Applied(std::move(entry), std::string(crypto::HashChars(th)));
  return std::make_pair(std::move(na), std::move(s));
}

Result<Submission> PrepareDisable(Registry& registry, const storage::Account& actor,
                                  const std::string& id, const json& body, bool disable) {
  RETURN_IF_ERROR(RequireRole(actor, "admin", disable ? "disables accounts" : "enables accounts"));
  RETURN_IF_ERROR(CheckObject(body));
  RETURN_IF_ERROR(CheckOnlyFields(body, {"reason"}));
  if (!body.contains("reason")) return InvalidArgument("\"reason\" is required");
  std::string reason;
  RETURN_IF_ERROR(CheckTextValue(body["reason"], "reason", 1, kMaxReasonChars, true, reason));
  ASSIGN_OR_RETURN(storage::Account a, LoadAccount(registry.store(), id));
  if (disable && a.id == actor.id) {
    return PermissionDenied("an admin does not disable its own account (another admin may)");
  }
  if (a.disabled == disable) {
    return Conflict(fmt::format("account {} is {} already", id, disable ? "disabled" : "enabled"));
  }
  Event e{std::string(disable ? kAccountDisabled : kAccountEnabled),
          registry.Now(),
          actor.id,
          {{"id", id}, {"reason", reason}}};
  ASSIGN_OR_RETURN(std::string entry, EncodeEntry(e));
  return Applied(std::move(entry), "");
}

Result<std::pair<NewAccount, Submission>> PrepareRotation(Registry& registry,
                                                          const storage::Account& actor,
                                                          const std::string& id, const json& body) {
  if (actor.role != "admin" && actor.id != id) {
    return PermissionDenied("only an admin rotates another account's token");
  }
  json b = body.is_null() ? json::object() : body;
  RETURN_IF_ERROR(CheckObject(b));
  RETURN_IF_ERROR(CheckOnlyFields(b, {"grace_seconds", "expires_at", "ttl_seconds"}));
  ASSIGN_OR_RETURN(auto grace, Seconds(b, "grace_seconds", kMaxGraceSeconds));
  ASSIGN_OR_RETURN(auto ttl, Seconds(b, "ttl_seconds", kMaxTtlSeconds));
  if (ttl && b.contains("expires_at")) {
    return InvalidArgument("give \"expires_at\" or \"ttl_seconds\", not both");
  }
  Time now = registry.Now();
  std::optional<Time> expires;
  if (ttl) {
    if (*ttl == 0) return InvalidArgument("\"ttl_seconds\" must be at least 1");
    expires = now + std::chrono::seconds(*ttl);
  }
  if (b.contains("expires_at")) {
    if (!b["expires_at"].is_string()) return InvalidArgument("\"expires_at\" must be a time");
    auto t = ParseRfc3339(b["expires_at"].get<std::string>());
    if (!t.ok()) return InvalidArgument("\"expires_at\": " + t.status().message());
    expires = std::chrono::floor<std::chrono::milliseconds>(*t);
    if (*expires <= now) return InvalidArgument("\"expires_at\" is not in the future");
    if (*expires > now + std::chrono::seconds(kMaxTtlSeconds)) {
      return InvalidArgument("\"expires_at\" is more than five years ahead");
    }
  }
  ASSIGN_OR_RETURN(storage::Account a, LoadAccount(registry.store(), id));
  // A disabled account's token may be rotated: disable, rotate, enable is how a leaked token is
  // replaced without the leaked one working for a moment in between.
  NewAccount na;
  na.account = a;
  na.token = NewToken();
  na.expires = expires;
  json payload = {{"id", id}};
  if (expires) payload["expires_at"] = FormatRfc3339(*expires);
  std::optional<Time> previous_until;
  if (grace && *grace > 0) {
    previous_until = now + std::chrono::seconds(*grace);
    payload["previous_until"] = FormatRfc3339(*previous_until);
  }
  Event e{std::string(kAccountTokenRotated), now, actor.id, std::move(payload)};
  ASSIGN_OR_RETURN(std::string entry, EncodeEntry(e));
  crypto::Hash th = TokenHash(na.token);
  Submission s = Applied(std::move(entry), std::string(crypto::HashChars(th)));
  return std::make_pair(std::move(na), std::move(s));
}

Result<std::pair<NewAccount, Submission>> PrepareObjector(Registry& registry, const json& body) {
  RETURN_IF_ERROR(CheckObject(body));
  RETURN_IF_ERROR(CheckOnlyFields(body, {"name", "contact", "id_type", "id_number"}));
  std::string name, contact, id_type, id_number;
  RETURN_IF_ERROR(CheckText(body, "name", kMaxNameChars, name));
  RETURN_IF_ERROR(CheckText(body, "contact", kMaxContactChars, contact));
  if (!body.contains("id_type") || !body["id_type"].is_string() ||
      !OneOf(kIdTypes, body["id_type"].get<std::string>())) {
    return InvalidArgument("\"id_type\" must be one of resident_id, uscc, passport, other");
  }
  id_type = body["id_type"];
  RETURN_IF_ERROR(CheckText(body, "id_number", kMaxIdChars, id_number));
  // Where the document has a check character, the number must carry the right one.
  if (id_type == "resident_id") {
    id_number = Upper(id_number);
    if (!IsValidResidentId(id_number)) {
      return InvalidArgument("\"id_number\" is not a valid citizen identity number (GB 11643)");
    }
  } else if (id_type == "uscc") {
    id_number = Upper(id_number);
    if (!IsValidUscc(id_number)) {
      return InvalidArgument("\"id_number\" is not a valid unified social credit code (GB 32100)");
    }
  }
  NewAccount na;
  na.account.id = NewAccountId();
  na.account.name = name;
  na.account.role = std::string(kObjectorRole);
  na.account.created = registry.Now();
  na.token = NewToken();
  json identity = {
      {"name", name}, {"contact", contact}, {"id_type", id_type}, {"id_number", id_number}};
  std::string salt = NewSalt();
  ASSIGN_OR_RETURN(std::string commitment, Commitment(kIdentityDomain, identity, salt));
  // Registered by itself: the new account is the event's actor.
  Event e{std::string(kObjectorRegistered),
          na.account.created,
          na.account.id,
          {{"id", na.account.id}, {"identity_commitment", commitment}}};
  ASSIGN_OR_RETURN(std::string entry, EncodeEntry(e));
  crypto::Hash th = TokenHash(na.token);
  json side = {{"identity", identity}, {"salt", salt}, {"token_hash", HexEncode(th)}};
  ASSIGN_OR_RETURN(std::string sidecar, CanonicalJson(side));
  storage::Account a = na.account;
  Submission s = Applied(std::move(entry), sidecar);
  return std::make_pair(std::move(na), std::move(s));
}

}  // namespace dipr::registry
