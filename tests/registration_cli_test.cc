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
#include "common/testing.h"
#include "crypto/note.h"
#include "fingerprint/fingerprint.h"
#include "log/checkpoint.h"
#include "registry/event.h"
#include "registry/lifecycle.h"
#include "test_registry.h"

namespace dipr {
namespace {

using nlohmann::json;
using testenv::Backend;
using testenv::TestRegistry;

struct Outcome {
  int code = -1;
  std::string out, err;
};

// Runs `dipr ARGS` through the shell with a clean DIPR_* environment.
Outcome Dipr(const std::string& args) {
  static std::atomic<int> n{0};
  std::string err_file =
      std::filesystem::temp_directory_path() /
      ("dipr-regcli-err-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  std::string cmd =
      "env -u DIPR_SERVER -u DIPR_TOKEN " + testenv::DiprBinary() + " " + args + " 2>" + err_file;
  Outcome r;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t k;
  while ((k = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, k);
  int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  std::filesystem::remove(err_file);
  return r;
}

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

  Outcome r = Dipr("verify-certificate " + path + " --key " + key_file_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find(number), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(doc["certificate"]["certificate_number"].get<std::string>()),
            std::string::npos);
  EXPECT_NE(r.out.find("客户交易数据 2026Q3"), std::string::npos);
  EXPECT_NE(r.out.find("浙江数据有限公司"), std::string::npos);
  EXPECT_NE(r.out.find(doc["certificate"]["valid_until"].get<std::string>()), std::string::npos);
  EXPECT_NE(r.out.find("entry " + std::to_string(doc["receipt"]["index"].get<uint64_t>())),
            std::string::npos);

  Outcome j = Dipr("verify-certificate --json " + path + " --key " + reg_->verifier_key());
  ASSERT_EQ(j.code, 0) << j.err;
  json out = json::parse(j.out);
  EXPECT_EQ(out["valid"], true);
  EXPECT_EQ(out["registration_number"], number);
  EXPECT_EQ(out["data_name"], "客户交易数据 2026Q3");
  EXPECT_EQ(out["index"], doc["receipt"]["index"]);
  EXPECT_EQ(out["event"], "application.registered");
  EXPECT_GT(out["tree_size"].get<uint64_t>(), out["index"].get<uint64_t>());
  EXPECT_EQ(out["holders"][0]["id"], "91350100M000100Y43");

  Outcome stdin_run = Dipr("verify-certificate - --key " + key_file_ + " < " + path);
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
    Outcome r = Dipr("verify-certificate " + Save("bad.json", bad) + " --key " + key_file_);
    EXPECT_EQ(r.code, 1) << c.name << ": " << r.out << r.err;
    EXPECT_EQ(Lines(r.err), 1u) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.name << ": " << r.err;
    Outcome j = Dipr("verify-certificate --json " + Save("bad.json", bad) + " --key " + key_file_);
    EXPECT_EQ(j.code, 1) << c.name;
    EXPECT_EQ(json::parse(j.out)["valid"], false) << c.name;
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
  EXPECT_NE(hidden.err.find("lists 1 registrations"), std::string::npos) << hidden.err;
  EXPECT_NE(hidden.err.find("the log has 2"), std::string::npos) << hidden.err;
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
