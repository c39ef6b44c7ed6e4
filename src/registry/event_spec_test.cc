// Every event spec's rules, run through both the projector (ApplyEntry over a real SQLite store,
// one transaction per event, as the sequencer runs it) and the replay (`dipr audit`'s, from the
// public log alone): for every event, both accept it or both refuse it with the same code; the
// role rules the projector takes on trust are the replay's CheckCause and the registrar's
// Authorize, which must agree too; and at the end both hold the same register. The scenario
// covers every type the table has, each accepted at least once and refused at least once. What
// only the projector can check (a sidecar's contents: that fields change, that an identity opens
// its commitment) is not compared: the replay has no sidecars, by design.
#include "registry/event_spec.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "common/hex.h"
#include "fingerprint/fingerprint.h"
#include "registry/account_events.h"
#include "registry/application.h"
#include "registry/application_events.h"
#include "registry/commitment.h"
#include "registry/deposit_events.h"
#include "registry/numbers.h"
#include "registry/objection_events.h"
#include "registry/projector.h"
#include "registry/registration_events.h"
#include "registry/registry.h"
#include "registry/replay.h"
#include "registry/settings.h"
#include "storage/sqlite/sqlite_store.h"
#include "verify/certificate.h"

namespace dipr::registry {
namespace {

using nlohmann::json;
using std::chrono::hours;

const Time kT0 = *ParseRfc3339("2026-12-01T02:00:00Z");
constexpr char kSalt[] = "00112233445566778899aabbccddeeff";

std::string HashSidecar(const std::string& token) {
  return std::string(crypto::HashChars(TokenHash(token)));
}

class EventSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("dipr-spec-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(storage::OpenSqliteStore((dir_ / "r.db").string())).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs the event through both; `want` is the code both must answer.
  void Run(const std::string& type, Time t, const std::string& actor, json payload,
           const std::string& sidecar, Code want) {
    Event e{type, t, actor, std::move(payload)};
    std::string entry = *EncodeEntry(e);
    auto tx = std::move(store_->BeginWrite()).value();
    Status projected = ApplyEntry(*tx, index_, entry, sidecar);
    Status replayed = replay_.Apply(index_, entry);
    // The projector trusts the registrar with roles; the replay checks them. What the replay
    // refuses for the actor's role, the registrar's Authorize refuses too.
    const EventSpec* spec = FindEventSpec(type);
    ASSERT_NE(spec, nullptr) << type;
    seen_.insert(type);
    if (want == Code::kOk)
      accepted_.insert(type);
    else
      refused_.insert(type);
    if (role_refusal_) {
      role_refusal_ = false;
      EXPECT_TRUE(projected.ok()) << type << ": " << projected.ToString();
      EXPECT_EQ(replayed.code(), Code::kInvalidArgument) << type << ": " << replayed.ToString();
      auto account = store_->AccountById(actor);
      ASSERT_TRUE(account.ok() && *account) << actor;
      if (!(*account)->disabled) {
        EXPECT_EQ(Authorize(*spec, **account).code(), Code::kPermissionDenied) << type;
      }
      return;  // tx rolls back: the registrar would not have logged it
    }
    EXPECT_EQ(projected.code(), want) << "projector, " << type << ": " << projected.ToString();
    EXPECT_EQ(replayed.code(), want) << "replay, " << type << ": " << replayed.ToString();
    if (projected.ok() && replayed.ok()) {
      ASSERT_TRUE(tx->Commit().ok());
      ++index_;
    }
  }
  void Ok(const std::string& type, Time t, const std::string& actor, json payload,
          const std::string& sidecar = "") {
    Run(type, t, actor, std::move(payload), sidecar, Code::kOk);
  }
  void Refused(Code want, const std::string& type, Time t, const std::string& actor, json payload,
               const std::string& sidecar = "") {
    Run(type, t, actor, std::move(payload), sidecar, want);
  }
  // Accepted by the state, refused by the replay for the actor's role (and by Authorize).
  void WrongRole(const std::string& type, Time t, const std::string& actor, json payload,
                 const std::string& sidecar = "") {
    role_refusal_ = true;
    Run(type, t, actor, std::move(payload), sidecar, Code::kInvalidArgument);
  }

  static json Fields(int deposit) {
    return *ParseApplicationFields(json::parse(R"({
      "data_name": "城市交通流量数据集", "industry": "G",
      "holders": [{"name": "杭州数据科技有限公司", "type": "enterprise",
                   "id": "91350100M000100Y43", "country": "CN", "share": 1}],
      "scenarios": "s", "collection_rules": "c", "processing_rules": "p", "structure": "st",
      "update_frequency": "daily", "source": {"kind": "licensed", "description": "d"},
      "scale": {"records": 1, "bytes": 2}, "deposits": [)" +
                                               std::to_string(deposit) +
                                               R"(], "confidential": ["processing_rules"]})"));
  }
  static std::string ContentSidecar(const json& f) {
    return *CanonicalJson(json{{"fields", f}, {"salt", kSalt}});
  }
  static std::string TextSidecar(const std::map<std::string, std::string>& texts) {
    json side = json::object();
    for (const auto& [k, v] : texts) side[k] = {{"salt", kSalt}, {"text", v}};
    return *CanonicalJson(side);
  }
  json Certificate(const std::string& app, const json& record, const std::string& rn,
                   const std::string& cn, Time issued, Time from, Time until, Time registered) {
    ApplicationState a;
    a.id = app;
    a.record = record;
    CertificateFacts f;
    f.registration_number = rn;
    f.certificate_number = cn;
    f.registrar_code = "3301";
    f.registrar_name = "Test registrar";
    f.issued = issued;
    f.registered = registered;
    f.valid_from = from;
    f.valid_until = until;
    f.time_zone = "Asia/Shanghai";
    f.registered_on = f.valid_from_on = "2026-12-01";
    f.valid_until_on = "2027-12-01";
    f.deposits = {{{"index", record["deposits"][0]},
                   {"algorithm", "rfc6962-sha256-64k"},
                   {"digest", std::string(64, 'a')},
                   {"size", 2}}};
    return CertificateBody(a, f);
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  Replay replay_;
  uint64_t index_ = 0;
  bool role_refusal_ = false;
  std::set<std::string> seen_, accepted_, refused_;
};

// An offline verifier (verify/certificate.h) accepts a certificate only from the event types the
// register issues certificates with: the two lists are one rule.
TEST(EventSpecs, TheVerifiersIssuingEventsAreTheSpecsThatIssueCertificates) {
  std::set<std::string> specs, verifier;
  for (const EventSpec& s : EventSpecs()) {
    if (s.issues_certificate) specs.insert(std::string(s.type));
  }
  for (std::string_view t : kIssuingEvents) verifier.insert(std::string(t));
  EXPECT_EQ(specs, verifier);
  EXPECT_FALSE(specs.empty());
}

TEST_F(EventSpecTest, ProjectorAndReplayAgreeOnEveryRuleOfEverySpec) {
  auto account = [](const std::string& id, const std::string& role) {
    return json{{"id", id}, {"name", "n " + id}, {"role", role}};
  };
  // --- accounts ---
  Ok("account.created", kT0, "u0", account("u0", "admin"), HashSidecar("t0"));
  Refused(Code::kConflict, "account.created", kT0, "u0", account("u0", "admin"),
          HashSidecar("t0b"));
  Ok("account.created", kT0, "u0", account("u1", "holder"), HashSidecar("t1"));
  Ok("account.created", kT0, "u0", account("u2", "holder"), HashSidecar("t2"));
  Ok("account.created", kT0, "u0", account("u3", "holder"), HashSidecar("t3"));
  Ok("account.created", kT0, "u0", account("e1", "examiner"), HashSidecar("te1"));
  Ok("account.created", kT0, "u0", account("e2", "examiner"), HashSidecar("te2"));
  WrongRole("account.created", kT0, "u1", account("u9", "holder"), HashSidecar("t9"));
  Refused(Code::kInvalidArgument, "account.created", kT0, "u0", {{"id", "u8"}, {"role", "holder"}},
          HashSidecar("t8"));  // no name
  {
    json identity = {{"name", "张三"}, {"contact", "c"}, {"id_type", "other"}, {"id_number", "1"}};
    json payload = {{"id", "ob1"},
                    {"identity_commitment", *Commitment(kIdentityDomain, identity, kSalt)}};
    std::string side = *CanonicalJson(
        json{{"identity", identity}, {"salt", kSalt}, {"token_hash", HexEncode(TokenHash("tob"))}});
    // Registered by itself only. (Whether the identity opens its commitment only the projector
    // can tell: the replay has no sidecar.)
    Refused(Code::kInvalidArgument, "objector.registered", kT0, "u1", payload, side);
    Ok("objector.registered", kT0, "ob1", payload, side);
  }
  Ok("account.disabled", kT0, "u0", {{"id", "u3"}, {"reason", "r"}});
  Refused(Code::kConflict, "account.disabled", kT0, "u0", {{"id", "u3"}, {"reason", "r"}});
  Refused(Code::kNotFound, "account.disabled", kT0, "u0", {{"id", "nobody"}, {"reason", "r"}});
  WrongRole("account.enabled", kT0, "e1", {{"id", "u3"}, {"reason", "r"}});
  Ok("account.enabled", kT0, "u0", {{"id", "u3"}, {"reason", "r"}});
  Refused(Code::kConflict, "account.enabled", kT0, "u0", {{"id", "u3"}, {"reason", "r"}});
  Ok("account.token_rotated", kT0, "u1", {{"id", "u1"}}, HashSidecar("t1b"));  // its own
  Ok("account.token_rotated", kT0, "u0",
     {{"id", "u2"}, {"previous_until", FormatRfc3339(kT0 + hours(1))}}, HashSidecar("t2b"));
  WrongRole("account.token_rotated", kT0, "u1", {{"id", "u2"}}, HashSidecar("t2c"));
  Refused(Code::kNotFound, "account.token_rotated", kT0, "u0", {{"id", "nobody"}},
          HashSidecar("tx"));

  // --- the settings ---
  auto settings = SettingsFromFlags(SettingsFlags{}, "http://127.0.0.1:8080");
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  Ok("registrar.settings", kT0, "registrar", settings->ToJson());
  Refused(Code::kConflict, "registrar.settings", kT0, "registrar", settings->ToJson());
  WrongRole("registrar.settings", kT0, "u1", settings->ToJson());
  Refused(Code::kInvalidArgument, "registrar.settings", kT0, "u0", {{"validity", "3y"}});
  json changed = settings->ToJson();
  changed["registrar_name"] = "Another name";
  Ok("registrar.settings", kT0, "u0", changed);

  // --- deposits ---
  auto fp = [](const std::string& data) {
    return fingerprint::ToJson(*fingerprint::FingerprintBytes(data));
  };
  const uint64_t deposit_index = index_;
  Ok("deposit", kT0, "u1", {{"fingerprint", fp("ab")}, {"title", "t"}});
  Refused(Code::kConflict, "deposit", kT0, "u1", {{"fingerprint", fp("ab")}, {"title", "again"}});
  Ok("deposit", kT0, "u2", {{"fingerprint", fp("ab")}, {"title", "another's"}});
  WrongRole("deposit", kT0, "e1", {{"fingerprint", fp("cd")}, {"title", "t"}});
  Refused(Code::kInvalidArgument, "deposit", kT0, "u1", {{"title", "no fingerprint"}});

  // --- applications ---
  const json f = Fields(static_cast<int>(deposit_index));
  const std::string content = *FieldsCommitment(f, kSalt);
  Ok("application.created", kT0, "u1", {{"application", "a1"}, {"content", content}},
     ContentSidecar(f));
  Refused(Code::kConflict, "application.created", kT0, "u1",
          {{"application", "a1"}, {"content", content}}, ContentSidecar(f));
  WrongRole("application.created", kT0, "e1", {{"application", "a9"}, {"content", content}},
            ContentSidecar(f));
  Ok("application.updated", kT0, "u1", {{"application", "a1"}, {"content", content}},
     ContentSidecar(f));
  Refused(Code::kPermissionDenied, "application.updated", kT0, "u2",
          {{"application", "a1"}, {"content", content}}, ContentSidecar(f));
  Refused(Code::kNotFound, "application.submitted", kT0, "u1", {{"application", "a404"}});
  Refused(Code::kPermissionDenied, "application.submitted", kT0, "u2", {{"application", "a1"}});
  Ok("application.submitted", kT0, "u1", {{"application", "a1"}});
  Refused(Code::kConflict, "application.updated", kT0, "u1",
          {{"application", "a1"}, {"content", content}}, ContentSidecar(f));
  const Time notice_ends = kT0 + hours(240);
  json accept = {{"application", "a1"},
                 {"decision", "accept"},
                 {"notice_ends_at", FormatRfc3339(notice_ends)},
                 {"record", PublicFields(f)}};
  WrongRole("application.examined", kT0 + hours(1), "u2", accept);
  Refused(Code::kInvalidArgument, "application.examined", kT0 + hours(1), "e1",
          {{"application", "a1"}, {"decision", "maybe"}});
  Ok("application.examined", kT0 + hours(1), "e1", accept);
  Refused(Code::kConflict, "application.examined", kT0 + hours(1), "e1", accept);
  Refused(Code::kConflict, "application.withdrawn", kT0 + hours(1), "u1", {{"application", "a1"}});

  // a2: withdrawn by its holder; a3: sent back for correction, then lapses.
  Ok("application.created", kT0, "u2", {{"application", "a2"}, {"content", content}},
     ContentSidecar(f));
  Refused(Code::kPermissionDenied, "application.withdrawn", kT0, "u1", {{"application", "a2"}});
  Ok("application.withdrawn", kT0, "u2", {{"application", "a2"}});
  Ok("application.created", kT0, "u2", {{"application", "a3"}, {"content", content}},
     ContentSidecar(f));
  Ok("application.submitted", kT0, "u2", {{"application", "a3"}});
  const Time due = kT0 + hours(48);
  Ok("application.examined", kT0 + hours(1), "e1",
     {{"application", "a3"},
      {"decision", "correct"},
      {"correction_due", FormatRfc3339(due)},
      {"reason_commitment", *TextCommitment("fix it", kSalt)}},
     TextSidecar({{"reason", "fix it"}}));
  Refused(Code::kConflict, "application.withdrawn", due - hours(1), "registrar",
          {{"application", "a3"}, {"reason", "the correction deadline passed"}});
  Ok("application.withdrawn", due, "registrar",
     {{"application", "a3"}, {"reason", "the correction deadline passed"}});
  Refused(Code::kInvalidArgument, "application.reassigned", kT0, "u0",
          {{"application", "a3"}, {"from", "u2"}, {"to", "e1"}, {"reason", "r"}});  // not a holder
  Refused(Code::kConflict, "application.reassigned", kT0, "u0",
          {{"application", "a3"}, {"from", "u1"}, {"to", "u1"}, {"reason", "r"}});
  WrongRole("application.reassigned", kT0, "u2",
            {{"application", "a3"}, {"from", "u2"}, {"to", "u1"}, {"reason", "r"}});
  Ok("application.reassigned", kT0, "u0",
     {{"application", "a3"}, {"from", "u2"}, {"to", "u1"}, {"reason", "merger"}});

  // --- objections ---
  auto filed = [](const std::string& id, const std::string& grounds) {
    return json{{"objection", id},
                {"application", "a1"},
                {"grounds_commitment", *TextCommitment(grounds, kSalt)},
                {"evidence_commitment", *TextCommitment("", kSalt)}};
  };
  const std::string grounds_side = TextSidecar({{"grounds", "g"}, {"evidence", ""}});
  Refused(Code::kPermissionDenied, "objection.filed", kT0 + hours(2), "u1", filed("o0", "g"),
          grounds_side);  // the applicant
  Refused(Code::kInvalidArgument, "objection.filed", kT0 + hours(2), "ob1",
          {{"objection", "o0"}, {"application", "a1"}, {"grounds", "in clear"}});
  Ok("objection.filed", kT0 + hours(2), "ob1", filed("o1", "g"), grounds_side);
  Refused(Code::kConflict, "objection.filed", kT0 + hours(3), "ob1", filed("o2", "g"),
          grounds_side);  // one pending per objector
  Ok("objection.filed", kT0 + hours(3), "e1", filed("o3", "g"), grounds_side);
  auto ruled = [](const std::string& id, const std::string& decision) {
    return json{{"objection", id},     {"application", "a1"}, {"decision", decision},
                {"reason", "reasons"}, {"grounds", "g"},      {"grounds_salt", kSalt}};
  };
  Refused(Code::kPermissionDenied, "objection.ruled", kT0 + hours(4), "e1",
          ruled("o3", "dismiss"));  // their own
  WrongRole("objection.ruled", kT0 + hours(4), "u2", ruled("o1", "dismiss"));
  Ok("objection.ruled", kT0 + hours(4), "e2", ruled("o1", "dismiss"));
  Refused(Code::kConflict, "objection.ruled", kT0 + hours(4), "e2", ruled("o1", "uphold"));
  Refused(Code::kConflict, "objection.filed", notice_ends, "u2", filed("o4", "g"), grounds_side);

  // --- registration ---
  const std::string rn = MakeRegistrationNumber(2026, "3301", 1);
  const std::string cn1 = MakeCertificateNumber(2026, 12, "3301", 1);
  const json record = PublicFields(f);
  const Time reg = notice_ends + hours(1);
  const Time until = reg + hours(24 * 365);
  auto registered = json{{"application", "a1"},
                         {"certificate", Certificate("a1", record, rn, cn1, reg, reg, until, reg)}};
  Refused(Code::kConflict, "application.registered", reg, "registrar", registered);  // o3 open
  Ok("objection.ruled", kT0 + hours(5), "e2", ruled("o3", "dismiss"));
  Refused(Code::kInvalidArgument, "application.registered", reg, "e1", registered);
  Ok("application.registered", reg, "registrar", registered);
  Refused(Code::kConflict, "application.registered", reg, "registrar", registered);

  const json f2 = [&] {
    json g = f;
    g["structure"] = "Parquet";
    return g;
  }();
  const std::string content2 = *FieldsCommitment(f2, kSalt);
  Refused(Code::kPermissionDenied, "registration.change_requested", reg, "u2",
          {{"application", "a1"}, {"content", content2}}, ContentSidecar(f2));
  Refused(Code::kConflict, "registration.change_examined", reg, "e1",
          {{"application", "a1"},
           {"decision", "reject"},
           {"reason_commitment", *TextCommitment("no", kSalt)}},
          TextSidecar({{"reason", "no"}}));  // nothing to examine
  Ok("registration.change_requested", reg, "u1", {{"application", "a1"}, {"content", content2}},
     ContentSidecar(f2));
  Refused(Code::kConflict, "registration.change_requested", reg, "u1",
          {{"application", "a1"}, {"content", content2}}, ContentSidecar(f2));
  const std::string cn2 = MakeCertificateNumber(2026, 12, "3301", 2);
  json change_accept = {
      {"application", "a1"},
      {"decision", "accept"},
      {"certificate", Certificate("a1", PublicFields(f2), rn, cn2, reg, reg, until, reg)}};
  WrongRole("registration.change_examined", reg, "u2", change_accept);
  Ok("registration.change_examined", reg, "e1", change_accept);

  const std::string cn3 = MakeCertificateNumber(2027, 12, "3301", 1);
  const Time renew_at = until + hours(1);
  json renewal = {{"application", "a1"},
                  {"certificate", Certificate("a1", PublicFields(f2), rn, cn3, renew_at, until,
                                              until + hours(24 * 365), reg)}};
  Refused(Code::kConflict, "registration.expired", until - hours(1), "registrar",
          {{"application", "a1"}});
  Refused(Code::kInvalidArgument, "registration.expired", until, "e1", {{"application", "a1"}});
  Ok("registration.expired", until, "registrar", {{"application", "a1"}});
  Refused(Code::kPermissionDenied, "registration.renewed", renew_at, "u2", renewal);
  Ok("registration.renewed", renew_at, "u1", renewal);
  // Once renewed, the same certificate no longer starts where the validity ends.
  Refused(Code::kInvalidArgument, "registration.renewed", renew_at, "u1", renewal);

  Refused(Code::kPermissionDenied, "registration.cancelled", renew_at, "u2",
          {{"application", "a1"}});
  WrongRole("registration.revoked", renew_at, "u1", {{"application", "a1"}, {"reason", "r"}});
  Refused(Code::kInvalidArgument, "registration.revoked", renew_at, "e1", {{"application", "a1"}});
  Ok("registration.revoked", renew_at, "e1", {{"application", "a1"}, {"reason", "unlawful"}});
  Refused(Code::kConflict, "registration.cancelled", renew_at, "u1", {{"application", "a1"}});
  Refused(Code::kConflict, "registration.revoked", renew_at, "e1",
          {{"application", "a1"}, {"reason", "again"}});
  // Cancellation, accepted, on a registration of its own.
  {
    const json fc = Fields(static_cast<int>(deposit_index));
    Ok("application.created", kT0, "u1", {{"application", "a4"}, {"content", content}},
       ContentSidecar(fc));
    Ok("application.submitted", kT0, "u1", {{"application", "a4"}});
    json acc = accept;
    acc["application"] = "a4";
    Ok("application.examined", kT0 + hours(1), "e1", acc);
    const std::string rn4 = MakeRegistrationNumber(2026, "3301", 2);
    const std::string cn4 = MakeCertificateNumber(2026, 12, "3301", 4);
    Ok("application.registered", reg, "registrar",
       {{"application", "a4"},
        {"certificate", Certificate("a4", record, rn4, cn4, reg, reg, until, reg)}});
    Ok("registration.cancelled", reg, "u1", {{"application", "a4"}, {"reason", "unmaintained"}});
  }

  // Every type of the table was tried, accepted once and refused once.
  for (const auto& spec : EventSpecs()) {
    const std::string t(spec.type);
    EXPECT_TRUE(accepted_.count(t)) << t << " was never accepted";
    EXPECT_TRUE(refused_.count(t)) << t << " was never refused";
  }

  // Both hold the same register.
  EXPECT_EQ(replay_.size(), index_);
  EXPECT_EQ(replay_.deposits(), 2u);
  auto logged = ReadLoggedSettings(*store_);
  ASSERT_TRUE(logged.ok() && *logged);
  ASSERT_TRUE(replay_.settings().has_value());
  EXPECT_EQ((*logged)->settings.ToJson(), replay_.settings()->ToJson());
  EXPECT_EQ((*logged)->index, replay_.settings_index());
  for (const auto& [id, replayed] : replay_.applications()) {
    auto r = store_->RecordById(kApplicationKind, id);
    ASSERT_TRUE(r.ok() && *r) << id;
    auto stored = ApplicationState::FromRecord(**r);
    ASSERT_TRUE(stored.ok()) << id;
    // The replay knows no private field or text; everything else is the same.
    ApplicationState a = *stored;
    a.fields = replayed.fields;
    a.change_fields = replayed.change_fields;
    if (a.status != status::kRevoked && a.status != status::kRefused) a.reason = replayed.reason;
    EXPECT_EQ(a.ToJson(), replayed.ToJson()) << id;
  }
  EXPECT_EQ(replay_.applications().size(), 4u);
  for (const char* id : {"u0", "u1", "u2", "u3", "e1", "e2", "ob1"}) {
    auto a = store_->AccountById(id);
    ASSERT_TRUE(a.ok() && *a) << id;
    auto b = replay_.GetAccount(id);
    ASSERT_TRUE(b.ok() && *b) << id;
    EXPECT_EQ((*a)->role, (*b)->role) << id;
    EXPECT_EQ((*a)->disabled, (*b)->disabled) << id;
  }
  EXPECT_EQ(replay_.accounts(), 7u);

  // The register's records carry their parties: "the applications this account holds" and "the
  // objections this account filed" need no column of their own.
  auto held = store_->RecordsByParty(kApplicationKind, "holder", "u1", 0, 10);
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  std::set<std::string> ids;
  for (const auto& r : *held) ids.insert(r.id);
  EXPECT_EQ(ids, (std::set<std::string>{"a1", "a3", "a4"}));  // a3 was reassigned to u1
  auto objected = store_->RecordsByParty(kObjectionKind, "objector", "ob1", 0, 10);
  ASSERT_TRUE(objected.ok());
  ASSERT_EQ(objected->size(), 1u);
  EXPECT_EQ((*objected)[0].id, "o1");
}

}  // namespace
}  // namespace dipr::registry
