// The state machine alone, in memory (Replay is the in-memory RegisterView).
#include "registry/lifecycle.h"

#include <gtest/gtest.h>

#include <functional>

#include "registry/application.h"
#include "registry/commitment.h"
#include "registry/event_spec.h"
#include "registry/numbers.h"
#include "registry/replay.h"

namespace dipr::registry {
namespace {

using nlohmann::json;
using std::chrono::hours;

const Time kT0 = *ParseRfc3339("2026-12-01T02:00:00Z");
constexpr char kSalt[] = "00112233445566778899aabbccddeeff";

json Fields() {
  return *ParseApplicationFields(json::parse(R"({
    "data_name": "城市交通流量数据集", "industry": "G",
    "holders": [{"name": "杭州数据科技有限公司", "type": "enterprise", "id": "91350100M000100Y43",
                 "country": "CN", "share": 1}],
    "scenarios": "s", "collection_rules": "c", "processing_rules": "p", "structure": "st",
    "update_frequency": "daily", "source": {"kind": "licensed", "description": "d"},
    "scale": {"records": 1, "bytes": 2}, "deposits": [3], "confidential": ["processing_rules"]})"));
}

class LifecycleTest : public ::testing::Test {
 protected:
  Status Apply(const std::string& type, Time t, const std::string& actor, json payload,
               const std::string& sidecar = "") {
    Event e{type, t, actor, std::move(payload)};
    return ApplyEvent(view_,
                      EventContext{nullptr, index_++, e, sidecar, /*require_private=*/false});
  }
  ApplicationState App() { return **view_.GetApplication("a1"); }

  // Creates a1 with Fields(), submits it, accepts it for a notice ending at kT0 + 240h.
  void ToNotice() {
    json f = Fields();
    std::string sidecar = *CanonicalJson(json{{"fields", f}, {"salt", kSalt}});
    std::string content = *FieldsCommitment(f, kSalt);
    ASSERT_TRUE(Apply("application.created", kT0, "u1",
                      {{"application", "a1"}, {"content", content}}, sidecar)
                    .ok());
    ASSERT_TRUE(Apply("application.submitted", kT0, "u1", {{"application", "a1"}}).ok());
    ASSERT_TRUE(Apply("application.examined", kT0 + hours(1), "e1",
                      {{"application", "a1"},
                       {"decision", "accept"},
                       {"notice_ends_at", FormatRfc3339(NoticeEnd())},
                       {"record", PublicFields(f)}})
                    .ok());
  }
  Time NoticeEnd() const { return kT0 + hours(240); }

  // objection.filed's payload: the grounds and evidence as their commitments (under kSalt).
  static json Filed(const std::string& id, const std::string& grounds,
                    const std::string& evidence = "") {
    return {{"objection", id},
            {"application", "a1"},
            {"grounds_commitment", *TextCommitment(grounds, kSalt)},
            {"evidence_commitment", *TextCommitment(evidence, kSalt)}};
  }
  // objection.ruled's payload, publishing the grounds with their salt.
  static json Ruled(const std::string& id, const std::string& decision,
                    const std::string& grounds) {
    return {{"objection", id},      {"application", "a1"},
            {"decision", decision}, {"reason", "the ruling's reasons"},
            {"grounds", grounds},   {"grounds_salt", kSalt}};
  }

  json Certificate(const std::string& rn, const std::string& cn, Time issued, Time from, Time until,
                   Time registered) {
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
    f.deposits = {{{"index", 3},
                   {"algorithm", "rfc6962-sha256-64k"},
                   {"digest", std::string(64, 'a')},
                   {"size", 5}}};
    return CertificateBody(App(), f);
  }
  Status Register(Time t, const std::string& rn, const std::string& cn) {
    return Apply("application.registered", t, "registrar",
                 {{"application", "a1"},
                  {"certificate", Certificate(rn, cn, t, t, t + hours(24 * 365), t)}});
  }

  Replay view_;
  uint64_t index_ = 0;
  const std::string rn_ = MakeRegistrationNumber(2026, "3301", 1);
  const std::string cn_ = MakeCertificateNumber(2026, 12, "3301", 1);
};

TEST_F(LifecycleTest, FromDraftToRegisteredAndBeyond) {
  ToNotice();
  ApplicationState a = App();
  EXPECT_EQ(a.status, "in_notice");
  EXPECT_FALSE(a.fields.is_null());  // the sidecar opened
  EXPECT_FALSE(a.record.contains("processing_rules"));
  EXPECT_EQ(a.Due(), NoticeEnd());

  // Not before the notice ends.
  EXPECT_EQ(Register(NoticeEnd() - hours(1), rn_, cn_).code(), Code::kConflict);
  ASSERT_TRUE(Register(NoticeEnd(), rn_, cn_).ok());
  a = App();
  EXPECT_EQ(a.status, "registered");
  EXPECT_EQ(a.registration_number, rn_);
  EXPECT_EQ(a.certificate_number, cn_);
  EXPECT_EQ(a.Due(), *a.valid_until);
  json pub = a.PublicRecord();
  EXPECT_EQ(pub["registration_number"], rn_);
  EXPECT_FALSE(pub.contains("processing_rules"));
  EXPECT_EQ(pub["history"].size(), 4u);

  // Expiry only after the validity; then renewal continues it.
  Time until = *a.valid_until;
  EXPECT_EQ(
      Apply("registration.expired", until - hours(1), "registrar", {{"application", "a1"}}).code(),
      Code::kConflict);
  // Only the registrar expires a registration, even once its validity has ended.
  Status by_examiner = Apply("registration.expired", until, "e1", {{"application", "a1"}});
  EXPECT_EQ(by_examiner.code(), Code::kInvalidArgument) << by_examiner.message();
  EXPECT_NE(by_examiner.message().find("registrar's own event"), std::string::npos);
  EXPECT_EQ(App().status, "registered");
  ASSERT_TRUE(Apply("registration.expired", until, "registrar", {{"application", "a1"}}).ok());
  EXPECT_EQ(App().status, "expired");
  std::string cn2 = MakeCertificateNumber(2027, 12, "3301", 1);
  Time renew_at = until + hours(48);
  json renewal = Certificate(rn_, cn2, renew_at, until, until + hours(24 * 365), NoticeEnd());
  ASSERT_TRUE(Apply("registration.renewed", renew_at, "u1",
                    {{"application", "a1"}, {"certificate", renewal}})
                  .ok());
  EXPECT_EQ(App().status, "registered");
  EXPECT_EQ(App().certificate_number, cn2);
  // A renewal by someone else is refused by the holder rule: its certificate is otherwise good
  // (a number never claimed, the validity continuing), so nothing else can refuse it.
  const Time next_from = until + hours(24 * 365);
  json by_other = Certificate(rn_, MakeCertificateNumber(2027, 12, "3301", 2), renew_at, next_from,
                              next_from + hours(24 * 365), NoticeEnd());
  Status other = Apply("registration.renewed", renew_at, "u2",
                       {{"application", "a1"}, {"certificate", by_other}});
  EXPECT_EQ(other.code(), Code::kPermissionDenied) << other.message();
  EXPECT_NE(other.message().find("not the holder"), std::string::npos) << other.message();
  EXPECT_EQ(App().certificate_number, cn2);  // nothing changed
  // By the holder, a certificate reusing a number is refused.
  json again = Certificate(rn_, cn2, renew_at, until + hours(24 * 365), until + hours(2 * 24 * 365),
                           NoticeEnd());
  EXPECT_EQ(
      Apply("registration.renewed", renew_at, "u1", {{"application", "a1"}, {"certificate", again}})
          .code(),
      Code::kConflict);  // cn2 was claimed

  ASSERT_TRUE(Apply("registration.revoked", renew_at, "e1",
                    {{"application", "a1"}, {"reason", "fraudulent sources"}})
                  .ok());
  EXPECT_EQ(App().status, "revoked");
  EXPECT_FALSE(App().Due().has_value());
}

TEST_F(LifecycleTest, AnOpenObjectionHoldsRegistrationUntilRuled) {
  ToNotice();
  ASSERT_TRUE(Apply("objection.filed", kT0 + hours(2), "u9", Filed("o1", "g")).ok());
  EXPECT_FALSE(App().Due().has_value());
  EXPECT_EQ(Register(NoticeEnd() + hours(1), rn_, cn_).code(), Code::kConflict);
  // Objections after the end of the notice are refused.
  EXPECT_EQ(Apply("objection.filed", NoticeEnd(), "u8", Filed("o2", "g")).code(), Code::kConflict);
  ASSERT_TRUE(
      Apply("objection.ruled", NoticeEnd() + hours(2), "e1", Ruled("o1", "dismiss", "g")).ok());
  EXPECT_EQ(App().Due(), NoticeEnd());
  EXPECT_TRUE(Register(NoticeEnd() + hours(3), rn_, cn_).ok());
}

TEST_F(LifecycleTest, AnUpheldObjectionRefusesTheApplication) {
  ToNotice();
  ASSERT_TRUE(Apply("objection.filed", kT0 + hours(2), "u9", Filed("o1", "g", "e")).ok());
  ASSERT_TRUE(Apply("objection.ruled", kT0 + hours(3), "e1", Ruled("o1", "uphold", "g")).ok());
  EXPECT_EQ(App().status, "refused");
  EXPECT_EQ(App().reason, "the ruling's reasons");
  EXPECT_EQ((*view_.GetObjection("o1"))->grounds, "g");
  EXPECT_EQ(Register(NoticeEnd(), rn_, cn_).code(), Code::kConflict);
  // Ruled once only.
  EXPECT_EQ(Apply("objection.ruled", kT0 + hours(4), "e1", Ruled("o1", "dismiss", "g")).code(),
            Code::kConflict);
}

TEST_F(LifecycleTest, NumbersAreNeverClaimedTwice) {
  ToNotice();
  ASSERT_TRUE(view_.ClaimNumber(cn_, "a0").ok());  // another application has it
  EXPECT_EQ(Register(NoticeEnd(), rn_, cn_).code(), Code::kConflict);
  EXPECT_EQ(App().status, "in_notice");
}

// Certificates name their deposits' digests (verify-certificate --file checks a dataset with
// them) and the registrar's local dates; those before did not, and still replay.
TEST_F(LifecycleTest, ACertificateNamesTheRecordsDepositsOrNone) {
  ToNotice();
  const Time t = NoticeEnd();
  auto registered = [&](const std::function<void(json&)>& edit) {
    json cert = Certificate(rn_, cn_, t, t, t + hours(24 * 365), t);
    edit(cert);
    return Apply("application.registered", t, "registrar",
                 {{"application", "a1"}, {"certificate", cert}});
  };
  EXPECT_EQ(registered([](json& c) { c["deposits"][0]["index"] = 4; }).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(registered([](json& c) { c["deposits"].push_back(c["deposits"][0]); }).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(registered([](json& c) { c["deposits"][0]["digest"] = "ABC"; }).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(registered([](json& c) { c["deposits"][0]["size"] = -1; }).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(registered([](json& c) { c["local_dates"]["valid_until"] = "2027/12/01"; }).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(registered([](json& c) { c["local_dates"].erase("time_zone"); }).code(),
            Code::kInvalidArgument);
  // A certificate of the format before both fields.
  ASSERT_TRUE(registered([](json& c) {
                c.erase("deposits");
                c.erase("local_dates");
              }).ok());
  EXPECT_EQ(App().status, "registered");
}

TEST_F(LifecycleTest, OnlyTheRegistrarRegistersAndExpires) {
  ToNotice();
  Time t = NoticeEnd();
  EXPECT_EQ(
      Apply("application.registered", t, "u1",
            {{"application", "a1"}, {"certificate", Certificate(rn_, cn_, t, t, t + hours(1), t)}})
          .code(),
      Code::kInvalidArgument);
}

TEST_F(LifecycleTest, CorrectionRequestsLapseAfterTheirDeadline) {
  json f = Fields();
  std::string content = *FieldsCommitment(f, kSalt);
  ASSERT_TRUE(
      Apply("application.created", kT0, "u1", {{"application", "a1"}, {"content", content}}).ok());
  EXPECT_TRUE(App().fields.is_null());  // no sidecar: a public replay
  ASSERT_TRUE(Apply("application.submitted", kT0, "u1", {{"application", "a1"}}).ok());
  Time due = kT0 + hours(72);
  ASSERT_TRUE(Apply("application.examined", kT0, "e1",
                    {{"application", "a1"},
                     {"decision", "correct"},
                     {"reason_commitment", *TextCommitment("fix the scale", kSalt)},
                     {"correction_due", FormatRfc3339(due)}})
                  .ok());
  EXPECT_EQ(App().status, "correction_requested");
  EXPECT_EQ(App().Due(), due);
  EXPECT_EQ(
      Apply("application.withdrawn", due - hours(1), "registrar", {{"application", "a1"}}).code(),
      Code::kConflict);
  ASSERT_TRUE(Apply("application.withdrawn", due, "registrar", {{"application", "a1"}}).ok());
  EXPECT_EQ(App().status, "withdrawn");
  EXPECT_EQ(Apply("application.submitted", due, "u1", {{"application", "a1"}}).code(),
            Code::kConflict);
}

TEST_F(LifecycleTest, SidecarsMustMatchTheirCommitment) {
  json f = Fields();
  std::string content = *FieldsCommitment(f, kSalt);
  json other = f;
  other["structure"] = "changed";
  std::string lying = *CanonicalJson(json{{"fields", other}, {"salt", kSalt}});
  EXPECT_EQ(
      Apply("application.created", kT0, "u1", {{"application", "a1"}, {"content", content}}, lying)
          .code(),
      Code::kInvalidArgument);
  EXPECT_FALSE(view_.GetApplication("a1")->has_value());
}

TEST_F(LifecycleTest, TheAcceptedRecordMustBeThePublicFields) {
  json f = Fields();
  std::string sidecar = *CanonicalJson(json{{"fields", f}, {"salt", kSalt}});
  ASSERT_TRUE(Apply("application.created", kT0, "u1",
                    {{"application", "a1"}, {"content", *FieldsCommitment(f, kSalt)}}, sidecar)
                  .ok());
  ASSERT_TRUE(Apply("application.submitted", kT0, "u1", {{"application", "a1"}}).ok());
  json leaky = f;  // publishes the confidential processing rules
  EXPECT_EQ(Apply("application.examined", kT0, "e1",
                  {{"application", "a1"},
                   {"decision", "accept"},
                   {"notice_ends_at", FormatRfc3339(NoticeEnd())},
                   {"record", leaky}})
                .code(),
            Code::kInvalidArgument);
}

// Issue 9: an examiner's reason, an objection's grounds and evidence were logged in clear.
TEST_F(LifecycleTest, APrivateTextInClearInTheLogIsRefused) {
  ToNotice();
  json clear = Filed("o1", "g");
  clear["grounds"] = "g";
  EXPECT_EQ(Apply("objection.filed", kT0 + hours(2), "u9", clear).code(), Code::kInvalidArgument);
  json f = Fields();
  ASSERT_TRUE(Apply("application.created", kT0, "u1",
                    {{"application", "a2"}, {"content", *FieldsCommitment(f, kSalt)}})
                  .ok());
  ASSERT_TRUE(Apply("application.submitted", kT0, "u1", {{"application", "a2"}}).ok());
  EXPECT_EQ(Apply("application.examined", kT0, "e1",
                  {{"application", "a2"}, {"decision", "reject"}, {"reason", "names 张三"}})
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ((*view_.GetApplication("a2"))->status, "submitted");
}

TEST_F(LifecycleTest, APrivateReasonsSidecarMustMatchItsCommitment) {
  json f = Fields();
  ASSERT_TRUE(Apply("application.created", kT0, "u1",
                    {{"application", "a1"}, {"content", *FieldsCommitment(f, kSalt)}})
                  .ok());
  ASSERT_TRUE(Apply("application.submitted", kT0, "u1", {{"application", "a1"}}).ok());
  json payload = {{"application", "a1"},
                  {"decision", "reject"},
                  {"reason_commitment", *TextCommitment("the real reason", kSalt)}};
  std::string lying = *CanonicalJson(json{{"reason", {{"salt", kSalt}, {"text", "another"}}}});
  EXPECT_EQ(Apply("application.examined", kT0, "e1", payload, lying).code(),
            Code::kInvalidArgument);
  std::string honest =
      *CanonicalJson(json{{"reason", {{"salt", kSalt}, {"text", "the real reason"}}}});
  ASSERT_TRUE(Apply("application.examined", kT0, "e1", payload, honest).ok());
  EXPECT_EQ(App().reason, "the real reason");
}

TEST_F(LifecycleTest, ARulingThatPublishesOtherGroundsThanFiledIsRefused) {
  ToNotice();
  ASSERT_TRUE(Apply("objection.filed", kT0 + hours(2), "u9", Filed("o1", "it is ours")).ok());
  EXPECT_TRUE((*view_.GetObjection("o1"))->grounds.empty());  // unknown to a public replay
  EXPECT_EQ(Apply("objection.ruled", kT0 + hours(3), "e1", Ruled("o1", "uphold", "it is not ours"))
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(App().status, "in_notice");
  ASSERT_TRUE(
      Apply("objection.ruled", kT0 + hours(3), "e1", Ruled("o1", "dismiss", "it is ours")).ok());
  EXPECT_EQ((*view_.GetObjection("o1"))->grounds, "it is ours");
}

TEST_F(LifecycleTest, AnExaminerRulingOnTheirOwnObjectionIsRefused) {
  ToNotice();
  ASSERT_TRUE(Apply("objection.filed", kT0 + hours(2), "e1", Filed("o1", "g")).ok());
  EXPECT_EQ(Apply("objection.ruled", kT0 + hours(3), "e1", Ruled("o1", "uphold", "g")).code(),
            Code::kPermissionDenied);
  EXPECT_EQ(App().status, "in_notice");
  EXPECT_TRUE(Apply("objection.ruled", kT0 + hours(3), "e2", Ruled("o1", "dismiss", "g")).ok());
}

TEST_F(LifecycleTest, AnApplicantObjectingToTheirOwnApplicationIsRefused) {
  ToNotice();
  EXPECT_EQ(Apply("objection.filed", kT0 + hours(2), "u1", Filed("o1", "g")).code(),
            Code::kPermissionDenied);
  EXPECT_TRUE(App().objections.empty());
}

TEST_F(LifecycleTest, ASecondPendingObjectionByOneObjectorIsRefused) {
  ToNotice();
  ASSERT_TRUE(Apply("objection.filed", kT0 + hours(2), "u9", Filed("o1", "g")).ok());
  EXPECT_EQ(Apply("objection.filed", kT0 + hours(2), "u9", Filed("o2", "g")).code(),
            Code::kConflict);
  EXPECT_TRUE(Apply("objection.filed", kT0 + hours(2), "u8", Filed("o3", "g")).ok());
  // Once ruled on, the objector may object again (while the notice lasts).
  ASSERT_TRUE(Apply("objection.ruled", kT0 + hours(3), "e1", Ruled("o1", "dismiss", "g")).ok());
  EXPECT_TRUE(Apply("objection.filed", kT0 + hours(4), "u9", Filed("o4", "new grounds")).ok());
  EXPECT_EQ(App().objections.size(), 3u);
}

TEST_F(LifecycleTest, AChangeRequestThatChangesNothingIsRefused) {
  ToNotice();
  ASSERT_TRUE(Register(NoticeEnd(), rn_, cn_).ok());
  json f = Fields();
  constexpr char kOtherSalt[] = "ffeeddccbbaa99887766554433221100";
  auto request = [&](const json& fields) {
    return Apply("registration.change_requested", NoticeEnd() + hours(1), "u1",
                 {{"application", "a1"}, {"content", *FieldsCommitment(fields, kOtherSalt)}},
                 *CanonicalJson(json{{"fields", fields}, {"salt", kOtherSalt}}));
  };
  EXPECT_EQ(request(f).code(), Code::kConflict);
  EXPECT_TRUE(App().change_content.empty());
  f["structure"] = "Parquet";
  EXPECT_TRUE(request(f).ok());
}

}  // namespace
}  // namespace dipr::registry
