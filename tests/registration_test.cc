// The registration workflow end to end over HTTP, on each storage backend, with an injected clock:
// applications, examination, notice, objections, automatic registration, certificates, the public
// register, renewal, changes, cancellation, revocation, expiry, roles and validation.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "certificate/pdf.h"
#include "common/base64.h"
#include "common/hex.h"
#include "common/testing.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "fingerprint/fingerprint.h"
#include "raw_http.h"
#include "registry/numbers.h"
#include "registry/registrar.h"
#include "registry/replay.h"
#include "server/migrate.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "test_registry.h"
#include "verify/certificate.h"

namespace dipr {
namespace {

using nlohmann::json;
using std::chrono::hours;
using testenv::Backend;
using testenv::TestRegistry;

// Friday 2026-12-04 10:00 in Shanghai. With the default 10 working days the notice ends at the
// end of Friday 12-18 (December has no holidays): 2026-12-19T00:00+08:00.
const Time kStart = *ParseRfc3339("2026-12-04T02:00:00Z");
const Time kNoticeEnd = *ParseRfc3339("2026-12-18T16:00:00Z");
// The holder's dataset: one deposit, so the applications' "scale.bytes" is its size.
const std::string kRows = "rows of traffic data\n";

std::string ErrorCode(const cli::HttpResult& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("error")) return "(no error body: " + r.body + ")";
  return j["error"]["code"];
}
std::string ErrorMessage(const cli::HttpResult& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("error")) return "";
  return j["error"]["message"];
}

class RegistrationTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    clock_ = std::make_unique<FakeClock>(kStart);
    reg_ = std::make_unique<TestRegistry>(
        ::testing::UnitTest::GetInstance()->current_test_info()->name(), GetParam(), clock_.get(),
        [this](server::NodeOptions& o) {
          o.settings.registrar_code = "3301";
          o.settings.registrar_name = "浙江省知识产权局 / Zhejiang IP Office";
          o.settings.public_url = "https://ip.example.cn/";
          // Two renders at a time, two certificates in the queue; renders wait at pdf_gate_.
          o.api.pdf.workers = 2;
          o.api.pdf.queue = 2;
          o.api.pdf.render = [this](const certificate::CertificateView& v) {
            pdf_gate_.Pass();
            return certificate::RenderPdf(v);
          };
        });
    ASSERT_TRUE(reg_->running());
    holder_ = reg_->CreateAccount("杭州数据科技有限公司", "holder");
    other_holder_ = reg_->CreateAccount("Other Holder", "holder");
    examiner_ = reg_->CreateAccount("Examiner Li", "examiner");
    public_ = reg_->CreateAccount("A citizen", "finance");
    key_ = std::move(crypto::NoteVerifier::Parse(reg_->verifier_key())).value();
    deposit_ = Deposit(holder_, kRows);
  }

  uint64_t Deposit(const std::string& token, const std::string& data) {
    json fp = fingerprint::ToJson(*fingerprint::FingerprintBytes(data));
    auto r = reg_->Client(token).PostJson("/v1/deposits", {{"fingerprint", fp}, {"title", "t"}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? (*r)["index"].get<uint64_t>() : 0;
  }

  json Body(const std::string& name = "城市交通流量数据集 City traffic flows") {
    return {{"data_name", name},
            {"holders",
             {{{"name", "杭州数据科技有限公司"},
               {"type", "enterprise"},
               {"id", "91350100M000100Y43"},
               {"country", "CN"},
               {"share", 2}},
              {{"name", "张三"},
               {"type", "individual"},
               {"id", "11010519491231002X"},
               {"country", "CN"},
               {"share", 1}}}},
            {"industry", "G"},
            {"scenarios", "交通规划 traffic planning"},
            {"collection_rules", "roadside sensors every five minutes"},
            {"processing_rules", "SECRET median filter v7"},
            {"structure", "CSV: sensor, time, count"},
            {"update_frequency", "daily"},
            {"source", {{"kind", "self_collected"}, {"description", "our own sensors"}}},
            {"scale", {{"records", 1000000}, {"bytes", kRows.size()}}},
            {"deposits", {deposit_}},
            {"confidential", {"processing_rules"}}};
  }

  cli::HttpResult Call(const std::string& token, const std::string& method,
                       const std::string& target, const json& body = json()) {
    return reg_->Call(token, method, target, body);
  }
  json Ok(const cli::HttpResult& r, int status = 200) { return TestRegistry::Ok(r, status); }

  // An edit of Body() that must be refused with 400 naming `field`.
  struct BodyEdit {
    std::function<void(json&)> edit;
    std::string field;
  };
  void ExpectRefusedNamingTheField(const std::vector<BodyEdit>& cases) {
    for (const auto& c : cases) {
      json b = Body();
      c.edit(b);
      auto r = Call(holder_, "POST", "/v1/applications", b);
      EXPECT_EQ(r.status, 400) << c.field << ": " << r.body;
      EXPECT_EQ(ErrorCode(r), "invalid_argument");
      EXPECT_NE(ErrorMessage(r).find("\"" + c.field + "\""), std::string::npos)
          << c.field << ": " << r.body;
    }
  }

  std::string Create(const json& body) {
    json a = Ok(Call(holder_, "POST", "/v1/applications", body), 201);
    return a.value("id", "");
  }
  // Creates, submits and accepts an application; returns its id.
  std::string InNotice(const std::string& name = "城市交通流量数据集 City traffic flows") {
    std::string id = Create(Body(name));
    Ok(Call(holder_, "POST", "/v1/applications/" + id + "/submit"));
    json a = Ok(Call(examiner_, "POST", "/v1/applications/" + id + "/examination",
                     {{"decision", "accept"}}));
    EXPECT_EQ(a["status"], "in_notice");
    return id;
  }
  size_t RunDue() {
    auto n = reg_->node().registrar().RunDue();
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : 0;
  }
  // Moves past the notice and lets the registrar act; returns the registration number.
  std::string Register(const std::string& id) {
    json before = Ok(Call(holder_, "GET", "/v1/applications/" + id));
    Time ends = *ParseRfc3339(before["notice_ends_at"].get<std::string>());
    clock_->Set(std::max(clock_->Now(), ends));
    RunDue();
    json a = Ok(Call(holder_, "GET", "/v1/applications/" + id));
    EXPECT_EQ(a["status"], "registered") << a.dump();
    return a.value("registration_number", "");
  }
  uint64_t TreeSize() {
    auto r = reg_->Client().Get("/log/checkpoint");
    return std::move(log::OpenCheckpoint(r->body, *key_)).value().size;
  }
  // Every entry of the public log, as served by /log/entries, decoded to its bytes.
  std::vector<std::string> Entries() {
    std::vector<std::string> out;
    uint64_t size = TreeSize();
    while (out.size() < size) {
      uint64_t end = std::min<uint64_t>(size, out.size() + 1000);
      json page = Ok(Call("", "GET", fmt::format("/log/entries?start={}&end={}", out.size(), end)));
      if (page["entries"].empty()) break;
      for (const auto& e : page["entries"]) {
        out.push_back(*Base64Decode(e["data"].get<std::string>()));
      }
    }
    EXPECT_EQ(out.size(), size);
    return out;
  }
  // The whole public log's bytes, for scans for what must not be there.
  std::string PublicLog() {
    std::string all;
    for (const auto& e : Entries()) all += e + "\n";
    return all;
  }

  // Holds certificate renders back while closed.
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool closed = false;
    int waiting = 0;
    void Pass() {
      std::unique_lock lock(mu);
      ++waiting;
      cv.notify_all();
      cv.wait(lock, [&] { return !closed; });
      --waiting;
    }
    void Set(bool c) {
      std::lock_guard lock(mu);
      closed = c;
      cv.notify_all();
    }
    void AwaitWaiting(int n) {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return waiting >= n; });
    }
  } pdf_gate_;
  std::unique_ptr<FakeClock> clock_;
  std::unique_ptr<TestRegistry> reg_;
  std::string holder_, other_holder_, examiner_, public_;
  std::optional<crypto::NoteVerifier> key_;
  uint64_t deposit_ = 0;
};

TEST_P(RegistrationTest, FromApplicationToVerifiedCertificate) {
  // Draft: the applicant sees every field; nothing of it is in the public log.
  std::string id = Create(Body());
  ASSERT_FALSE(id.empty());
  json draft = Ok(Call(holder_, "GET", "/v1/applications/" + id));
  EXPECT_EQ(draft["status"], "draft");
  EXPECT_EQ(draft["processing_rules"], "SECRET median filter v7");
  uint64_t created_at = draft["history"][0]["index"];
  auto entry = reg_->Client().GetJson("/log/entries?start=" + std::to_string(created_at) +
                                      "&end=" + std::to_string(created_at + 1));
  ASSERT_TRUE(entry.ok());
  std::string logged = *Base64Decode((*entry)["entries"][0]["data"].get<std::string>());
  EXPECT_EQ(logged.find("SECRET"), std::string::npos);
  EXPECT_EQ(logged.find("traffic"), std::string::npos);  // drafts are committed, not published

  // Editing a draft, then submitting it.
  json edited = Body("城市交通流量数据集 City traffic flows (2026)");
  EXPECT_EQ(Ok(Call(holder_, "PUT", "/v1/applications/" + id, edited))["data_name"],
            "城市交通流量数据集 City traffic flows (2026)");
  EXPECT_EQ(Ok(Call(holder_, "POST", "/v1/applications/" + id + "/submit"))["status"], "submitted");
  // Submitted applications are not edited.
  EXPECT_EQ(Call(holder_, "PUT", "/v1/applications/" + id, Body()).status, 409);

  // Accepted for notice: ten working days, published without the confidential field.
  json a = Ok(
      Call(examiner_, "POST", "/v1/applications/" + id + "/examination", {{"decision", "accept"}}));
  EXPECT_EQ(a["status"], "in_notice");
  EXPECT_EQ(a["notice_ends_at"], FormatRfc3339(kNoticeEnd));
  json notices = Ok(Call("", "GET", "/v1/notices"));
  ASSERT_EQ(notices["total"], 1);
  EXPECT_EQ(notices["items"][0]["application"], id);
  EXPECT_EQ(notices["items"][0]["notice_ends_at"], FormatRfc3339(kNoticeEnd));
  EXPECT_EQ(notices.dump().find("SECRET"), std::string::npos);
  json notice = Ok(Call("", "GET", "/v1/notices/" + id));
  EXPECT_EQ(notice["collection_rules"], "roadside sensors every five minutes");
  EXPECT_FALSE(notice.contains("processing_rules"));
  EXPECT_EQ(notice["status"], "in_notice");

  // An objection holds registration at the end of the notice until it is ruled on.
  clock_->Advance(hours(24));
  json o = Ok(Call(public_, "POST", "/v1/applications/" + id + "/objections",
                   {{"grounds", "这是我们的数据 it is ours"}, {"evidence", "contract 12"}}),
              201);
  std::string oid = o["id"];
  EXPECT_EQ(o["status"], "pending");
  clock_->Set(kNoticeEnd);
  EXPECT_EQ(RunDue(), 0u);
  EXPECT_EQ(Ok(Call(holder_, "GET", "/v1/applications/" + id))["status"], "in_notice");
  // After the end, no more objections.
  EXPECT_EQ(
      Call(public_, "POST", "/v1/applications/" + id + "/objections", {{"grounds", "late"}}).status,
      409);
  EXPECT_EQ(Ok(Call(examiner_, "POST", "/v1/objections/" + oid + "/ruling",
                    {{"decision", "dismiss"}, {"reason", "no evidence of ownership"}}))["status"],
            "dismissed");
  clock_->Advance(std::chrono::seconds(1));
  EXPECT_EQ(RunDue(), 1u);

  json reg = Ok(Call(holder_, "GET", "/v1/applications/" + id));
  ASSERT_EQ(reg["status"], "registered");
  std::string number = reg["registration_number"];
  std::string cert_number = reg["certificate_number"];
  EXPECT_TRUE(registry::IsValidRegistrationNumber(number)) << number;
  EXPECT_EQ(number.substr(0, 8), "20263301");
  EXPECT_EQ(cert_number.substr(0, 10), "2026123301");
  EXPECT_TRUE(registry::IsValidCertificateNumber(cert_number));

  // The public record: public fields, masked individual, the whole history with log indexes.
  json pub = Ok(Call("", "GET", "/v1/registrations/" + number));
  EXPECT_EQ(pub["status"], "registered");
  EXPECT_FALSE(pub.contains("processing_rules"));
  EXPECT_EQ(pub["holders"][1]["id"], "110*************2X");
  EXPECT_EQ(pub["registration_number"], number);
  std::vector<std::string> types;
  for (const auto& h : pub["history"]) types.push_back(h["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"application.created", "application.updated",
                                             "application.submitted", "application.examined",
                                             "objection.filed", "objection.ruled",
                                             "application.registered"}));
  EXPECT_EQ(pub.dump().find("SECRET"), std::string::npos);

  // The certificate verifies offline, and tampering is caught.
  json cert = Ok(Call("", "GET", "/v1/registrations/" + number + "/certificate"));
  auto v = registry::VerifyCertificate(cert, *key_);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->body["registration_number"], number);
  EXPECT_EQ(v->body["record"]["data_name"], "城市交通流量数据集 City traffic flows (2026)");
  json forged = cert;
  forged["certificate"]["record"]["data_name"] = "Someone else's data";
  EXPECT_FALSE(registry::VerifyCertificate(forged, *key_).ok());
  forged = cert;
  forged["certificate"]["valid_until"] = "2099-12-31T00:00:00.000Z";
  EXPECT_FALSE(registry::VerifyCertificate(forged, *key_).ok());

  // Found in the public register, in Chinese and English, by holder and industry.
  for (std::string q : std::vector<std::string>{"交通", "交通流量", "traffic", "TRAFFIC", number}) {
    json found = Ok(Call("", "GET", "/v1/registrations?q=" + testenv::UrlEncode(q)));
    EXPECT_EQ(found["total"], 1) << q;
    EXPECT_EQ(found["total_exact"], true) << q;
  }
  EXPECT_EQ(Ok(Call("", "GET", "/v1/registrations?q=" + testenv::UrlEncode("SECRET")))["total"], 0);
  EXPECT_EQ(Ok(Call("", "GET", "/v1/registrations?industry=G"))["total"], 1);
  EXPECT_EQ(Ok(Call("", "GET", "/v1/registrations?industry=A"))["total"], 0);
  EXPECT_EQ(Ok(Call("", "GET", "/v1/registrations?holder=" + testenv::UrlEncode("杭州")))["total"],
            1);
  EXPECT_EQ(Ok(Call("", "GET", "/v1/notices"))["total"], 0);
}

TEST_P(RegistrationTest, RolesAndOwnership) {
  std::string id = Create(Body());
  // Wrong role: 403; someone else's draft: 404; no token: 401.
  EXPECT_EQ(Call(examiner_, "POST", "/v1/applications", Body()).status, 403);
  EXPECT_EQ(Call(public_, "POST", "/v1/applications", Body()).status, 403);
  EXPECT_EQ(Call(other_holder_, "GET", "/v1/applications/" + id).status, 404);
  EXPECT_EQ(Call(other_holder_, "PUT", "/v1/applications/" + id, Body()).status, 404);
  EXPECT_EQ(Call(other_holder_, "POST", "/v1/applications/" + id + "/submit").status, 404);
  EXPECT_EQ(Call("", "GET", "/v1/applications/" + id).status, 401);
  EXPECT_EQ(Call(examiner_, "GET", "/v1/applications/" + id).status, 200);  // examiners see all
  Ok(Call(holder_, "POST", "/v1/applications/" + id + "/submit"));
  EXPECT_EQ(
      Call(holder_, "POST", "/v1/applications/" + id + "/examination", {{"decision", "accept"}})
          .status,
      403);
  // A draft or submitted application is not public: not readable, objections to it are 404.
  EXPECT_EQ(Call("", "GET", "/v1/notices/" + id).status, 404);
  EXPECT_EQ(
      Call(public_, "POST", "/v1/applications/" + id + "/objections", {{"grounds", "g"}}).status,
      404);
  EXPECT_EQ(Call("", "POST", "/v1/applications/" + id + "/objections", {{"grounds", "g"}}).status,
            401);
  // The examiners' queue: submitted applications, the longest waiting first.
  json queue = Ok(Call(examiner_, "GET", "/v1/applications"));
  ASSERT_EQ(queue["items"].size(), 1u);
  EXPECT_EQ(queue["items"][0]["id"], id);
  EXPECT_EQ(Ok(Call(examiner_, "GET", "/v1/applications?status=in_notice"))["items"].size(), 0u);
  EXPECT_EQ(Call(examiner_, "GET", "/v1/applications?status=bogus").status, 400);
  EXPECT_EQ(Call(holder_, "GET", "/v1/applications?status=submitted").status, 400);
  EXPECT_EQ(Call(public_, "GET", "/v1/applications").status, 403);
  // A holder's list holds only their own.
  json mine = Ok(Call(holder_, "GET", "/v1/applications"));
  ASSERT_EQ(mine["items"].size(), 1u);
  EXPECT_EQ(Ok(Call(other_holder_, "GET", "/v1/applications"))["items"].size(), 0u);
}

TEST_P(RegistrationTest, BadInputIsRefusedNamingTheFieldAndChangesNothing) {
  // What a refused request must leave as it was, checked after each group of them: the log, and
  // the records as their readers see them (the holders' applications, the examiners' queues, the
  // register, and the application `id` the later requests are about).
  auto state = [&](const std::string& id = "") {
    json s;
    s["tree_size"] = TreeSize();
    s["holder"] = Ok(Call(holder_, "GET", "/v1/applications"));
    s["other_holder"] = Ok(Call(other_holder_, "GET", "/v1/applications"));
    s["submitted"] = Ok(Call(examiner_, "GET", "/v1/applications"));
    s["objections"] = Ok(Call(examiner_, "GET", "/v1/objections"));
    s["registrations"] = Ok(Call("", "GET", "/v1/registrations"));
    if (!id.empty()) s["application"] = Ok(Call(holder_, "GET", "/v1/applications/" + id));
    return s;
  };
  uint64_t size = TreeSize();
  json before = state();
  ExpectRefusedNamingTheField({
      {[](json& b) { b.erase("data_name"); }, "data_name"},
      {[](json& b) { b["holders"][0]["id"] = "91350100M000100Y44"; }, "holders[0].id"},
      {[](json& b) { b["holders"][0]["share"] = 0; }, "holders[0].share"},
      {[](json& b) { b["industry"] = "Z"; }, "industry"},
      {[](json& b) { b["source"]["kind"] = "scraped"; }, "source.kind"},
      {[](json& b) { b["scale"]["bytes"] = "big"; }, "scale.bytes"},
      {[](json& b) { b["deposits"] = {999999}; }, "deposits[0]"},
      {[](json& b) { b["deposits"] = {0}; }, "deposits[0]"},  // the admin's account entry
      {[](json& b) { b["confidential"] = {"holders"}; }, "confidential[0]"},
  });
  EXPECT_EQ(TreeSize(), size);
  EXPECT_EQ(state(), before);
  // Someone else's deposit is not yours to rest an application on.
  uint64_t theirs = Deposit(other_holder_, "their data");
  size = TreeSize();
  before = state();
  json b = Body();
  b["deposits"] = {theirs};
  auto r = Call(holder_, "POST", "/v1/applications", b);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(ErrorMessage(r).find("not yours"), std::string::npos);
  auto bad_json = reg_->Client(holder_).Do("POST", "/v1/applications", "{not json");
  EXPECT_EQ(bad_json->status, 400);
  EXPECT_EQ(TreeSize(), size);
  EXPECT_EQ(state(), before);
  std::string id = InNotice();
  size = TreeSize();
  before = state(id);
  EXPECT_EQ(
      Call(examiner_, "POST", "/v1/applications/" + id + "/examination", {{"decision", "maybe"}})
          .status,
      400);
  EXPECT_EQ(
      Call(public_, "POST", "/v1/applications/" + id + "/objections", {{"evidence", "x"}}).status,
      400);
  EXPECT_EQ(Call("", "GET", "/v1/registrations?industry=Q1").status, 400);
  EXPECT_EQ(Call("", "GET", "/v1/registrations?status=draft").status, 400);
  EXPECT_EQ(Call("", "GET", "/v1/registrations?page=0").status, 400);
  EXPECT_EQ(Call("", "GET", "/v1/registrations/2026330100000019").status, 404);
  EXPECT_EQ(TreeSize(), size);
  EXPECT_EQ(state(id), before);
}

TEST_P(RegistrationTest, AnUpheldObjectionRefusesAndRejectionsAreFinal) {
  std::string id = InNotice();
  json o = Ok(Call(other_holder_, "POST", "/v1/applications/" + id + "/objections",
                   {{"grounds", "copied from our dataset"}}),
              201);
  EXPECT_EQ(Call(holder_, "POST", "/v1/objections/" + o["id"].get<std::string>() + "/ruling",
                 {{"decision", "uphold"}, {"reason", "r"}})
                .status,
            403);
  EXPECT_EQ(Call(examiner_, "POST", "/v1/objections/" + o["id"].get<std::string>() + "/ruling",
                 {{"decision", "uphold"}})
                .status,
            400);  // a ruling gives its reasons
  Ok(Call(examiner_, "POST", "/v1/objections/" + o["id"].get<std::string>() + "/ruling",
          {{"decision", "uphold"}, {"reason", "the objector's deposit is older"}}));
  json a = Ok(Call(holder_, "GET", "/v1/applications/" + id));
  EXPECT_EQ(a["status"], "refused");
  clock_->Set(kNoticeEnd + hours(1));
  EXPECT_EQ(RunDue(), 0u);
  EXPECT_EQ(Ok(Call(holder_, "GET", "/v1/applications/" + id))["status"], "refused");

  std::string id2 = Create(Body());
  Ok(Call(holder_, "POST", "/v1/applications/" + id2 + "/submit"));
  EXPECT_EQ(
      Call(examiner_, "POST", "/v1/applications/" + id2 + "/examination", {{"decision", "reject"}})
          .status,
      400);  // reasons required
  EXPECT_EQ(Ok(Call(examiner_, "POST", "/v1/applications/" + id2 + "/examination",
                    {{"decision", "reject"}, {"reason", "not lawfully collected"}}))["status"],
            "rejected");
  EXPECT_EQ(Call(holder_, "POST", "/v1/applications/" + id2 + "/submit").status, 409);
}

TEST_P(RegistrationTest, CorrectionsAndTheirLapse) {
  std::string id = Create(Body());
  Ok(Call(holder_, "POST", "/v1/applications/" + id + "/submit"));
  json a = Ok(Call(examiner_, "POST", "/v1/applications/" + id + "/examination",
                   {{"decision", "correct"}, {"reason", "the scale is wrong"}}));
  EXPECT_EQ(a["status"], "correction_requested");
  // 30 days (the default), ending on a working day: 2027-01-03 is a Sunday... the holder answers.
  json fixed = Body();
  fixed["scale"]["records"] = 999;
  Ok(Call(holder_, "PUT", "/v1/applications/" + id, fixed));
  EXPECT_EQ(Ok(Call(holder_, "POST", "/v1/applications/" + id + "/submit"))["status"], "submitted");
  // A second request that nobody answers lapses after its deadline.
  a = Ok(Call(examiner_, "POST", "/v1/applications/" + id + "/examination",
              {{"decision", "correct"}, {"reason", "still wrong"}}));
  Time due = *ParseRfc3339(a["correction_due"].get<std::string>());
  clock_->Set(due - std::chrono::seconds(1));
  EXPECT_EQ(RunDue(), 0u);
  clock_->Set(due);
  EXPECT_EQ(RunDue(), 1u);
  EXPECT_EQ(Ok(Call(holder_, "GET", "/v1/applications/" + id))["status"], "withdrawn");
}

TEST_P(RegistrationTest, RenewalChangeCancellationRevocationExpiry) {
  std::string id = InNotice();
  std::string id2 = InNotice("第二个数据集 second dataset");
  std::string number = Register(id);
  std::string number2 = Register(id2);
  json pub = Ok(Call("", "GET", "/v1/registrations/" + number));
  Time until = *ParseRfc3339(pub["valid_until"].get<std::string>());
  // Three years from registration, same local date and time.
  EXPECT_EQ(pub["valid_until"], "2029-12-18T16:00:00.000Z");

  // Renewal opens 90 days before expiry.
  auto early = Call(holder_, "POST", "/v1/registrations/" + number + "/renewal");
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_EQ(Call(other_holder_, "POST", "/v1/registrations/" + number + "/renewal").status, 403);

  // A change of descriptive fields is examined and issues a new certificate.
  json changed = Body("城市交通流量数据集 City traffic flows");
  changed["structure"] = "Parquet: sensor, time, count";
  json bad = changed;
  bad["data_name"] = "Renamed";
  EXPECT_EQ(Call(holder_, "POST", "/v1/registrations/" + number + "/change", bad).status, 400);
  Ok(Call(holder_, "POST", "/v1/registrations/" + number + "/change", changed));
  EXPECT_EQ(Call(holder_, "POST", "/v1/registrations/" + number + "/change", changed).status, 409);
  json after = Ok(Call(examiner_, "POST", "/v1/registrations/" + number + "/change/examination",
                       {{"decision", "accept"}}));
  EXPECT_EQ(after["structure"], "Parquet: sensor, time, count");
  EXPECT_NE(after["certificate_number"], pub["certificate_number"]);
  json cert = Ok(Call("", "GET", "/v1/registrations/" + number + "/certificate"));
  EXPECT_TRUE(registry::VerifyCertificate(cert, *key_).ok());
  EXPECT_EQ(cert["certificate"]["record"]["structure"], "Parquet: sensor, time, count");

  // Expiry happens by itself; renewal within the grace period continues the validity.
  clock_->Set(until);
  EXPECT_EQ(RunDue(), 2u);  // both registrations of this test expire now
  EXPECT_EQ(Ok(Call("", "GET", "/v1/registrations/" + number))["status"], "expired");
  clock_->Advance(hours(24 * 30));
  json renewed = Ok(Call(holder_, "POST", "/v1/registrations/" + number + "/renewal"));
  EXPECT_EQ(renewed["status"], "registered");
  EXPECT_EQ(renewed["valid_from"], FormatRfc3339(until));
  EXPECT_EQ(renewed["valid_until"], "2032-12-18T16:00:00.000Z");
  EXPECT_TRUE(registry::VerifyCertificate(
                  Ok(Call("", "GET", "/v1/registrations/" + number + "/certificate")), *key_)
                  .ok());

  // Revocation needs reasons and an examiner; cancellation is the holder's.
  EXPECT_EQ(
      Call(examiner_, "POST", "/v1/registrations/" + number + "/revocation", json::object()).status,
      400);
  EXPECT_EQ(Call(holder_, "POST", "/v1/registrations/" + number + "/revocation", {{"reason", "r"}})
                .status,
            403);
  json revoked = Ok(Call(examiner_, "POST", "/v1/registrations/" + number + "/revocation",
                         {{"reason", "the data was collected unlawfully"}}));
  EXPECT_EQ(revoked["status"], "revoked");
  EXPECT_EQ(revoked["reason"], "the data was collected unlawfully");
  EXPECT_EQ(Call(holder_, "POST", "/v1/registrations/" + number + "/cancellation").status, 409);

  EXPECT_EQ(Ok(Call(holder_, "POST", "/v1/registrations/" + number2 + "/cancellation",
                    {{"reason", "no longer maintained"}}))["status"],
            "cancelled");
  EXPECT_EQ(Ok(Call("", "GET", "/v1/registrations?status=cancelled"))["total"], 1);
  EXPECT_EQ(Ok(Call("", "GET", "/v1/registrations?status=revoked,cancelled"))["total"], 2);
}

TEST_P(RegistrationTest, NumbersNeverRepeatUnderConcurrencyAndRestarts) {
  constexpr int kApplications = 24;
  std::vector<std::string> ids;
  for (int i = 0; i < kApplications; ++i) ids.push_back(InNotice("dataset " + std::to_string(i)));
  // One more, held by an objection until after a restart.
  std::string held = InNotice("held");
  json o = Ok(Call(public_, "POST", "/v1/applications/" + held + "/objections", {{"grounds", "g"}}),
              201);
  clock_->Set(kNoticeEnd);
  // Several registrars acting at once (as two nodes could around a leader change). Each has its
  // own number allocator over the same store, as each node has: one shared allocator would hand
  // out distinct serials whatever the store does, and hide a conflict between nodes.
  auto in_force = reg_->node().registrar().in_force();
  std::vector<std::unique_ptr<registry::Registrar>> registrars;
  for (int t = 0; t < 3; ++t) {
    registrars.push_back(std::make_unique<registry::Registrar>(
        reg_->node().registry(), *reg_->node().data().signer, in_force->schedule,
        in_force->registrar, in_force->index));
  }
  std::vector<std::thread> threads;
  for (auto& r : registrars) threads.emplace_back([&r] { (void)r->RunDue(); });
  for (auto& t : threads) t.join();
  registrars.clear();
  RunDue();
  std::set<std::string> numbers, certificates;
  for (const auto& id : ids) {
    json a = Ok(Call(holder_, "GET", "/v1/applications/" + id));
    ASSERT_EQ(a["status"], "registered");
    EXPECT_TRUE(numbers.insert(a["registration_number"]).second) << a["registration_number"];
    EXPECT_TRUE(certificates.insert(a["certificate_number"]).second);
  }
  // After a restart the serials go on from where they were.
  reg_->Restart(clock_.get());
  ASSERT_TRUE(reg_->running());
  Ok(Call(examiner_, "POST", "/v1/objections/" + o["id"].get<std::string>() + "/ruling",
          {{"decision", "dismiss"}, {"reason", "unfounded"}}));
  std::string next = Register(held);
  ASSERT_TRUE(registry::IsValidRegistrationNumber(next)) << next;
  EXPECT_FALSE(numbers.count(next));
  EXPECT_GT(next.substr(8, 7), numbers.rbegin()->substr(8, 7));
  // Listed in the order of their notices, the latest first, whenever they were registered.
  json list = Ok(Call("", "GET", "/v1/registrations"));
  EXPECT_EQ(list["total"], kApplications + 1);
  EXPECT_EQ(list["total_exact"], true);
  ASSERT_EQ(list["items"].size(), 20u);
  EXPECT_EQ(list["items"][0]["application"], held);
  EXPECT_EQ(list["items"][1]["application"], ids.back());
  EXPECT_EQ(list["items"][19]["application"], ids[ids.size() - 19]);
}

TEST_P(RegistrationTest, CertificatePdfHasTheFactsAndALinkToTheRecord) {
  std::string number = Register(InNotice());
  auto r = reg_->Client().Get("/v1/registrations/" + number + "/certificate.pdf");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body.substr(0, 200);
  ASSERT_EQ(r->body.substr(0, 5), "%PDF-");
  auto dir = testenv::TestTempDir("dipr-pdf");
  std::filesystem::create_directories(dir);
  std::string pdf = dir / "c.pdf";
  {
    std::ofstream f(pdf, std::ios::binary);
    f << r->body;
  }
  std::string text = testenv::RunCommand("pdftotext -layout " + pdf + " -");
  EXPECT_NE(text.find(number), std::string::npos);
  EXPECT_NE(text.find("城市交通流量数据集"), std::string::npos);
  EXPECT_NE(text.find("杭州数据科技有限公司"), std::string::npos);
  EXPECT_NE(text.find("浙江省知识产权局"), std::string::npos);
  testenv::RunCommand("pdftoppm -r 150 -png " + pdf + " " + (dir / "p").string());
  std::string qr = testenv::RunCommand("zbarimg --raw -q " + (dir / "p-1.png").string());
  EXPECT_EQ(qr, "https://ip.example.cn/v1/registrations/" + number + "\n");
  std::filesystem::remove_all(dir);
}

// Renders queue with a bound (and off the I/O threads): past it, 503 with Retry-After, and the
// server goes on answering everything else.
TEST_P(RegistrationTest, AFullPdfQueueAnswers503WithRetryAfter) {
  std::vector<std::string> numbers;
  for (int i = 0; i < 3; ++i) numbers.push_back(Register(InNotice("数据集 " + std::to_string(i))));
  auto pdf = [&](int i) {
    return reg_->Client().Get("/v1/registrations/" + numbers[i] + "/certificate.pdf");
  };
  pdf_gate_.Set(true);
  std::vector<Result<cli::HttpResult>> held(2, Internal("not answered"));
  std::vector<std::thread> waiting;
  for (int i = 0; i < 2; ++i) waiting.emplace_back([&, i] { held[i] = pdf(i); });
  pdf_gate_.AwaitWaiting(2);  // both queue places are taken, rendering
  testenv::RawConnection c(reg_->node().port());
  auto full = c.Request("GET /v1/registrations/" + numbers[2] + "/certificate.pdf HTTP/1.1");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 503);
  EXPECT_EQ(full->header("retry-after"), "1");
  EXPECT_EQ(json::parse(full->body)["error"]["code"], "unavailable");
  EXPECT_EQ(reg_->Client().Get("/healthz")->status, 200);
  pdf_gate_.Set(false);
  for (auto& t : waiting) t.join();
  for (auto& r : held) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body.substr(0, 5), "%PDF-");
  }
  EXPECT_EQ(pdf(2)->status, 200);  // a retry once there is room
}

// Issue 9, item 9: an examiner's reasons and an objection's grounds and evidence were logged in
// clear, forever (a correction reason naming a co-holder was readable at /log/entries). After
// each event, the whole public log is scanned for the private text.
TEST_P(RegistrationTest, PrivateReasonsAndObjectionsAreNotInThePublicLog) {
  auto absent = [&](const std::string& text, const char* after) {
    EXPECT_EQ(PublicLog().find(text), std::string::npos) << text << " is logged after " << after;
  };
  // A correction request and a rejection of an application that is never published.
  std::string id = Create(Body());
  Ok(Call(holder_, "POST", "/v1/applications/" + id + "/submit"));
  const std::string correction = "CORRECTION: co-holder 张三 signed no consent";
  json a = Ok(Call(examiner_, "POST", "/v1/applications/" + id + "/examination",
                   {{"decision", "correct"}, {"reason", correction}}));
  EXPECT_EQ(a["reason"], correction);  // the applicant reads it
  absent(correction, "a correction request");
  Ok(Call(holder_, "PUT", "/v1/applications/" + id, Body()));
  Ok(Call(holder_, "POST", "/v1/applications/" + id + "/submit"));
  const std::string rejection = "REJECTION: the sensors belong to 李四";
  a = Ok(Call(examiner_, "POST", "/v1/applications/" + id + "/examination",
              {{"decision", "reject"}, {"reason", rejection}}));
  EXPECT_EQ(a["reason"], rejection);
  absent(rejection, "a rejection");

  // An objection: private while pending; its ruling publishes the grounds and the ruling's
  // reason, never the evidence.
  std::string id2 = InNotice();
  const std::string grounds = "GROUNDS: we collected these rows";
  const std::string evidence = "EVIDENCE: contract 12";
  json o = Ok(Call(public_, "POST", "/v1/applications/" + id2 + "/objections",
                   {{"grounds", grounds}, {"evidence", evidence}}),
              201);
  EXPECT_EQ(o["grounds"], grounds);  // the objector reads it
  EXPECT_EQ(Ok(Call(holder_, "GET", "/v1/objections/" + o["id"].get<std::string>()))["evidence"],
            evidence);  // and the applicant
  absent(grounds, "an objection");
  absent(evidence, "an objection");
  const std::string ruling = "RULING: the objector's deposit is later";
  Ok(Call(examiner_, "POST", "/v1/objections/" + o["id"].get<std::string>() + "/ruling",
          {{"decision", "dismiss"}, {"reason", ruling}}));
  std::string log = PublicLog();
  EXPECT_NE(log.find(grounds), std::string::npos) << "a ruling publishes the grounds it answers";
  EXPECT_NE(log.find(ruling), std::string::npos) << "a ruling is public with its reasons";
  absent(evidence, "the ruling");

  // A rejected change of a registration: its fields and the reason stay private.
  std::string number = Register(id2);
  json changed = Body();
  changed["structure"] = "CHANGED-STRUCTURE";
  Ok(Call(holder_, "POST", "/v1/registrations/" + number + "/change", changed));
  const std::string change_rejection = "CHANGE REJECTED: the new structure leaks 张三's rows";
  Ok(Call(examiner_, "POST", "/v1/registrations/" + number + "/change/examination",
          {{"decision", "reject"}, {"reason", change_rejection}}));
  absent(change_rejection, "a change's rejection");
  absent("CHANGED-STRUCTURE", "a change's rejection");
  EXPECT_EQ(Ok(Call("", "GET", "/v1/registrations/" + number)).dump().find("CHANGE REJECTED"),
            std::string::npos);

  // The public log still replays (as `dipr audit` does), to the public record the registry serves.
  registry::Replay replay;
  auto entries = Entries();
  for (uint64_t i = 0; i < entries.size(); ++i) {
    Status st = replay.Apply(i, entries[i]);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  json served = Ok(Call("", "GET", "/v1/registrations/" + number));
  EXPECT_EQ(replay.applications().at(id2).PublicRecord(), served);
  EXPECT_EQ(replay.applications().at(id).status, "rejected");
  EXPECT_EQ(replay.applications().at(id).reason, "");  // unknown to the public
}

// Issue 9, item 9: FORMATS said the holder or a court can open a commitment, but no endpoint gave
// out the salt. The opening recomputes each commitment in the log as docs/FORMATS.md §2.2 says:
// hex(SHA-256(domain || salt || canonical JSON of the value)).
TEST_P(RegistrationTest, TheOpeningRecomputesEveryCommitmentOfTheLog) {
  std::string id = Create(Body());
  Ok(Call(holder_, "PUT", "/v1/applications/" + id, Body("城市交通流量数据集 v2")));
  Ok(Call(holder_, "POST", "/v1/applications/" + id + "/submit"));
  Ok(Call(examiner_, "POST", "/v1/applications/" + id + "/examination",
          {{"decision", "correct"}, {"reason", "state the sensors' owner"}}));
  Ok(Call(holder_, "POST", "/v1/applications/" + id + "/submit"));
  Ok(Call(examiner_, "POST", "/v1/applications/" + id + "/examination",
          {{"decision", "accept"}, {"reason", "complete now"}}));
  Ok(Call(public_, "POST", "/v1/applications/" + id + "/objections",
          {{"grounds", "ours"}, {"evidence", "contract 12"}}),
     201);

  json opening = Ok(Call(holder_, "GET", "/v1/applications/" + id + "/opening"));
  EXPECT_EQ(Ok(Call(reg_->admin_token(), "GET", "/v1/applications/" + id + "/opening")), opening);
  EXPECT_EQ(Call(other_holder_, "GET", "/v1/applications/" + id + "/opening").status, 404);
  EXPECT_EQ(Call(examiner_, "GET", "/v1/applications/" + id + "/opening").status, 403);
  EXPECT_EQ(Call(public_, "GET", "/v1/applications/" + id + "/opening").status, 403);
  EXPECT_EQ(Call("", "GET", "/v1/applications/" + id + "/opening").status, 401);

  auto entries = Entries();
  std::multiset<std::string> opened;  // "type field"
  for (const auto& item : opening["openings"]) {
    uint64_t index = item["index"];
    ASSERT_LT(index, entries.size());
    json entry = json::parse(entries[index]);
    std::string field = item["field"];
    EXPECT_EQ(entry["type"], item["type"]);
    EXPECT_EQ(entry["payload"][field], item["commitment"]) << item.dump();
    bool fields = field == "content";
    std::string domain = fields ? "dipr-application-v1\n" : "dipr-text-v1\n";
    // nlohmann's dump() is the canonical form for these values: sorted keys, no spaces, UTF-8.
    std::string value = fields ? item["fields"].dump() : item["text"].dump();
    std::string salt = *HexDecode(item["salt"].get<std::string>());
    ASSERT_EQ(salt.size(), 16u);
    EXPECT_EQ(HexEncode(crypto::Sha256Of(domain + salt + value)),
              entry["payload"][field].get<std::string>())
        << item.dump();
    opened.insert(item["type"].get<std::string>() + " " + field);
  }
  EXPECT_EQ(opened,
            (std::multiset<std::string>{
                "application.created content", "application.updated content",
                "application.examined reason_commitment", "application.examined reason_commitment",
                "objection.filed grounds_commitment", "objection.filed evidence_commitment"}));
  json texts = json::array();
  for (const auto& item : opening["openings"]) {
    if (item.contains("text")) texts.push_back(item["text"]);
  }
  EXPECT_EQ(texts, json({"state the sensors' owner", "complete now", "contract 12", "ours"}));
}

// Issue 9, item 11: an examiner could rule on (and uphold) an objection they filed themselves.
TEST_P(RegistrationTest, AnExaminerRulingOnTheirOwnObjectionIsRefused) {
  std::string other_examiner = reg_->CreateAccount("Examiner Wang", "examiner");
  std::string id = InNotice();
  json o = Ok(Call(examiner_, "POST", "/v1/applications/" + id + "/objections",
                   {{"grounds", "I know this data"}}),
              201);
  std::string oid = o["id"];
  uint64_t size = TreeSize();
  auto r = Call(examiner_, "POST", "/v1/objections/" + oid + "/ruling",
                {{"decision", "uphold"}, {"reason", "as I said"}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(ErrorCode(r), "permission_denied");
  EXPECT_NE(ErrorMessage(r).find("their own objection"), std::string::npos) << r.body;
  EXPECT_EQ(TreeSize(), size);
  EXPECT_EQ(Ok(Call(holder_, "GET", "/v1/applications/" + id))["status"], "in_notice");
  EXPECT_EQ(Ok(Call(other_examiner, "POST", "/v1/objections/" + oid + "/ruling",
                    {{"decision", "dismiss"}, {"reason", "no evidence"}}))["status"],
            "dismissed");
}

// Issue 9, item 11: an applicant could object to their own application.
TEST_P(RegistrationTest, AnApplicantObjectingToTheirOwnApplicationIsRefused) {
  std::string id = InNotice();
  uint64_t size = TreeSize();
  auto r = Call(holder_, "POST", "/v1/applications/" + id + "/objections",
                {{"grounds", "an objection keeps the notice open"}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(ErrorMessage(r).find("their own application"), std::string::npos) << r.body;
  EXPECT_EQ(TreeSize(), size);
  EXPECT_EQ(Ok(Call(holder_, "GET", "/v1/applications/" + id))["objections"].size(), 0u);
}

// Issue 9, item 11: 20 identical objections were all accepted.
TEST_P(RegistrationTest, TwentyIdenticalObjectionsAreNotAllAccepted) {
  std::string id = InNotice();
  uint64_t size = TreeSize();
  int accepted = 0, refused = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = Call(public_, "POST", "/v1/applications/" + id + "/objections",
                  {{"grounds", "copied from our dataset"}, {"evidence", "deposit 7"}});
    if (r.status == 201) accepted++;
    if (r.status == 409 && ErrorMessage(r).find("pending") != std::string::npos) refused++;
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(refused, 19);
  EXPECT_EQ(TreeSize(), size + 1);
  // Another objector still may; and the first again once theirs is ruled on.
  Ok(Call(other_holder_, "POST", "/v1/applications/" + id + "/objections", {{"grounds", "g"}}),
     201);
  json a = Ok(Call(examiner_, "GET", "/v1/applications/" + id));
  ASSERT_EQ(a["objections"].size(), 2u);
  Ok(Call(examiner_, "POST",
          "/v1/objections/" + a["objections"][0]["id"].get<std::string>() + "/ruling",
          {{"decision", "dismiss"}, {"reason", "unfounded"}}));
  Ok(Call(public_, "POST", "/v1/applications/" + id + "/objections", {{"grounds", "new grounds"}}),
     201);
}

// Issue 9, item 11: a change request with no change was accepted.
TEST_P(RegistrationTest, AChangeRequestWithNoChangeIsRefused) {
  std::string id = InNotice();
  std::string number = Register(id);
  uint64_t size = TreeSize();
  auto r = Call(holder_, "POST", "/v1/registrations/" + number + "/change", Body());
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(ErrorMessage(r).find("changes no field"), std::string::npos) << r.body;
  EXPECT_EQ(TreeSize(), size);
  EXPECT_FALSE(Ok(Call(holder_, "GET", "/v1/applications/" + id)).contains("change"));
}

// Issue 9, item 11: "scale.bytes" did not have to agree with the deposits the application names.
TEST_P(RegistrationTest, ScaleBytesThatDisagreeWithTheDepositsAreRefused) {
  uint64_t size = TreeSize();
  json b = Body();
  b["scale"]["bytes"] = 52428800;
  auto r = Call(holder_, "POST", "/v1/applications", b);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(ErrorMessage(r).find("\"scale.bytes\""), std::string::npos) << r.body;
  EXPECT_NE(ErrorMessage(r).find(std::to_string(kRows.size())), std::string::npos) << r.body;
  EXPECT_EQ(TreeSize(), size);
  // Several deposits: the dataset's files, so their total.
  const std::string more = "more rows of traffic data\n";
  uint64_t second = Deposit(holder_, more);
  b["deposits"] = {deposit_, second};
  b["scale"]["bytes"] = kRows.size();
  EXPECT_EQ(Call(holder_, "POST", "/v1/applications", b).status, 400);
  b["scale"]["bytes"] = kRows.size() + more.size();
  Ok(Call(holder_, "POST", "/v1/applications", b), 201);
}

// Issue 9, item 11: a CN individual's identity number was not checked, "ZZ" was a country, and
// names could hold C1 controls, separators, bidirectional overrides, noncharacters or nothing
// visible.
TEST_P(RegistrationTest, BadIdentityNumbersCountriesAndDeceptiveNamesAreRefused) {
  uint64_t size = TreeSize();
  ExpectRefusedNamingTheField({
      {[](json& b) { b["holders"][1]["id"] = "110105194912310021"; }, "holders[1].id"},
      {[](json& b) { b["holders"][1]["id"] = "110105194902300020"; }, "holders[1].id"},
      {[](json& b) { b["holders"][1]["country"] = "ZZ"; }, "holders[1].country"},
      {[](json& b) { b["holders"][0]["name"] = "杭州数据\u202e司公限有"; }, "holders[0].name"},
      {[](json& b) { b["holders"][0]["name"] = "\u200b\u200d"; }, "holders[0].name"},
      {[](json& b) { b["holders"][0]["name"] = "Acme\u0085Ltd"; }, "holders[0].name"},
      {[](json& b) { b["data_name"] = "traffic\u2028flows"; }, "data_name"},
      {[](json& b) { b["data_name"] = "traffic\ufffe"; }, "data_name"},
  });
  EXPECT_EQ(TreeSize(), size);
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistrationTest, testenv::AllBackends(),
                         testenv::BackendParamName);

}  // namespace
}  // namespace dipr

namespace dipr {
namespace {

// A registry with registrations moves to PostgreSQL with its register intact (dipr migrate).
TEST(RegistrationMigrationTest, TheRegisterMovesWithTheLog) {
  FakeClock clock(kStart);
  TestRegistry reg("RegistrationMigration", Backend::kSqlite, &clock);
  ASSERT_TRUE(reg.running());
  std::string holder = reg.CreateAccount("h", "holder");
  std::string examiner = reg.CreateAccount("e", "examiner");
  auto deposit = reg.Client(holder).PostJson(
      "/v1/deposits",
      {{"fingerprint", fingerprint::ToJson(*fingerprint::FingerprintBytes("x"))}, {"title", "t"}});
  ASSERT_TRUE(deposit.ok());
  json body = json::parse(R"({"data_name": "迁移测试 migration", "industry": "I",
    "holders": [{"name": "n", "type": "enterprise", "id": "91350100M000100Y43", "country": "CN",
                 "share": 1}],
    "scenarios": "s", "collection_rules": "c", "processing_rules": "p", "structure": "st",
    "update_frequency": "u", "source": {"kind": "licensed", "description": "d"},
    "scale": {"records": 1, "bytes": 1}, "confidential": ["structure"]})");
  body["deposits"] = {(*deposit)["index"]};
  auto a = reg.Client(holder).PostJson("/v1/applications", body);
  ASSERT_TRUE(a.ok());
  std::string id = (*a)["id"];
  ASSERT_TRUE(reg.Client(holder).PostJson("/v1/applications/" + id + "/submit", json()).ok());
  ASSERT_TRUE(reg.Client(examiner)
                  .PostJson("/v1/applications/" + id + "/examination", {{"decision", "accept"}})
                  .ok());
  clock.Set(kNoticeEnd);
  ASSERT_TRUE(reg.node().registrar().RunDue().ok());
  std::string draft = (*reg.Client(holder).PostJson("/v1/applications", body))["id"];
  std::string key = reg.verifier_key();
  reg.node().Stop();

  auto source = storage::OpenSqliteStore((reg.dir() / "dipr.db").string());
  ASSERT_TRUE(source.ok());
  auto dir = testenv::TestTempDir("dipr-migrate-reg");
  auto uri = testenv::TestDatabase(dir);
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  auto target = storage::OpenPostgresStore(*uri);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  auto verifier = crypto::NoteVerifier::Parse(key);
  auto report = server::Migrate(**source, **target, *verifier, nullptr);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  // Both the registration and the private draft (its fields come from the sidecar) are there.
  for (const std::string& app : {id, draft}) {
    auto x = (*source)->RecordById("application", app);
    auto y = (*target)->RecordById("application", app);
    ASSERT_TRUE(x.ok() && y.ok() && *x && *y);
    EXPECT_EQ((*x)->doc, (*y)->doc);
  }
  storage::ListingQuery q;
  q.text = "迁移";
  auto found = (*target)->SearchListings(q);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->total, 1u);
  target->reset();
  testenv::PostgresServer::Get().Drop(dir.string());
}

}  // namespace
}  // namespace dipr

namespace dipr {
namespace {

// The notice period over HTTP, on the built-in calendar: working days skip the Spring Festival
// and count its adjusted Saturdays; calendar days ending on a holiday run to the next working day.
TEST(RegistrationCalendarTest, NoticePeriodsFollowTheHolidayCalendar) {
  struct Case {
    std::string period, accepted_at, notice_ends_at;
  } cases[] = {
      // Friday 02-13 10:00; working days: 02-14 (adjusted Saturday), 02-24..27, 02-28 (adjusted
      // Saturday), 03-02..05 -> ends at the end of Thursday 03-05.
      {"10wd", "2026-02-13T02:00:00Z", "2026-03-05T16:00:00.000Z"},
      // Friday 02-06 + 15 days = Saturday 02-21, a holiday -> the next working day, Tuesday 02-24.
      {"15d", "2026-02-06T02:00:00Z", "2026-02-24T16:00:00.000Z"},
      {"30s", "2026-02-06T02:00:00Z", "2026-02-06T02:00:30.000Z"},
  };
  for (const auto& c : cases) {
    FakeClock clock(*ParseRfc3339(c.accepted_at));
    TestRegistry reg("RegistrationCalendar-" + c.period, Backend::kSqlite, &clock,
                     [&](server::NodeOptions& o) { o.settings.notice_period = c.period; });
    ASSERT_TRUE(reg.running());
    std::string holder = reg.CreateAccount("h", "holder");
    std::string examiner = reg.CreateAccount("e", "examiner");
    auto deposit = reg.Client(holder).PostJson(
        "/v1/deposits", {{"fingerprint", fingerprint::ToJson(*fingerprint::FingerprintBytes("x"))},
                         {"title", "t"}});
    ASSERT_TRUE(deposit.ok());
    json body = json::parse(R"({"data_name": "日历 calendar", "industry": "I",
      "holders": [{"name": "n", "type": "individual", "id": "X1", "country": "FR", "share": 1}],
      "scenarios": "s", "collection_rules": "c", "processing_rules": "p", "structure": "st",
      "update_frequency": "u", "source": {"kind": "purchased", "description": "d"},
      "scale": {"records": 1, "bytes": 1}})");
    body["deposits"] = {(*deposit)["index"]};
    std::string id = (*reg.Client(holder).PostJson("/v1/applications", body))["id"];
    ASSERT_TRUE(reg.Client(holder).PostJson("/v1/applications/" + id + "/submit", json()).ok());
    auto a = reg.Client(examiner).PostJson("/v1/applications/" + id + "/examination",
                                           {{"decision", "accept"}});
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ((*a)["notice_ends_at"], c.notice_ends_at) << c.period;
  }
}

}  // namespace
}  // namespace dipr
