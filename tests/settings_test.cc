// The registrar's settings (registry/settings.h) across restarts, changes and bad flags, on each
// storage backend: a restart without the flags used to fall back to the defaults (other numbers,
// other certificates), one with other flags changed the registrar silently, and a bad flag on a
// first start left a half-made registry behind.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/base64.h"
#include "common/testing.h"
#include "fingerprint/fingerprint.h"
#include "registry/settings_events.h"
#include "run_dipr.h"
#include "server_process.h"
#include "test_registry.h"
#include "verify/event.h"

namespace dipr {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testenv::Backend;
using testenv::TestRegistry;

using testenv::Outcome;
Outcome Dipr(const std::string& args) { return testenv::RunDipr(args); }

const Time kStart = *ParseRfc3339("2026-11-26T02:00:00Z");

class SettingsTest : public ::testing::TestWithParam<Backend> {
 protected:
  SettingsTest() : clock_(kStart) {}

  // The options of a start of the registry's node with `settings` as its flags.
  server::NodeOptions Options(const registry::SettingsFlags& settings) const {
    server::NodeOptions o;
    o.data_dir = reg_->dir().string();
    o.db = reg_->db();
    o.origin = "test.example/dipr";
    o.http.port = 0;
    o.http.threads = 2;
    o.clock = &clock_;
    o.due_interval = std::chrono::milliseconds(0);
    o.settings = settings;
    return o;
  }

  void SetUp() override {
    first_.registrar_code = "3301";
    first_.registrar_name = "浙江省知识产权局 / Zhejiang IP Office";
    first_.notice_period = "30s";
    first_.validity = "5y";
    flags_ = first_;  // the first start's
    reg_ = std::make_unique<TestRegistry>(
        ::testing::UnitTest::GetInstance()->current_test_info()->name(), GetParam(), &clock_,
        [this](server::NodeOptions& o) { o.settings = flags_; });
    ASSERT_TRUE(reg_->running());
  }
  void TearDown() override { reg_.reset(); }

  // Empties the registry's storage (the data directory, and the PostgreSQL database's tables).
  void Wipe() {
    fs::remove_all(reg_->dir());
    if (GetParam() == Backend::kPostgres) {
      auto r = testenv::RunSql(reg_->db(), "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }

  // Accepts a new application for notice at the clock's now; returns its notice_ends_at.
  std::string AcceptOne(const std::string& name) {
    auto holder =
        reg_->Client(holder_.empty() ? (holder_ = reg_->CreateAccount("h", "holder")) : holder_);
    if (examiner_.empty()) examiner_ = reg_->CreateAccount("e", "examiner");
    auto d = holder.PostJson(
        "/v1/deposits", {{"fingerprint", fingerprint::ToJson(*fingerprint::FingerprintBytes(name))},
                         {"title", "t"}});
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    if (!d.ok()) return "";
    json body = json::parse(R"({"industry": "I",
      "holders": [{"name": "n", "type": "individual", "id": "X1", "country": "FR", "share": 1}],
      "scenarios": "s", "collection_rules": "c", "processing_rules": "p", "structure": "st",
      "update_frequency": "u", "source": {"kind": "purchased", "description": "d"},
      "scale": {"records": 1, "bytes": 1}})");
    body["data_name"] = name;
    body["deposits"] = {(*d)["index"]};
    body["scale"]["bytes"] = name.size();  // the deposited bytes: "scale.bytes" must agree
    auto a = holder.PostJson("/v1/applications", body);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    if (!a.ok()) return "";
    std::string id = (*a)["id"];
    EXPECT_TRUE(holder.PostJson("/v1/applications/" + id + "/submit", json()).ok());
    auto e = reg_->Client(examiner_).PostJson("/v1/applications/" + id + "/examination",
                                              {{"decision", "accept"}});
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? (*e)["notice_ends_at"].get<std::string>() : "";
  }

  json Settings() { return *reg_->Client().GetJson("/v1/settings"); }
  uint64_t LogSize() {
    auto head = reg_->node().registry().store().EntryCount();
    return head.ok() ? *head : 0;
  }
  registry::Event Entry(uint64_t index) {
    auto e = reg_->node().registry().store().ReadEntries(index, index + 1);
    return *registry::DecodeEntry(e->at(0));
  }

  FakeClock clock_;
  registry::SettingsFlags first_, flags_;
  std::unique_ptr<TestRegistry> reg_;
  std::string holder_, examiner_;
};

TEST_P(SettingsTest, TheFirstStartLogsItsSettings) {
  json s = Settings();
  EXPECT_EQ(s["registrar_code"], "3301");
  EXPECT_EQ(s["registrar_name"], "浙江省知识产权局 / Zhejiang IP Office");
  EXPECT_EQ(s["notice_period"], "30s");
  EXPECT_EQ(s["validity"], "5y");
  EXPECT_EQ(s["correction_period"], "30d");  // the defaults for the rest
  EXPECT_EQ(s["time_zone"], "Asia/Shanghai");
  EXPECT_EQ(s["calendar"]["name"], "CN");
  EXPECT_EQ(s["calendar_sha256"].get<std::string>().size(), 64u);
  // From the listen address: the port bound, not the 0 asked for (a QR code to port 0 was logged).
  EXPECT_EQ(s["public_url"], "http://127.0.0.1:" + std::to_string(reg_->node().port()));
  registry::Event e = Entry(s["event_index"]);
  EXPECT_EQ(e.type, registry::kRegistrarSettings);
  EXPECT_EQ(e.actor, registry::kRegistrarActor);
  json logged = s;
  logged.erase("event_index");
  EXPECT_EQ(e.payload, logged);
}

TEST_P(SettingsTest, ARestartWithADifferentRegistrarCodeIsRefused) {
  reg_->Stop();
  registry::SettingsFlags other = first_;
  other.registrar_code = "3302";
  auto n = server::Node::Start(Options(other));
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Code::kInvalidArgument);
  EXPECT_NE(n.status().message().find(
                "--registrar-code \"3302\" differs from the registry's registrar_code \"3301\""),
            std::string::npos)
      << n.status().message();
  EXPECT_EQ(n.status().message().find('\n'), std::string::npos);

  // Any other setting as well, the calendar by its hash.
  other = first_;
  other.notice_period = "10wd";
  n = server::Node::Start(Options(other));
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("--notice-period \"10wd\" differs from the registry's "
                                      "notice_period \"30s\""),
            std::string::npos)
      << n.status().message();
  std::string cal = reg_->dir().string() + "-calendar.json";
  std::ofstream(cal) << R"({"name": "XX", "time_zone": "Asia/Shanghai", "years": [2026],
    "holidays": ["2026-10-01"], "working_days": []})";
  other = first_;
  other.holidays_file = cal;
  n = server::Node::Start(Options(other));
  fs::remove(cal);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("--holidays \"XX\" (sha256 "), std::string::npos)
      << n.status().message();
  EXPECT_NE(n.status().message().find("differs from the registry's calendar \"CN\" (sha256 "),
            std::string::npos)
      << n.status().message();

  // The same flags start it.
  flags_ = first_;
  reg_->Start(&clock_);
  ASSERT_TRUE(reg_->running());
}

TEST_P(SettingsTest, ARestartWithoutFlagsKeepsTheSettings) {
  uint64_t size = LogSize();
  flags_ = {};
  reg_->Restart(&clock_);
  ASSERT_TRUE(reg_->running());
  EXPECT_EQ(LogSize(), size);  // nothing logged again
  json s = Settings();
  EXPECT_EQ(s["registrar_code"], "3301");
  EXPECT_EQ(s["notice_period"], "30s");
  EXPECT_EQ(reg_->node().registrar().settings().code, "3301");
  EXPECT_EQ(reg_->node().registrar().settings().name, "浙江省知识产权局 / Zhejiang IP Office");
  // The logged notice period applies, not the default 10wd.
  EXPECT_EQ(AcceptOne("数据一"), FormatRfc3339(kStart + std::chrono::seconds(30)));
}

TEST_P(SettingsTest, ASettingsChangeThroughTheCliIsLoggedAndApplied) {
  std::string url = reg_->url(), admin = reg_->admin_token();
  Outcome r = Dipr("settings set notice_period=45s registrar_name=新的名字 --server " + url +
                   " --token " + admin);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("settings changed in log entry"), std::string::npos) << r.out;
  json s = Settings();
  EXPECT_EQ(s["notice_period"], "45s");
  EXPECT_EQ(s["registrar_name"], "新的名字");
  EXPECT_EQ(s["registrar_code"], "3301");  // the others as they were
  registry::Event e = Entry(s["event_index"]);
  EXPECT_EQ(e.type, registry::kRegistrarSettings);
  EXPECT_NE(e.actor, registry::kRegistrarActor);  // the admin's account
  EXPECT_EQ(e.payload["notice_period"], "45s");
  // In force at once.
  EXPECT_EQ(AcceptOne("数据一"), FormatRfc3339(kStart + std::chrono::seconds(45)));
  Outcome show = Dipr("settings show --json --server " + url);
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_EQ(json::parse(show.out), s);

  // Refused, with nothing logged: a bad value, an unknown key, no change, no admin.
  uint64_t size = LogSize();
  struct Case {
    std::string args;
    int code;
    const char* says;
  } cases[] = {
      {"registrar_code=33 --token " + admin, 1, "\"registrar_code\" must be 4 digits"},
      {"public_url=ftp://x --token " + admin, 1, "\"public_url\" must be an http:// or https://"},
      {"notice_period=10x --token " + admin, 1, "\"notice_period\" \"10x\""},
      {"colour=blue --token " + admin, 1, "\"colour\" is not a setting"},
      {"notice_period=45s --token " + admin, 1, "nothing would change"},
      {"notice_period=46s --token " + reg_->CreateAccount("x", "holder"), 1, "only an admin"},
      {"notice_period --token " + admin, 2, "KEY=VALUE"},
  };
  size = LogSize();
  for (const Case& c : cases) {
    Outcome bad = Dipr("settings set " + c.args + " --server " + url);
    EXPECT_EQ(bad.code, c.code) << c.args << ": " << bad.err;
    EXPECT_NE(bad.err.find(c.says), std::string::npos) << c.args << ": " << bad.err;
  }
  EXPECT_EQ(LogSize(), size);

  // The change holds across a restart without flags; the old flag is refused now.
  flags_ = {};
  reg_->Restart(&clock_);
  ASSERT_TRUE(reg_->running());
  EXPECT_EQ(Settings()["notice_period"], "45s");
  reg_->Stop();
  auto n = server::Node::Start(Options(first_));
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("--registrar-name"), std::string::npos)
      << n.status().message();
  flags_ = {};
  reg_->Start(&clock_);
  ASSERT_TRUE(reg_->running());

  // And the audit replays both settings events and finds the served settings the logged ones.
  std::string key_file = reg_->dir().string() + "-key";
  std::ofstream(key_file) << reg_->verifier_key() << "\n";
  Outcome audit = Dipr("audit --server " + reg_->url() + " --key " + key_file);
  fs::remove(key_file);
  EXPECT_EQ(audit.code, 0) << audit.out << audit.err;
}

TEST_P(SettingsTest, ABadFlagOnAFirstStartCreatesNothing) {
  reg_->Stop();
  std::string cal = reg_->dir().string() + "-bad-calendar.json";
  std::ofstream(cal) << R"({"name": "XX", "years": [2026], "holidays": ["2026-02-30"]})";
  struct Case {
    std::function<void(server::NodeOptions&)> bad;
    const char* says;
  } cases[] = {
      {[](server::NodeOptions& o) { o.settings.registrar_code = "33"; }, "--registrar-code"},
      {[](server::NodeOptions& o) { o.settings.registrar_name = ""; }, "--registrar-name"},
      {[](server::NodeOptions& o) { o.settings.public_url = "ip.example.cn"; }, "--public-url"},
      {[](server::NodeOptions& o) { o.settings.public_url = "ftp://ip.example.cn"; },
       "--public-url"},
      {[](server::NodeOptions& o) { o.settings.notice_period = "10x"; }, "--notice-period"},
      {[](server::NodeOptions& o) { o.settings.renewal_window = "3mo"; }, "--renewal-window"},
      {[](server::NodeOptions& o) { o.settings.holidays_file = "/nonexistent.json"; },
       "--holidays"},
      {[&](server::NodeOptions& o) { o.settings.holidays_file = cal; }, "--holidays"},
      {[](server::NodeOptions& o) { o.settings.time_zone = "Mars/Olympus_Mons"; }, "--time-zone"},
      {[](server::NodeOptions& o) { o.origin = "bad origin"; }, "--origin"},
  };
  for (const Case& c : cases) {
    Wipe();
    server::NodeOptions o = Options({});
    c.bad(o);
    auto n = server::Node::Start(o);
    ASSERT_FALSE(n.ok()) << c.says;
    EXPECT_EQ(n.status().code(), Code::kInvalidArgument) << n.status().ToString();
    EXPECT_NE(n.status().message().find(c.says), std::string::npos) << n.status().message();
    EXPECT_FALSE(fs::exists(reg_->dir())) << c.says << ": the data directory was created";
    if (GetParam() == Backend::kPostgres) {
      auto tables =
          testenv::RunSql(reg_->db(),
                          "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                          "'public'");
      ASSERT_TRUE(tables.ok()) << tables.status().ToString();
      EXPECT_EQ(*tables, "0") << c.says << ": the database was initialized";
    }
  }
  fs::remove(cal);
  // Then, with good flags, it starts afresh.
  Wipe();
  flags_ = first_;
  reg_->Start(&clock_);
  ASSERT_TRUE(reg_->running());
  EXPECT_EQ(Settings()["registrar_code"], "3301");
}

INSTANTIATE_TEST_SUITE_P(Backends, SettingsTest, testenv::AllBackends(), testenv::BackendParamName);

// `dipr serve` without --public-url: the URL it listens on. With one that has no scheme: refused.
TEST(SettingsServe, ThePublicUrlDefaultsFromListenAndNeedsAScheme) {
  fs::path dir = testenv::TestTempDir("dipr-settings-serve");
  fs::remove_all(dir);
  {
    testenv::ServerProcess bad(dir.string(), {"--public-url", "ip.example.cn"});
    EXPECT_FALSE(bad.Start());
    EXPECT_FALSE(fs::exists(dir));
  }
  testenv::ServerProcess node(dir.string());
  ASSERT_TRUE(node.Start()) << "see " << dir.string() << ".log";
  auto c = std::move(cli::Client::Create(node.url(), "")).value();
  auto s = c.GetJson("/v1/settings");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)["public_url"], node.url());
  node.Kill();
  fs::remove_all(dir);
  fs::remove(dir.string() + ".log");
}

}  // namespace
}  // namespace dipr
