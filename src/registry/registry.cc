#include "registry/registry.h"

#include <fmt/format.h>

#include "common/bytes.h"
#include "common/hex.h"
#include "common/utf8.h"
#include "crypto/random.h"
#include "registry/account_events.h"
#include "registry/validate.h"

namespace dipr::registry {
namespace {

constexpr size_t kMaxTitleChars = 200;

}  // namespace

bool IsRole(std::string_view role) {
  return std::find(std::begin(kRoles), std::end(kRoles), role) != std::end(kRoles);
}

std::string NewAccountId() { return "u" + HexEncode(AsBytes(crypto::RandomBytes(8))); }

std::string NewToken() { return "dipr_" + HexEncode(AsBytes(crypto::RandomBytes(32))); }

crypto::Hash TokenHash(std::string_view token) { return crypto::Sha256Of(token); }

Time Registry::Now() const {
  // Entries carry times in milliseconds (FormatRfc3339); so must the projections, or a database
  // rebuilt from the log would differ from the original in the microseconds.
  return std::chrono::floor<std::chrono::milliseconds>(clock_.Now());
}

Registry::Registry(storage::Store& store, log::Sequencer& sequencer, log::LogReader& reader,
                   const Clock& clock)
    : store_(store), sequencer_(sequencer), reader_(reader), clock_(clock) {}

Result<bool> Registry::EnsureAdmin(const std::string& token) {
  ASSIGN_OR_RETURN(auto existing, store_.AccountByTokenHash(TokenHash(token)));
  if (existing) {
    if (existing->role != "admin")
      return Internal("the admin token belongs to a non-admin account");
    return Authenticate(token).ok();
  }
  ASSIGN_OR_RETURN(auto admins, store_.ListAccounts("admin", 0, 1));
  if (!admins.empty()) return false;
  storage::Account admin{NewAccountId(), "admin", "admin", Now(), 0};
  Event e{std::string(kAccountCreated),
          admin.created,
          admin.id,
          {{"id", admin.id}, {"name", admin.name}, {"role", admin.role}}};
  ASSIGN_OR_RETURN(std::string entry, EncodeEntry(e));
  crypto::Hash th = TokenHash(token);
  auto appended = Append({std::move(entry), std::string(crypto::HashChars(th)),
                          [admin, th](storage::WriteTx& tx, uint64_t index) {
                            storage::Account a = admin;
                            a.log_index = index;
                            RETURN_IF_ERROR(tx.InsertAccount(a, th));
                            return tx.PutSidecar(index, crypto::HashChars(th));
                          }});
  RETURN_IF_ERROR(appended.status());
  return true;
}

Result<storage::Account> Registry::Authenticate(std::string_view token) {
  if (token.empty()) return Unauthenticated("missing bearer token");
  if (token.size() > 200) return Unauthenticated("invalid token");
  // No cache: accounts are disabled and tokens revoked through any node, and one indexed read
  // costs little beside a request (docs/PERFORMANCE.md, "Authentication").
  ASSIGN_OR_RETURN(auto account, store_.AccountByTokenHash(TokenHash(token)));
  if (!account) return Unauthenticated("invalid token");
  if (account->disabled) return Unauthenticated(fmt::format("account {} is disabled", account->id));
  if (account->expires && *account->expires <= Now()) {
    return Unauthenticated("the token has expired");
  }
  return static_cast<const storage::Account&>(*account);
}

Result<storage::Account> Registry::Authorize(std::string_view token, std::string_view role,
                                             std::string_view action) {
  ASSIGN_OR_RETURN(storage::Account a, Authenticate(token));
  RETURN_IF_ERROR(RequireRole(a, role, action));
  return a;
}

Result<DepositRequest> Registry::ParseDeposit(const nlohmann::json& body) {
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
  RETURN_IF_ERROR(CheckOnlyFields(body, {"fingerprint", "title"}));
  if (!body.contains("fingerprint")) return InvalidArgument("\"fingerprint\" is required");
  auto fp = fingerprint::FingerprintFromJson(body["fingerprint"]);
  if (!fp.ok()) return fp.status();
  DepositRequest req;
  req.fingerprint = *fp;
  req.digest = HexEncode(fp->digest);
  RETURN_IF_ERROR(CheckText(body, "title", kMaxTitleChars, req.title));
  return req;
}

Result<std::optional<storage::DepositRecord>> Registry::ExistingDeposit(
    const storage::Account& actor, const std::string& digest) {
  return store_.DepositOf(actor.id, digest);
}

Result<std::vector<storage::DepositRecord>> Registry::DepositsByDigest(std::string_view digest) {
  if (!IsLowerHex64(digest)) {
    return InvalidArgument("\"digest\" must be 64 lower-case hex digits");
  }
  return store_.DepositsByDigest(std::string(digest), 1000);
}

Result<Receipt> Registry::MakeReceipt(uint64_t index, const storage::TreeHead& head,
                                      std::string entry) {
  Receipt r;
  r.index = index;
  if (entry.empty()) {
    ASSIGN_OR_RETURN(auto entries, reader_.Entries(index, index + 1, head));
    entry = std::move(entries[0]);
  }
  r.entry = std::move(entry);
  r.checkpoint = head.checkpoint;
  ASSIGN_OR_RETURN(r.proof, reader_.Inclusion(index, head.size, head));
  return r;
}

Result<log::Appended> Registry::Append(Submission s) {
  return sequencer_.Append(std::move(s.entry), std::move(s.projection), std::move(s.sidecar));
}

}  // namespace dipr::registry
