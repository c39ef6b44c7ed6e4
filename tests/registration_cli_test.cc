// `dipr verify-certificate` and `dipr audit` as a user runs them, against an in-process registry
// with a fake clock on each storage backend: the registration workflow driven over HTTP, the
// served certificate checked offline (and each kind of tampering refused), the whole log replayed
// and the public register compared with it (and a register that lies caught, by number and path).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/base64.h"
#include "common/hex.h"
#include "common/testing.h"
#include "crypto/note.h"
#include "fingerprint/fingerprint.h"
#include "registry/application_events.h"
#include "registry/lifecycle.h"
#include "run_dipr.h"
#include "test_registry.h"
#include "verify/certificate.h"
#include "verify/checkpoint.h"
#include "verify/event.h"

namespace dipr {
namespace {

using nlohmann::json;
using testenv::Backend;
using testenv::TestRegistry;

using testenv::Outcome;
Outcome Dipr(const std::string& args) { return testenv::RunDipr(args); }

Outcome Shell(const std::string& line) { return testenv::RunShell(line); }

size_t Lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

// deposit_bytes: the size of the deposited file ("scale.bytes" must agree with it).
json ApplicationBody(const std::string& data_name, uint64_t deposit, uint64_t deposit_bytes) {
  return {{"data_name", data_name},
          {"holders",
           {{{"name", "浙江数据有限公司"},
             {"type", "enterprise"},
             {"id", "91350100M000100Y43"},
             {"country", "CN"},
             {"share", 1000000}}}},
          {"industry", "I"},
          {"scenarios", "信用评估"},
          {"collection_rules", "用户授权后采集"},
          {"processing_rules", "脱敏、去标识化"},
          {"structure", "CSV, 12 columns"},
          {"update_frequency", "每日"},
          {"source", {{"kind", "self_collected"}, {"description", "自有业务系统"}}},
          {"scale", {{"records", 120000}, {"bytes", deposit_bytes}}},
          {"deposits", {deposit}}};
}

class RegistrationCliTest : public ::testing::TestWithParam<Backend> {
 protected:
  RegistrationCliTest() : clock_(*ParseRfc3339("2026-11-26T02:00:00Z")) {}

  void SetUp() override {
    reg_ = std::make_unique<TestRegistry>(
        ::testing::UnitTest::GetInstance()->current_test_info()->name(), GetParam(), &clock_);
    ASSERT_TRUE(reg_->running());
    holder_ = reg_->CreateAccount("浙江数据有限公司", "holder");
    examiner_ = reg_->CreateAccount("审查员", "examiner");
    files_ = reg_->dir().string() + "-files";
    std::filesystem::create_directories(files_);
    key_file_ = files_ + "/registry.key";
    std::ofstream(key_file_) << reg_->Client().Get("/log/key")->body;
  }
  void TearDown() override {
    reg_.reset();
    std::filesystem::remove_all(files_);
  }

  // Deposits, applies, submits and has the examiner accept it for public notice; returns the
  // application's id.
  std::string ApplyForNotice(const std::string& data_name) {
    auto holder = reg_->Client(holder_);
    auto fp = fingerprint::FingerprintBytes(data_name);
    auto d = holder.PostJson("/v1/deposits",
                             {{"fingerprint", fingerprint::ToJson(*fp)}, {"title", data_name}});
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    if (!d.ok()) return "";
    last_deposit_ = (*d)["index"];
    last_deposit_bytes_ = data_name.size();
    auto a = holder.PostJson("/v1/applications",
                             ApplicationBody(data_name, (*d)["index"], data_name.size()));
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    if (!a.ok()) return "";
    std::string id = (*a)["id"];
    auto s = holder.Post("/v1/applications/" + id + "/submit", "");
    EXPECT_EQ(s->status, 200) << s->body;
    auto e = reg_->Client(examiner_).PostJson("/v1/applications/" + id + "/examination",
                                              {{"decision", "accept"}});
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (!e.ok()) return "";
    EXPECT_EQ((*e)["status"], "in_notice");
    Time ends = *ParseRfc3339((*e)["notice_ends_at"].get<std::string>());
    if (ends > notice_ends_) notice_ends_ = ends;
    return id;
  }

  // Moves the clock past every notice so far and lets the registrar register them; returns the
  // registration numbers of `ids`.
  std::vector<std::string> EndNotices(const std::vector<std::string>& ids) {
    clock_.Set(notice_ends_ + std::chrono::seconds(1));
    auto ran = reg_->node().registrar().RunDue();
    EXPECT_TRUE(ran.ok()) << ran.status().ToString();
    std::vector<std::string> numbers;
    auto holder = reg_->Client(holder_);
    for (const auto& id : ids) {
      // The node's own due loop may have taken it first; either way it gets registered.
      json view;
      for (int i = 0; i < 200; ++i) {
        view = *holder.GetJson("/v1/applications/" + id);
        if (view["status"] == "registered") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
      EXPECT_EQ(view["status"], "registered") << view.dump();
      numbers.push_back(view.value("registration_number", ""));
    }
    return numbers;
  }

  // The certificate document as served (once a checkpoint covers its entry).
  json Certificate(const std::string& number) {
    for (int i = 0; i < 200; ++i) {
      auto r = reg_->Client().Get("/v1/registrations/" + number + "/certificate");
      if (r.ok() && r->status == 200) return json::parse(r->body);
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ADD_FAILURE() << "no certificate for " << number;
    return json();
  }

  // The certificate PDF as served, saved to a file; "" if it was not served.
  std::string SavePdf(const std::string& number, const std::string& name) {
    auto r = reg_->Client().Get("/v1/registrations/" + number + "/certificate.pdf");
    EXPECT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
    if (!r.ok() || r->status != 200) return "";
    std::string path = files_ + "/" + name;
    std::ofstream(path, std::ios::binary) << r->body;
    return path;
  }

  // Verifies as of the test's clock (the CLI's own clock is the machine's).
  Outcome VerifyAt(const std::string& what, const std::string& extra = "") {
    return Dipr("verify-certificate " + what + " --key " + key_file_ + " --at " +
                FormatRfc3339(clock_.Now()) + " " + extra);
  }

  std::string Save(const std::string& name, const json& doc) {
    std::string path = files_ + "/" + name;
    std::ofstream(path) << doc.dump();
    return path;
  }

  Outcome Audit(const std::string& extra = "") {
    return Dipr("audit --server " + reg_->url() + " --key " + key_file_ + " " + extra);
  }

  // Rewrites the stored application `id` through the store, as a lying operator (or a bug) would.
  void EditStored(const std::string& id, const std::function<void(json&)>& edit) {
    auto tx = reg_->node().registry().store().BeginWrite();
    ASSERT_TRUE(tx.ok()) << tx.status().ToString();
    auto rec = (*tx)->GetRecord(registry::kApplicationKind, id);
    ASSERT_TRUE(rec.ok() && rec->has_value()) << id;
    storage::Record r = **rec;
    json doc = json::parse(r.doc);
    edit(doc);
    r.doc = doc.dump();
    r.status = doc["status"].get<std::string>();
    ASSERT_TRUE((*tx)->PutRecord(r).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  std::string StoredDoc(const std::string& id) {
    auto r = reg_->node().registry().store().RecordById(registry::kApplicationKind, id);
    return r.ok() && r->has_value() ? (*r)->doc : "";
  }
  // Runs SQL on the registry's database (the SQLite file, or its PostgreSQL database) behind the
  // server's back, as a lying operator (or a bug) would.
  void Sql(const std::string& sql) {
    const std::string db = GetParam() == Backend::kPostgres ? reg_->db() : "";
    Status st = testenv::RunRegistrySql(reg_->dir(), db, sql);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  void RestoreDoc(const std::string& id, const std::string& doc) {
    EditStored(id, [&](json& d) { d = json::parse(doc); });
  }

  FakeClock clock_;
  Time notice_ends_{};
  uint64_t last_deposit_ = 0, last_deposit_bytes_ = 0;
  std::unique_ptr<TestRegistry> reg_;
  std::string holder_, examiner_, files_, key_file_;
};

TEST_P(RegistrationCliTest, VerifyCertificateAcceptsTheServedCertificate) {
  std::string id = ApplyForNotice("客户交易数据 2026Q3");
  std::string number = EndNotices({id})[0];
  json doc = Certificate(number);
  std::string path = Save("cert.json", doc);

  Outcome r = VerifyAt(path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  // What was checked, and what was not: never "valid".
  EXPECT_NE(r.out.find("registered, as the document states it"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("within the validity"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Not checked (offline): the registration's current status"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("curl " + doc["record_url"].get<std::string>()), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("valid:"), std::string::npos) << r.out;
  // The registrar's local dates (Asia/Shanghai), as the PDF prints them, and UTC.
  const json& local = doc["certificate"]["local_dates"];
  EXPECT_EQ(local["valid_from"],
            FormatRfc3339(*ParseRfc3339(doc["certificate"]["valid_from"].get<std::string>()) +
                          std::chrono::hours(8))
                .substr(0, 10));
  EXPECT_NE(r.out.find(local["valid_from"].get<std::string>() + " to " +
                       local["valid_until"].get<std::string>() + " (Asia/Shanghai"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(number), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(doc["certificate"]["certificate_number"].get<std::string>()),
            std::string::npos);
  EXPECT_NE(r.out.find("客户交易数据 2026Q3"), std::string::npos);
  EXPECT_NE(r.out.find("浙江数据有限公司"), std::string::npos);
  EXPECT_NE(r.out.find(doc["certificate"]["valid_until"].get<std::string>()), std::string::npos);
  EXPECT_NE(r.out.find("entry " + std::to_string(doc["receipt"]["index"].get<uint64_t>())),
            std::string::npos);

  Outcome j = Dipr("verify-certificate --json " + path + " --key " + reg_->verifier_key() +
                   " --at " + FormatRfc3339(clock_.Now()));
  ASSERT_EQ(j.code, 0) << j.err;
  json out = json::parse(j.out);
  EXPECT_FALSE(out.contains("valid"));
  EXPECT_EQ(out["ok"], true);
  EXPECT_EQ(out["signature_ok"], true);
  EXPECT_EQ(out["logged"], true);
  EXPECT_EQ(out["status_stated"], "registered");
  EXPECT_EQ(out["status_signed"], false);
  EXPECT_EQ(out["within_validity"], true);
  EXPECT_EQ(out["current_status_checked"], false);
  EXPECT_EQ(out["latest_certificate_checked"], false);
  EXPECT_EQ(out["checked_at"], FormatRfc3339(clock_.Now()));
  EXPECT_EQ(out["valid_until"], doc["certificate"]["valid_until"]);
  EXPECT_EQ(out["local_dates"], local);
  EXPECT_EQ(out["local_dates"]["time_zone"], "Asia/Shanghai");
  ASSERT_EQ(out["deposits"].size(), 1u);
  EXPECT_EQ(out["deposits"][0]["index"], last_deposit_);
  EXPECT_EQ(out["deposits"][0]["digest"],
            HexEncode(fingerprint::FingerprintBytes("客户交易数据 2026Q3")->digest));
  EXPECT_EQ(out["registration_number"], number);
  EXPECT_EQ(out["data_name"], "客户交易数据 2026Q3");
  EXPECT_EQ(out["index"], doc["receipt"]["index"]);
  EXPECT_EQ(out["event"], "application.registered");
  EXPECT_GT(out["tree_size"].get<uint64_t>(), out["index"].get<uint64_t>());
  EXPECT_EQ(out["holders"][0]["id"], "91350100M000100Y43");

  Outcome stdin_run = VerifyAt("- < " + path);
  EXPECT_EQ(stdin_run.code, 0) << stdin_run.err;
}

TEST_P(RegistrationCliTest, VerifyCertificateRefusesTampering) {
  std::string id = ApplyForNotice("客户交易数据 2026Q3");
  std::string number = EndNotices({id})[0];
  const json doc = Certificate(number);
  ASSERT_FALSE(doc["receipt"]["proof"].empty());  // several entries precede it

  struct Case {
    const char* name;
    std::function<void(json&)> tamper;
    const char* says;  // in the one-line reason
  };
  auto deposit_receipt = reg_->Client(holder_).PostJson(
      "/v1/deposits",
      {{"fingerprint", fingerprint::ToJson(*fingerprint::FingerprintBytes("other"))},
       {"title", "other"}});
  ASSERT_TRUE(deposit_receipt.ok());
  const Case cases[] = {
      {"data_name", [](json& d) { d["certificate"]["record"]["data_name"] = "别人的数据"; },
       "signature"},
      {"registration_number",
       [](json& d) {
         std::string n = d["certificate"]["registration_number"];
         n[n.size() - 2] = n[n.size() - 2] == '1' ? '2' : '1';
         d["certificate"]["registration_number"] = n;
       },
       "signature"},
      {"valid_until", [](json& d) { d["certificate"]["valid_until"] = "2099-01-01T00:00:00.000Z"; },
       "signature"},
      {"signature",
       [](json& d) {
         std::string s = d["signature"];
         size_t at = s.rfind(' ') + 20;  // in the signature, past the key ID
         s[at] = s[at] == 'A' ? 'B' : 'A';
         d["signature"] = s;
       },
       "signature"},
      {"proof",
       [](json& d) {
         std::string h = d["receipt"]["proof"][0];
         h[0] = h[0] == 'A' ? 'B' : 'A';
         d["receipt"]["proof"][0] = h;
       },
       "receipt"},
      {"receipt of another entry", [&](json& d) { d["receipt"] = *deposit_receipt; }, "deposit"},
      {"no receipt", [](json& d) { d.erase("receipt"); }, "certificate"},
  };
  for (const Case& c : cases) {
    json bad = doc;
    c.tamper(bad);
    Outcome r = VerifyAt(Save("bad.json", bad));
    EXPECT_EQ(r.code, 1) << c.name << ": " << r.out << r.err;
    EXPECT_EQ(Lines(r.err), 1u) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.name << ": " << r.err;
    Outcome j = VerifyAt(Save("bad.json", bad), "--json");
    EXPECT_EQ(j.code, 1) << c.name;
    EXPECT_EQ(json::parse(j.out)["ok"], false) << c.name;
  }

  // Another key of the same name: nothing verifies.
  crypto::NoteSigner other("test.example/dipr", crypto::Ed25519PrivateKey::Generate());
  std::string good = Save("cert.json", doc);
  Outcome wrong = Dipr("verify-certificate " + good + " --key " + other.verifier().ToString());
  EXPECT_EQ(wrong.code, 1) << wrong.err;
  EXPECT_EQ(Lines(wrong.err), 1u) << wrong.err;

  // Not a certificate: 1. Unreadable file, bad key, no arguments: 2.
  std::ofstream(files_ + "/text.json") << "not json";
  EXPECT_EQ(Dipr("verify-certificate " + files_ + "/text.json --key " + key_file_).code, 1);
  EXPECT_EQ(Dipr("verify-certificate " + files_ + "/missing.json --key " + key_file_).code, 2);
  EXPECT_EQ(Dipr("verify-certificate " + good + " --key not-a-key").code, 2);
  EXPECT_EQ(Dipr("verify-certificate --key " + key_file_).code, 2);
}

// Revoked and cancelled registrations' certificates verified as OK ("valid":true), and the status
// was never shown; their PDFs looked like good ones.
TEST_P(RegistrationCliTest, VerifyCertificateOfARevokedRegistrationExitsOne) {
  std::string a1 = ApplyForNotice("数据一"), a2 = ApplyForNotice("数据二");
  auto numbers = EndNotices({a1, a2});
  const std::string before = Save("before.json", Certificate(numbers[0]));
  auto revoke = reg_->Client(examiner_).PostJson("/v1/registrations/" + numbers[0] + "/revocation",
                                                 {{"reason", "以欺骗手段取得登记"}});
  ASSERT_TRUE(revoke.ok()) << revoke.status().ToString();
  auto cancel = reg_->Client(holder_).Post("/v1/registrations/" + numbers[1] + "/cancellation", "");
  ASSERT_EQ(cancel->status, 200) << cancel->body;

  for (const auto& [number, status] : {std::pair{numbers[0], std::string("revoked")},
                                       std::pair{numbers[1], std::string("cancelled")}}) {
    SCOPED_TRACE(status);
    const std::string path = Save(status + ".json", Certificate(number));
    Outcome r = VerifyAt(path);
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_EQ(Lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("the document states that the registration is " + status),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.out.find("Signature and log proof OK"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("NOT OK"), std::string::npos) << r.out;
    Outcome j = VerifyAt(path, "--json");
    EXPECT_EQ(j.code, 1);
    json out = json::parse(j.out);
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["signature_ok"], true);
    EXPECT_EQ(out["status_stated"], status);
    EXPECT_EQ(out["within_validity"], true);
    EXPECT_FALSE(out.contains("valid"));

    // The PDF says so on the page, in both languages, and its embedded document says so too.
    const std::string pdf = SavePdf(number, status + ".pdf");
    ASSERT_FALSE(pdf.empty());
    Outcome text = Shell("pdftotext -raw '" + pdf + "' -");
    const std::string zh = status == "revoked" ? "已撤销" : "已注销";
    const std::string en = status == "revoked" ? "REVOKED" : "CANCELLED";
    EXPECT_NE(text.out.find(zh), std::string::npos) << text.out;
    EXPECT_NE(text.out.find(en), std::string::npos) << text.out;
    Outcome from_pdf = VerifyAt(pdf);
    EXPECT_EQ(from_pdf.code, 1) << from_pdf.out << from_pdf.err;
    EXPECT_NE(from_pdf.err.find(status), std::string::npos) << from_pdf.err;
  }

  // The snapshot downloaded before the revocation still says registered: the current status is
  // the register's, and the output says to ask it.
  Outcome old = VerifyAt(before);
  EXPECT_EQ(old.code, 0) << old.err;
  EXPECT_NE(old.out.find("Not checked (offline): the registration's current status"),
            std::string::npos)
      << old.out;
  EXPECT_NE(old.out.find("/v1/registrations/" + numbers[0]), std::string::npos) << old.out;
}

TEST_P(RegistrationCliTest, VerifyCertificatePastItsValidityExitsOne) {
  std::string number = EndNotices({ApplyForNotice("数据一")})[0];
  const json doc = Certificate(number);
  const std::string path = Save("cert.json", doc);
  const Time until = *ParseRfc3339(doc["certificate"]["valid_until"].get<std::string>());
  Outcome r = Dipr("verify-certificate " + path + " --key " + key_file_ + " --at " +
                   FormatRfc3339(until + std::chrono::seconds(1)));
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("validity ended on " +
                       doc["certificate"]["local_dates"]["valid_until"].get<std::string>()),
            std::string::npos)
      << r.err;
  Outcome before = Dipr("verify-certificate " + path + " --key " + key_file_ + " --at " +
                        FormatRfc3339(until - std::chrono::seconds(1)));
  EXPECT_EQ(before.code, 0) << before.err;
  EXPECT_EQ(Dipr("verify-certificate " + path + " --key " + key_file_ + " --at yesterday").code, 2);

  // Once the registrar marks it expired, the served document says so too.
  clock_.Set(until + std::chrono::seconds(1));
  ASSERT_TRUE(reg_->node().registrar().RunDue().ok());
  json expired = json::object();
  for (int i = 0; i < 200 && expired.value("status", "") != "expired"; ++i) {
    expired = Certificate(number);
    if (expired.value("status", "") != "expired") {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  ASSERT_EQ(expired["status"], "expired");
  Outcome e = VerifyAt(Save("expired.json", expired), "--json");
  EXPECT_EQ(e.code, 1);
  EXPECT_EQ(json::parse(e.out)["status_stated"], "expired");
  EXPECT_EQ(json::parse(e.out)["validity_ended"], true);
}

// A renewal issues a new certificate; the old one still verifies (it was true), and nothing
// offline can tell it was replaced: the output says so. The new one is not in force before its
// validity starts.
TEST_P(RegistrationCliTest, AnOldCertificateAfterARenewalSaysItCannotKnowItWasReplaced) {
  std::string number = EndNotices({ApplyForNotice("数据一")})[0];
  const json old_doc = Certificate(number);
  const Time until = *ParseRfc3339(old_doc["certificate"]["valid_until"].get<std::string>());
  clock_.Set(until - std::chrono::hours(24 * 30));
  auto renewed = reg_->Client(holder_).Post("/v1/registrations/" + number + "/renewal", "");
  ASSERT_EQ(renewed->status, 200) << renewed->body;
  json new_doc;
  for (int i = 0; i < 200; ++i) {
    new_doc = Certificate(number);
    if (new_doc["certificate"]["certificate_number"] !=
        old_doc["certificate"]["certificate_number"]) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_NE(new_doc["certificate"]["certificate_number"],
            old_doc["certificate"]["certificate_number"]);
  EXPECT_EQ(
      new_doc["receipt"]["index"].get<uint64_t>() > old_doc["receipt"]["index"].get<uint64_t>(),
      true);

  Outcome old = VerifyAt(Save("old.json", old_doc), "--json");
  EXPECT_EQ(old.code, 0) << old.err;
  EXPECT_EQ(json::parse(old.out)["latest_certificate_checked"], false);
  Outcome old_text = VerifyAt(Save("old.json", old_doc));
  EXPECT_NE(old_text.out.find("whether a newer certificate (renewal, change) replaced this one"),
            std::string::npos)
      << old_text.out;

  Outcome fresh = VerifyAt(Save("new.json", new_doc));
  EXPECT_EQ(fresh.code, 1) << fresh.out;
  EXPECT_NE(fresh.err.find("validity starts on " +
                           old_doc["certificate"]["local_dates"]["valid_until"].get<std::string>()),
            std::string::npos)
      << fresh.err;
}

// The PDF said it was verifiable offline but carried nothing to verify.
TEST_P(RegistrationCliTest, APdfCertificateVerifiesOffline) {
  std::string number = EndNotices({ApplyForNotice("客户交易数据 2026Q3")})[0];
  const json doc = Certificate(number);
  const std::string pdf = SavePdf(number, "cert.pdf");
  ASSERT_FALSE(pdf.empty());

  Outcome r = VerifyAt(pdf);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(embedded in the PDF)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(number), std::string::npos) << r.out;
  Outcome j = VerifyAt(pdf, "--json");
  ASSERT_EQ(j.code, 0) << j.err;
  EXPECT_EQ(json::parse(j.out)["from_pdf"], true);
  EXPECT_EQ(json::parse(j.out)["certificate_number"], doc["certificate"]["certificate_number"]);
  EXPECT_EQ(VerifyAt("- < " + pdf).code, 0);

  // Independent tools: poppler extracts the same document, qpdf finds the file sound.
  if (Shell("command -v pdfdetach && command -v qpdf").code != 0) {
    GTEST_SKIP() << "needs poppler-utils and qpdf (scripts/bootstrap.sh --test)";
  }
  Outcome list = Shell("pdfdetach -list '" + pdf + "'");
  EXPECT_NE(list.out.find("certificate-" +
                          doc["certificate"]["certificate_number"].get<std::string>() + ".json"),
            std::string::npos)
      << list.out;
  Outcome saved = Shell("pdfdetach -save 1 -o '" + files_ + "/detached.json' '" + pdf + "'");
  ASSERT_EQ(saved.code, 0) << saved.err;
  std::ifstream in(files_ + "/detached.json");
  json detached = json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
  EXPECT_EQ(detached["certificate"], doc["certificate"]);
  EXPECT_EQ(VerifyAt(files_ + "/detached.json").code, 0);
  Outcome check = Shell("qpdf --check '" + pdf + "' 2>&1");
  EXPECT_NE(check.out.find("No syntax or stream encoding errors"), std::string::npos) << check.out;

  // A changed byte in the embedded document, a truncated PDF, a PDF without the document: 1,
  // with one line.
  std::ifstream pin(pdf, std::ios::binary);
  const std::string bytes(std::istreambuf_iterator<char>(pin), {});
  std::string forged = bytes;
  const size_t at = forged.rfind("客户交易数据");
  ASSERT_NE(at, std::string::npos);
  forged[at + 18] = '_';  // the space after it
  const std::string cases[][2] = {{"forged.pdf", forged},
                                  {"cut.pdf", bytes.substr(0, bytes.size() - 100)},
                                  {"junk.pdf", "%PDF-1.5\n" + std::string(5000, '\xff')},
                                  {"bare.pdf", bytes.substr(0, bytes.find("%%EOF") + 6)}};
  for (const auto& c : cases) {
    std::ofstream(files_ + "/" + c[0], std::ios::binary) << c[1];
    Outcome bad = VerifyAt(files_ + "/" + c[0]);
    EXPECT_EQ(bad.code, 1) << c[0] << ": " << bad.out << bad.err;
    EXPECT_EQ(Lines(bad.err), 1u) << c[0] << ": " << bad.err;
  }
}

// The certificate named its deposits by log index only: nothing tied it to a dataset offline.
TEST_P(RegistrationCliTest, VerifyCertificateFileChecksTheDataset) {
  const std::string data = "客户交易数据 2026Q3";  // ApplyForNotice deposits these bytes
  std::string number = EndNotices({ApplyForNotice(data)})[0];
  const std::string path = Save("cert.json", Certificate(number));
  std::ofstream(files_ + "/data.csv") << data;
  std::ofstream(files_ + "/other.csv") << data << "!";

  Outcome r = VerifyAt(path, "--file " + files_ + "/data.csv");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("matches deposit entry " + std::to_string(last_deposit_)), std::string::npos)
      << r.out;
  Outcome j = VerifyAt(path, "--json --file " + files_ + "/data.csv");
  EXPECT_EQ(json::parse(j.out)["file"]["matches_deposit"], last_deposit_);
  EXPECT_EQ(json::parse(j.out)["file"]["digest"],
            HexEncode(fingerprint::FingerprintBytes(data)->digest));

  Outcome other = VerifyAt(path, "--file " + files_ + "/other.csv");
  EXPECT_EQ(other.code, 1) << other.out;
  EXPECT_NE(other.err.find("is none of the certificate's deposits"), std::string::npos)
      << other.err;
  EXPECT_EQ(
      json::parse(
          VerifyAt(path, "--json --file " + files_ + "/other.csv").out)["file"]["matches_deposit"],
      nullptr);
  EXPECT_EQ(VerifyAt(path, "--file " + files_ + "/missing.csv").code, 2);
}

TEST_P(RegistrationCliTest, AuditAgreesWithAnHonestRegistry) {
  // Two registrations (one cancelled later), one application in notice, one submitted, a draft.
  std::string a1 = ApplyForNotice("数据一"), a2 = ApplyForNotice("数据二");
  auto numbers = EndNotices({a1, a2});
  ApplyForNotice("数据三");  // stays in notice: the clock is not moved again
  auto holder = reg_->Client(holder_);
  auto cancel = holder.Post("/v1/registrations/" + numbers[1] + "/cancellation", "");
  ASSERT_EQ(cancel->status, 200) << cancel->body;
  auto draft = holder.PostJson("/v1/applications",
                               ApplicationBody("草稿", last_deposit_, last_deposit_bytes_));
  ASSERT_TRUE(draft.ok()) << draft.status().ToString();

  Outcome r = Audit();
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("OK: "), std::string::npos) << r.out;
  Outcome j = Audit("--json --jobs 3");
  ASSERT_EQ(j.code, 0) << j.err;
  json out = json::parse(j.out);
  EXPECT_EQ(out["ok"], true);
  EXPECT_EQ(out["accounts"], 3);  // admin, holder, examiner
  EXPECT_EQ(out["deposits"], 3);
  EXPECT_EQ(out["applications"], 4);
  EXPECT_EQ(out["registrations"], 2);
  EXPECT_EQ(out["notices"], 1);
  EXPECT_EQ(out["records_checked"], 2);
  EXPECT_EQ(out["certificates_checked"], 2);
  auto cp = reg_->Client().Get("/log/checkpoint");
  auto opened = log::OpenCheckpoint(cp->body, *crypto::NoteVerifier::Parse(reg_->verifier_key()));
  EXPECT_EQ(out["size"], opened->size);
  EXPECT_EQ(out["entries"], opened->size);
}

TEST_P(RegistrationCliTest, AuditNamesTheRegistrationTheRegisterLiesAbout) {
  std::string a1 = ApplyForNotice("数据一"), a2 = ApplyForNotice("数据二");
  auto numbers = EndNotices({a1, a2});
  Certificate(numbers[1]);
  ASSERT_EQ(Audit().code, 0);
  const std::string original = StoredDoc(a2);
  ASSERT_FALSE(original.empty());

  struct Case {
    const char* name;
    std::function<void(json&)> edit;
    const char* path;  // the first differing key path the audit names
  };
  const Case cases[] = {
      {"public data name", [](json& d) { d["record"]["data_name"] = "别人的数据"; }, "/data_name"},
      {"status", [](json& d) { d["status"] = "revoked"; }, "/status"},
      {"history", [](json& d) { d["history"][3]["type"] = "application.withdrawn"; },
       "/history/3/type"},
      {"certificate", [](json& d) { d["certificate"]["valid_until"] = "2099-01-01T00:00:00.000Z"; },
       "certificate"},
  };
  for (const Case& c : cases) {
    EditStored(a2, c.edit);
    Outcome r = Audit();
    EXPECT_EQ(r.code, 1) << c.name << ": " << r.out << r.err;
    EXPECT_EQ(Lines(r.err), 1u) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find("registration " + numbers[1]), std::string::npos)
        << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.path), std::string::npos) << c.name << ": " << r.err;
    Outcome j = Audit("--json");
    EXPECT_EQ(j.code, 1) << c.name;
    EXPECT_EQ(json::parse(j.out)["ok"], false) << c.name;
    RestoreDoc(a2, original);
  }
  Outcome again = Audit();
  EXPECT_EQ(again.code, 0) << again.err;

  // A register that hides a registration from its list: the counts differ.
  {
    auto tx = reg_->node().registry().store().BeginWrite();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->RemoveListing(a1).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  Outcome hidden = Audit();
  EXPECT_EQ(hidden.code, 1) << hidden.err;
  EXPECT_NE(hidden.err.find("omits registration " + numbers[0]), std::string::npos) << hidden.err;
}

// Search served a listing row edited in the database (holder name, valid_until 2099) while the
// audit said the register agreed: it compared only records, certificates and two counts. Now it
// walks every page of the lists and compares each item with the log.
TEST_P(RegistrationCliTest, AuditNamesAListingTamperedInTheDatabase) {
  std::string a1 = ApplyForNotice("数据一"), a2 = ApplyForNotice("数据二");
  auto numbers = EndNotices({a1, a2});
  std::string a3 = ApplyForNotice("数据三");  // in notice
  Certificate(numbers[1]);
  Outcome honest = Audit();
  ASSERT_EQ(honest.code, 0) << honest.err;
  // Registrations: 2 items and the empty page after them; refused: 1 empty page; notices: 1 item
  // and the empty page after it.
  EXPECT_NE(honest.out.find("compared 2 records, 2 certificates, 3 listing items on 5 pages"),
            std::string::npos)
      << honest.out;
  json listed = *reg_->Client().GetJson("/v1/registrations");
  ASSERT_EQ(listed["items"].size(), 2u) << listed.dump();
  ASSERT_EQ(listed["items"][0]["application"], a2);  // newest first
  const std::string valid_until = listed["items"][0]["valid_until"];

  struct Case {
    const char* name;
    std::string sql, undo;
    std::string says;  // in the one-line reason
  };
  auto where = [](const std::string& id) { return " WHERE application_id = '" + id + "'"; };
  const Case cases[] = {
      {"holder name",
       "UPDATE listings SET item = replace(item, '浙江数据有限公司', '别人的公司')" + where(a2),
       "UPDATE listings SET item = replace(item, '别人的公司', '浙江数据有限公司')" + where(a2),
       "registration " + numbers[1] + " (application " + a2 +
           ") differs from the log at "
           "/holders/0/name"},
      {"valid_until",
       "UPDATE listings SET item = replace(item, '" + valid_until +
           "', '2099-01-01T00:00:00.000Z')" + where(a2),
       "UPDATE listings SET item = replace(item, '2099-01-01T00:00:00.000Z', '" + valid_until +
           "')" + where(a2),
       "/v1/registrations page 1 item 1: the listing of registration " + numbers[1] +
           " (application " + a2 + ") differs from the log at /valid_until"},
      {"notice data name",
       "UPDATE listings SET item = replace(item, '数据三', '数据四')" + where(a3),
       "UPDATE listings SET item = replace(item, '数据四', '数据三')" + where(a3),
       "/v1/notices page 1 item 1: the listing of application " + a3 +
           " differs from the log at /data_name"},
      {"status moved to refused", "UPDATE listings SET status = 'refused'" + where(a1),
       "UPDATE listings SET status = 'registered'" + where(a1),
       "the register omits registration " + numbers[0]},
      {"forged listing added",
       "INSERT INTO listings(application_id, number, status, industry, holders, text, item) "
       "SELECT 'a00000000000f0f0', number, status, industry, holders, text, "
       "replace(item, '" +
           a1 + "', 'a00000000000f0f0') FROM listings" + where(a1),
       "DELETE FROM listings WHERE application_id = 'a00000000000f0f0'",
       "/v1/registrations page 1 item 1: the register lists application a00000000000f0f0, "
       "which the log does not list here"},
  };
  for (const Case& c : cases) {
    Sql(c.sql);
    Outcome r = Audit();
    EXPECT_EQ(r.code, 1) << c.name << ": " << r.out << r.err;
    EXPECT_EQ(Lines(r.err), 1u) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.name << ": " << r.err;
    Sql(c.undo);
    Outcome again = Audit();
    EXPECT_EQ(again.code, 0) << c.name << " undone: " << again.err;
  }

  // A listing removed from the database.
  Sql("DELETE FROM listings" + where(a1));
  Outcome removed = Audit();
  EXPECT_EQ(removed.code, 1) << removed.out << removed.err;
  EXPECT_NE(removed.err.find("/v1/registrations: the register omits registration " + numbers[0]),
            std::string::npos)
      << removed.err;
}

// A registry whose own log breaks its rules (here: an application in notice submitted again,
// appended behind the registrar's back): the audit names the first such entry.
TEST_P(RegistrationCliTest, AuditNamesTheFirstEventThatDoesNotReplay) {
  std::string id = ApplyForNotice("数据一");
  json view = *reg_->Client(holder_).GetJson("/v1/applications/" + id);
  registry::Event e{std::string(registry::kApplicationSubmitted),
                    clock_.Now(),
                    view["holder"],
                    {{"application", id}}};
  auto appended = reg_->node().registry().sequencer().Append(
      *registry::EncodeEntry(e), [](storage::WriteTx&, uint64_t) { return Status::Ok(); });
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  ApplyForNotice("数据二");  // entries after it do not matter

  Outcome r = Audit();
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(Lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("does not replay: entry " + std::to_string(appended->index) + ": "),
            std::string::npos)
      << r.err;
}

TEST_P(RegistrationCliTest, AuditNeedsTheRegistrysKeyAndServer) {
  crypto::NoteSigner other("test.example/dipr", crypto::Ed25519PrivateKey::Generate());
  Outcome wrong = Dipr("audit --server " + reg_->url() + " --key " + other.verifier().ToString());
  EXPECT_EQ(wrong.code, 1) << wrong.err;
  EXPECT_NE(wrong.err.find("checkpoint"), std::string::npos) << wrong.err;
  EXPECT_EQ(Dipr("audit --server http://127.0.0.1:1 --key " + key_file_).code, 2);
  EXPECT_EQ(Dipr("audit --key " + key_file_).code, 2);  // no server
  EXPECT_EQ(Dipr("audit --server " + reg_->url() + " --key nonsense").code, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistrationCliTest, testenv::AllBackends(),
                         testenv::BackendParamName);

}  // namespace
}  // namespace dipr
