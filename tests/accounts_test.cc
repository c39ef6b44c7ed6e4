// Accounts over HTTP, on each storage backend, with an injected clock: listing and showing them,
// disabling and enabling, token rotation (revoked at once or after a grace period, expiry),
// admin.token rotated without a second admin, objectors registering themselves (checked identity
// numbers, a limit per address, a role that only objects), the examiners' queue of objections,
// reassignment to another account of the same holders; and the new events replayed by the audit's
// Replay and carried over by dipr migrate.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/hex.h"
#include "crypto/note.h"
#include "fingerprint/fingerprint.h"
#include "registry/registry.h"
#include "registry/replay.h"
#include "run_dipr.h"
#include "server/data_dir.h"
#include "server/migrate.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "test_registry.h"
#include "verify/checkpoint.h"

namespace dipr {
namespace {

using nlohmann::json;
using testenv::Backend;
using testenv::TestRegistry;

const Time kStart = *ParseRfc3339("2026-12-04T02:00:00Z");
const std::string kRows = "rows of traffic data\n";

class AccountsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    clock_ = std::make_unique<FakeClock>(kStart);
    reg_ = std::make_unique<TestRegistry>(
        ::testing::UnitTest::GetInstance()->current_test_info()->name(), GetParam(), clock_.get(),
        [](server::NodeOptions& o) {
          o.api.accounts.objector_signups = {1.0 / 3600, 5};
        });
    ASSERT_TRUE(reg_->running());
    admin_ = reg_->admin_token();
    holder_ = reg_->CreateAccount("杭州数据科技有限公司", "holder");
    examiner_ = reg_->CreateAccount("Examiner Li", "examiner");
  }

  cli::HttpResult Call(const std::string& token, const std::string& method,
                       const std::string& target, const json& body = json()) {
    return reg_->Call(token, method, target, body);
  }
  json Ok(const cli::HttpResult& r, int status = 200) { return TestRegistry::Ok(r, status); }
  std::string IdOf(const std::string& token) {
    auto a = reg_->node().registry().Authenticate(token);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? a->id : "";
  }
  // 200 when the token works (any authenticated read), else the refusal's status.
  int Works(const std::string& token) { return Call(token, "GET", "/v1/objections").status; }

  json ApplicationBody(uint64_t deposit, const std::string& holder_id = "91350100M000100Y43") {
    return {{"data_name", "城市交通流量数据集 City traffic flows"},
            {"holders",
             {{{"name", "杭州数据科技有限公司"},
               {"type", "enterprise"},
               {"id", holder_id},
               {"country", "CN"},
               {"share", 1}}}},
            {"industry", "G"},
            {"scenarios", "交通规划 traffic planning"},
            {"collection_rules", "roadside sensors every five minutes"},
            {"processing_rules", "median filter"},
            {"structure", "CSV: sensor, time, count"},
            {"update_frequency", "daily"},
            {"source", {{"kind", "self_collected"}, {"description", "our own sensors"}}},
            {"scale", {{"records", 1000000}, {"bytes", kRows.size()}}},
            {"deposits", {deposit}},
            {"confidential", json::array()}};
  }
  uint64_t Deposit(const std::string& token, const std::string& data = kRows) {
    json fp = fingerprint::ToJson(*fingerprint::FingerprintBytes(data));
    json r = Ok(Call(token, "POST", "/v1/deposits", {{"fingerprint", fp}, {"title", "t"}}), 201);
    return r.value("index", uint64_t{0});
  }
  // A holder's application in public notice.
  std::string InNotice(const std::string& holder,
                       const std::string& holder_id = "91350100M000100Y43") {
    json a = Ok(
        Call(holder, "POST", "/v1/applications", ApplicationBody(Deposit(holder), holder_id)), 201);
    std::string id = a.value("id", "");
    Ok(Call(holder, "POST", "/v1/applications/" + id + "/submit"));
    Ok(Call(examiner_, "POST", "/v1/applications/" + id + "/examination",
            {{"decision", "accept"}}));
    return id;
  }
  json Objector(const std::string& name = "王五", const std::string& id = "11010519491231002X") {
    return {{"name", name},
            {"contact", "wang@example.cn"},
            {"id_type", "resident_id"},
            {"id_number", id}};
  }
  std::vector<std::string> Entries() {
    auto key = std::move(crypto::NoteVerifier::Parse(reg_->verifier_key())).value();
    auto cp = reg_->Client().Get("/log/checkpoint");
    uint64_t size = std::move(log::OpenCheckpoint(cp->body, key)).value().size;
    std::vector<std::string> out;
    while (out.size() < size) {
      json page = Ok(Call("", "GET",
                          fmt::format("/log/entries?start={}&end={}", out.size(),
                                      std::min<uint64_t>(size, out.size() + 1000))));
      if (page["entries"].empty()) break;
      for (const auto& e : page["entries"])
        out.push_back(*Base64Decode(e["data"].get<std::string>()));
    }
    return out;
  }

  std::unique_ptr<FakeClock> clock_;
  std::unique_ptr<TestRegistry> reg_;
  std::string admin_, holder_, examiner_;
};

TEST_P(AccountsTest, AdminsListAccountsByRoleInPagesAndShowOne) {
  for (int i = 0; i < 50; ++i) reg_->CreateAccount("h" + std::to_string(i), "holder");
  json first = Ok(Call(admin_, "GET", "/v1/users"));
  ASSERT_EQ(first["items"].size(), 50u);
  EXPECT_EQ(first["items"][0]["role"], "admin");  // the first account, oldest first
  EXPECT_EQ(first["next_page"], 2);
  json second = Ok(Call(admin_, "GET", "/v1/users?page=2"));
  EXPECT_EQ(second["items"].size(), 3u);  // admin, holder, examiner and 50 holders: 53
  EXPECT_FALSE(second.contains("next_page"));
  json examiners = Ok(Call(admin_, "GET", "/v1/users?role=examiner"));
  ASSERT_EQ(examiners["items"].size(), 1u);
  EXPECT_EQ(examiners["items"][0]["name"], "Examiner Li");
  EXPECT_EQ(examiners["items"][0]["disabled"], false);

  json shown = Ok(Call(admin_, "GET", "/v1/users/" + IdOf(holder_)));
  EXPECT_EQ(shown["role"], "holder");
  ASSERT_EQ(shown["tokens"].size(), 1u);
  EXPECT_TRUE(shown["tokens"][0]["expires_at"].is_null());
  EXPECT_EQ(shown.dump().find(HexEncode(registry::TokenHash(holder_))), std::string::npos);
  // An account sees itself, not others; only admins list.
  EXPECT_EQ(Call(holder_, "GET", "/v1/users/" + IdOf(holder_)).status, 200);
  EXPECT_EQ(Call(holder_, "GET", "/v1/users/" + IdOf(examiner_)).status, 403);
  EXPECT_EQ(Call(holder_, "GET", "/v1/users").status, 403);
  EXPECT_EQ(Call("", "GET", "/v1/users").status, 401);
  EXPECT_EQ(Call(admin_, "GET", "/v1/users?role=king").status, 400);
  EXPECT_EQ(Call(admin_, "GET", "/v1/users?page=0").status, 400);
  EXPECT_EQ(Call(admin_, "GET", "/v1/users/u0000000000000000").status, 404);
}

TEST_P(AccountsTest, ADisabledAccountsTokenIsRefusedAtOnceUntilItIsEnabled) {
  std::string id = IdOf(holder_);
  EXPECT_EQ(Works(holder_), 200);
  EXPECT_EQ(Call(admin_, "POST", "/v1/users/" + id + "/disable", json::object()).status, 400);
  json d = Ok(Call(admin_, "POST", "/v1/users/" + id + "/disable", {{"reason", "token leaked"}}));
  EXPECT_EQ(d["disabled"], true);
  EXPECT_EQ(Works(holder_), 401);
  EXPECT_EQ(Call(admin_, "POST", "/v1/users/" + id + "/disable", {{"reason", "again"}}).status,
            409);
  EXPECT_EQ(
      Call(admin_, "POST", "/v1/users/" + IdOf(admin_) + "/disable", {{"reason", "x"}}).status,
      403);
  EXPECT_EQ(
      Call(examiner_, "POST", "/v1/users/" + IdOf(admin_) + "/disable", {{"reason", "x"}}).status,
      403);
  // A restart changes nothing: the state is in the database, from the log.
  reg_->Restart(clock_.get());
  EXPECT_EQ(Works(holder_), 401);
  Ok(Call(admin_, "POST", "/v1/users/" + id + "/enable", {{"reason", "new staff member"}}));
  EXPECT_EQ(Works(holder_), 200);
  // The reasons are logged, in events of their own.
  std::string log;
  for (const auto& e : Entries()) log += e + "\n";
  EXPECT_NE(log.find("\"type\":\"account.disabled\""), std::string::npos);
  EXPECT_NE(log.find("token leaked"), std::string::npos);
  EXPECT_NE(log.find("\"type\":\"account.enabled\""), std::string::npos);
}

TEST_P(AccountsTest, ARotatedTokenReplacesTheOldOneAtOnceOrAfterItsGrace) {
  std::string id = IdOf(holder_);
  json r = Ok(Call(admin_, "POST", "/v1/users/" + id + "/tokens", json::object()), 201);
  std::string second = r["token"];
  EXPECT_TRUE(r["expires_at"].is_null());
  EXPECT_EQ(Works(holder_), 401);  // revoked at once
  EXPECT_EQ(Works(second), 200);

  // The account rotates its own, keeping the old one for a minute.
  r = Ok(Call(second, "POST", "/v1/users/" + id + "/tokens", {{"grace_seconds", 60}}), 201);
  std::string third = r["token"];
  EXPECT_EQ(Works(second), 200);
  EXPECT_EQ(Works(third), 200);
  EXPECT_EQ(Ok(Call(admin_, "GET", "/v1/users/" + id))["tokens"].size(), 2u);
  clock_->Advance(std::chrono::seconds(61));
  EXPECT_EQ(Works(second), 401);
  EXPECT_EQ(Works(third), 200);

  // An expiry, by lifetime or by date.
  r = Ok(Call(third, "POST", "/v1/users/" + id + "/tokens", {{"ttl_seconds", 3600}}), 201);
  std::string fourth = r["token"];
  EXPECT_EQ(Works(fourth), 200);
  clock_->Advance(std::chrono::seconds(3601));
  EXPECT_EQ(Works(fourth), 401);
  r = Ok(Call(admin_, "POST", "/v1/users/" + id + "/tokens",
              {{"expires_at", FormatRfc3339(clock_->Now() + std::chrono::hours(1))}}),
         201);
  EXPECT_EQ(Works(r["token"]), 200);

  // Refusals.
  EXPECT_EQ(Call(examiner_, "POST", "/v1/users/" + id + "/tokens").status, 403);
  EXPECT_EQ(Call(admin_, "POST", "/v1/users/" + id + "/tokens", {{"grace_seconds", -1}}).status,
            400);
  EXPECT_EQ(
      Call(admin_, "POST", "/v1/users/" + id + "/tokens", {{"expires_at", "2020-01-01T00:00:00Z"}})
          .status,
      400);
  EXPECT_EQ(Call(admin_, "POST", "/v1/users/" + id + "/tokens",
                 {{"ttl_seconds", 5}, {"expires_at", "2030-01-01T00:00:00Z"}})
                .status,
            400);
  EXPECT_EQ(Call(admin_, "POST", "/v1/users/" + id + "/tokens", {{"lifetime", 5}}).status, 400);

  // Neither tokens nor their hashes are in the public log.
  std::string log;
  for (const auto& e : Entries()) log += e + "\n";
  for (const std::string& t : {holder_, second, third, fourth}) {
    EXPECT_EQ(log.find(t), std::string::npos);
    EXPECT_EQ(log.find(HexEncode(registry::TokenHash(t))), std::string::npos);
    EXPECT_EQ(log.find(std::string(crypto::HashChars(registry::TokenHash(t)))), std::string::npos);
  }
  EXPECT_NE(log.find("\"type\":\"account.token_rotated\""), std::string::npos);
}

TEST_P(AccountsTest, RotatingTheAdminsTokenMakesNoSecondAdmin) {
  std::string admin_id = IdOf(admin_);
  json r = Ok(Call(admin_, "POST", "/v1/users/" + admin_id + "/tokens"), 201);
  std::string fresh = r["token"];
  // Restarted before admin.token is rewritten: no admin is created for the stale file.
  reg_->Restart(clock_.get());
  json admins = Ok(Call(fresh, "GET", "/v1/users?role=admin"));
  EXPECT_EQ(admins["items"].size(), 1u);
  EXPECT_EQ(Works(admin_), 401);
  // Rewritten (as dipr user rotate-token --token-file does): the node starts with it.
  ASSERT_TRUE(
      server::WriteFileAtomic((reg_->dir() / "admin.token").string(), fresh + "\n", 0600).ok());
  reg_->Restart(clock_.get());
  EXPECT_EQ(reg_->admin_token(), fresh);
  EXPECT_EQ(Ok(Call(fresh, "GET", "/v1/users?role=admin"))["items"].size(), 1u);
}

TEST_P(AccountsTest, AMemberOfThePublicRegistersAsAnObjectorAndOnlyObjects) {
  json r = Ok(Call("", "POST", "/v1/objectors", Objector()), 201);
  std::string objector = r["token"];
  EXPECT_EQ(r["role"], "objector");
  // The identity document's check character is checked where it has one.
  EXPECT_EQ(Call("", "POST", "/v1/objectors", Objector("x", "110105194912310021")).status, 400);
  json uscc = {{"name", "某公司"},
               {"contact", "+86 571 0000"},
               {"id_type", "uscc"},
               {"id_number", "91350100M000100Y44"}};
  EXPECT_EQ(Call("", "POST", "/v1/objectors", uscc).status, 400);
  EXPECT_EQ(Call("", "POST", "/v1/objectors", {{"name", "x"}}).status, 400);

  std::string app = InNotice(holder_);
  json o = Ok(Call(objector, "POST", "/v1/applications/" + app + "/objections",
                   {{"grounds", "this dataset is mine"}}),
              201);
  json mine = Ok(Call(objector, "GET", "/v1/objections"));
  ASSERT_EQ(mine["items"].size(), 1u);
  EXPECT_EQ(mine["items"][0]["id"], o["id"]);
  EXPECT_EQ(Call(objector, "GET", "/v1/objections/" + o["id"].get<std::string>()).status, 200);
  // Nothing else.
  EXPECT_EQ(Call(objector, "GET", "/v1/applications").status, 403);
  json fp = fingerprint::ToJson(*fingerprint::FingerprintBytes("x"));
  EXPECT_EQ(Call(objector, "POST", "/v1/deposits", {{"fingerprint", fp}, {"title", "t"}}).status,
            403);
  EXPECT_EQ(Call(objector, "GET", "/v1/users").status, 403);
  // The identity stays out of the public log.
  std::string log;
  for (const auto& e : Entries()) log += e + "\n";
  EXPECT_NE(log.find("\"type\":\"objector.registered\""), std::string::npos);
  for (const char* secret : {"王五", "wang@example.cn", "11010519491231002X"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret;
  }
}

TEST_P(AccountsTest, ObjectorRegistrationsAreLimitedPerAddress) {
  // Five at once (the burst this test configures), then 429 with when to come back.
  for (int i = 0; i < 5; ++i) Ok(Call("", "POST", "/v1/objectors", Objector()), 201);
  auto r = Call("", "POST", "/v1/objectors", Objector());
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_NE(r.body.find("too_many_requests"), std::string::npos);
  // Refused before anything was read or written: no fourth account.
  EXPECT_EQ(Ok(Call(admin_, "GET", "/v1/users?role=objector"))["items"].size(), 5u);
  EXPECT_NE(r.body.find("try again"), std::string::npos);
}

TEST_P(AccountsTest, ExaminersQueueOfOpenObjectionsIsOldestFirst) {
  std::string app = InNotice(holder_);
  std::vector<std::string> objections;
  for (int i = 0; i < 3; ++i) {
    std::string t = Ok(Call("", "POST", "/v1/objectors", Objector()), 201)["token"];
    clock_->Advance(std::chrono::seconds(1));
    objections.push_back(Ok(Call(t, "POST", "/v1/applications/" + app + "/objections",
                                 {{"grounds", "ground " + std::to_string(i)}}),
                            201)["id"]);
  }
  json queue = Ok(Call(examiner_, "GET", "/v1/objections?status=open"));
  ASSERT_EQ(queue["items"].size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(queue["items"][i]["id"], objections[i]);
  Ok(Call(examiner_, "POST", "/v1/objections/" + objections[0] + "/ruling",
          {{"decision", "dismiss"}, {"reason", "no evidence"}}));
  queue = Ok(Call(examiner_, "GET", "/v1/objections?status=open"));
  ASSERT_EQ(queue["items"].size(), 2u);
  EXPECT_EQ(queue["items"][0]["id"], objections[1]);
  EXPECT_EQ(Ok(Call(examiner_, "GET", "/v1/objections?status=dismissed"))["items"].size(), 1u);
  EXPECT_EQ(Call(examiner_, "GET", "/v1/objections?status=closed").status, 400);
  EXPECT_EQ(Call(examiner_, "GET", "/v1/objections?page=0").status, 400);
}

TEST_P(AccountsTest, AnAdminReassignsAnApplicationToAnotherAccountOfTheSameHolders) {
  std::string app = InNotice(holder_);
  std::string fresh = reg_->CreateAccount("杭州数据科技有限公司 (new staff)", "holder");
  std::string other = reg_->CreateAccount("Other holder", "holder");
  InNotice(other, "91110000100000000R");  // holds another holder's application
  std::string disabled = IdOf(reg_->CreateAccount("disabled", "holder"));
  Ok(Call(admin_, "POST", "/v1/users/" + disabled + "/disable", {{"reason", "gone"}}));
  std::string target = "/v1/applications/" + app + "/reassignment";
  auto to = [&](const std::string& id) { return json{{"to", id}, {"reason", "token lost"}}; };
  EXPECT_EQ(Call(holder_, "POST", target, to(IdOf(fresh))).status, 403);
  EXPECT_EQ(Call(admin_, "POST", target, to(IdOf(examiner_))).status, 400);
  EXPECT_EQ(Call(admin_, "POST", target, to(IdOf(other))).status, 400);
  EXPECT_EQ(Call(admin_, "POST", target, {{"to", IdOf(fresh)}}).status, 400);  // no reason
  EXPECT_EQ(Call(admin_, "POST", target, to("u0000000000000000")).status, 400);
  EXPECT_EQ(Call(admin_, "POST", target, to(disabled)).status, 400);
  json moved = Ok(Call(admin_, "POST", target, to(IdOf(fresh))));
  EXPECT_EQ(moved["holder"], IdOf(fresh));
  EXPECT_EQ(Call(holder_, "GET", "/v1/applications/" + app).status, 404);
  EXPECT_EQ(Call(fresh, "GET", "/v1/applications/" + app).status, 200);
  EXPECT_EQ(Call(admin_, "POST", target, to(IdOf(fresh))).status, 409);  // it holds it already
  // Registered, and moved back by its registration number.
  clock_->Advance(std::chrono::hours(24 * 30));
  ASSERT_TRUE(reg_->node().registrar().RunDue().ok());
  json reg = Ok(Call(fresh, "GET", "/v1/applications/" + app));
  ASSERT_EQ(reg["status"], "registered");
  std::string number = reg["registration_number"];
  Ok(Call(admin_, "POST", "/v1/registrations/" + number + "/reassignment", to(IdOf(holder_))));
  EXPECT_EQ(Call(holder_, "GET", "/v1/applications/" + app).status, 200);
  EXPECT_EQ(Call(fresh, "GET", "/v1/applications/" + app).status, 404);
}

TEST_P(AccountsTest, TheAuditsReplayChecksTheNewEvents) {
  std::string id = IdOf(holder_);
  Ok(Call(admin_, "POST", "/v1/users/" + id + "/disable", {{"reason", "leak"}}));
  Ok(Call(admin_, "POST", "/v1/users/" + id + "/enable", {{"reason", "fixed"}}));
  Ok(Call(admin_, "POST", "/v1/users/" + id + "/tokens", {{"grace_seconds", 10}}), 201);
  std::string objector = Ok(Call("", "POST", "/v1/objectors", Objector()), 201)["token"];
  std::string app = InNotice(holder_);
  std::string fresh = reg_->CreateAccount("new", "holder");
  Ok(Call(admin_, "POST", "/v1/applications/" + app + "/reassignment",
          {{"to", IdOf(fresh)}, {"reason", "token lost"}}));
  Ok(Call(objector, "POST", "/v1/applications/" + app + "/objections", {{"grounds", "mine"}}), 201);
  Ok(Call(admin_, "POST", "/v1/users/" + IdOf(examiner_) + "/disable", {{"reason", "left"}}));
  auto entries = Entries();
  registry::Replay replay;
  for (uint64_t i = 0; i < entries.size(); ++i) {
    ASSERT_TRUE(replay.Apply(i, entries[i]).ok()) << replay.Apply(i, entries[i]).ToString();
  }
  EXPECT_EQ(replay.accounts(), 5u);  // admin, holder, examiner, objector, new holder
  EXPECT_EQ(replay.disabled_accounts(), 1u);
  EXPECT_EQ(replay.applications().at(app).holder, IdOf(fresh));

  // An event by a disabled account, or a reassignment to a non-holder, does not replay.
  auto forged = [&](const registry::Event& e) {
    registry::Replay r;
    for (uint64_t i = 0; i < entries.size(); ++i) EXPECT_TRUE(r.Apply(i, entries[i]).ok());
    return r.Apply(entries.size(), *registry::EncodeEntry(e));
  };
  registry::Event e{
      "account.disabled", clock_->Now(), IdOf(admin_), {{"id", IdOf(fresh)}, {"reason", "x"}}};
  EXPECT_TRUE(forged(e).ok());
  e = {"application.reassigned",
       clock_->Now(),
       IdOf(admin_),
       {{"application", app}, {"from", IdOf(fresh)}, {"to", IdOf(admin_)}, {"reason", "x"}}};
  EXPECT_FALSE(forged(e).ok());
  e = {"account.token_rotated", clock_->Now(), IdOf(objector), {{"id", IdOf(fresh)}}};
  EXPECT_FALSE(forged(e).ok());
}

// dipr user list|show|disable|enable|rotate-token as an admin types them, their exit codes, the
// admin.token rewritten by --token-file, and dipr audit over a log with every new event.
TEST_P(AccountsTest, TheUserCommandsAndTheAuditOverTheNewEvents) {
  using testenv::RunDipr;
  std::string id = IdOf(holder_);
  std::string server = " --server " + reg_->url();
  auto as_admin = [&](const std::string& args) {
    return RunDipr(args + server, "DIPR_TOKEN=" + admin_);
  };
  auto list = as_admin("user list --role holder");
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find(id + "  holder  杭州数据科技有限公司"), std::string::npos) << list.out;
  auto listed = as_admin("user list --json");
  EXPECT_EQ(json::parse(listed.out)["items"].size(), 3u) << listed.out;
  auto shown = as_admin("user show " + id);
  EXPECT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.out.find("token: expires never"), std::string::npos) << shown.out;
  EXPECT_EQ(as_admin("user show u0000000000000000").code, 1);  // refused: no such account
  EXPECT_EQ(as_admin("user disable " + id).code, 2);           // usage: --reason is required
  auto disabled = as_admin("user disable " + id + " --reason 'token leaked'");
  EXPECT_EQ(disabled.code, 0) << disabled.err;
  EXPECT_EQ(Works(holder_), 401);
  auto again = as_admin("user disable " + id + " --reason again --json");
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(json::parse(again.out)["error"]["code"], "conflict") << again.out;
  // Disabled, rotated, enabled: the leaked token never works again in between.
  auto rotated = as_admin("user rotate-token " + id + " --json");
  EXPECT_EQ(rotated.code, 0) << rotated.err;
  EXPECT_EQ(Works(json::parse(rotated.out)["token"]), 401);
  EXPECT_EQ(as_admin("user enable " + id + " --reason replaced").code, 0);
  EXPECT_EQ(Works(json::parse(rotated.out)["token"]), 200);
  EXPECT_EQ(Works(holder_), 401);
  EXPECT_EQ(RunDipr("user list" + server, "DIPR_TOKEN=" + examiner_).code, 1);
  EXPECT_EQ(RunDipr("user list --server http://127.0.0.1:1", "DIPR_TOKEN=" + admin_).code, 2);

  // The admin's token, rotated into admin.token with a grace period; a restart keeps one admin.
  std::string file = (reg_->dir() / "admin.token").string();
  auto admin_rotated =
      as_admin("user rotate-token " + IdOf(admin_) + " --grace-seconds 60 --token-file " + file);
  EXPECT_EQ(admin_rotated.code, 0) << admin_rotated.err;
  EXPECT_EQ(admin_rotated.out.find("dipr_"), std::string::npos) << admin_rotated.out;
  std::string fresh = *server::ReadFile(file);
  fresh.pop_back();
  EXPECT_NE(fresh, admin_);
  EXPECT_EQ(Works(admin_), 200);  // within its grace
  reg_->Restart(clock_.get());
  EXPECT_EQ(reg_->admin_token(), fresh);
  EXPECT_EQ(Ok(Call(fresh, "GET", "/v1/users?role=admin"))["items"].size(), 1u);

  // Objectors and a reassignment too, then the audit replays it all and agrees.
  Ok(Call("", "POST", "/v1/objectors", Objector()), 201);
  std::string key_file = (reg_->dir() / "audit.key").string();
  ASSERT_TRUE(server::WriteFileAtomic(key_file, reg_->verifier_key() + "\n", 0600).ok());
  auto audit = RunDipr("audit --server " + reg_->url() + " --key " + key_file);
  EXPECT_EQ(audit.code, 0) << audit.out << audit.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountsTest, testenv::AllBackends(), testenv::BackendParamName);

// dipr migrate carries every account's tokens (rotated, with their expiries), its disabled state
// and the objectors' identities from SQLite to PostgreSQL.
TEST(AccountsMigrate, MigrationCarriesTokensAndDisabledState) {
  FakeClock clock(kStart);
  auto reg = std::make_unique<TestRegistry>("AccountsMigrate", Backend::kSqlite, &clock);
  ASSERT_TRUE(reg->running());
  std::string admin = reg->admin_token();
  std::string holder = reg->CreateAccount("h", "holder");
  std::string examiner = reg->CreateAccount("e", "examiner");
  auto c = reg->Client(admin);
  std::string holder_id = (*reg->node().registry().Authenticate(holder)).id;
  std::string examiner_id = (*reg->node().registry().Authenticate(examiner)).id;
  auto rotated = c.PostJson("/v1/users/" + holder_id + "/tokens",
                            {{"grace_seconds", 600}, {"ttl_seconds", 7200}});
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  std::string fresh = (*rotated)["token"];
  ASSERT_TRUE(c.PostJson("/v1/users/" + examiner_id + "/disable", {{"reason", "left"}}).ok());
  auto objector = reg->Client().PostJson(
      "/v1/objectors",
      {{"name", "王五"}, {"contact", "c"}, {"id_type", "passport"}, {"id_number", "E12345678"}});
  ASSERT_TRUE(objector.ok()) << objector.status().ToString();
  auto key = reg->node().data().signer->verifier();
  std::filesystem::path dir = reg->dir();
  reg->Stop();

  auto source = storage::OpenSqliteStore((dir / "dipr.db").string());
  ASSERT_TRUE(source.ok());
  auto uri = testenv::TestDatabase(dir / "target");
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  auto target = storage::OpenPostgresStore(*uri);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  auto report = server::Migrate(**source, **target, key, nullptr);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->accounts, 4u);
  storage::Store& t = **target;
  for (const std::string& token :
       {admin, holder, fresh, examiner, (*objector)["token"].get<std::string>()}) {
    auto a = *t.AccountByTokenHash(registry::TokenHash(token));
    auto b = *(*source)->AccountByTokenHash(registry::TokenHash(token));
    ASSERT_TRUE(a.has_value());
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(a->id, b->id);
    EXPECT_EQ(a->expires, b->expires);
    EXPECT_EQ(a->disabled, b->disabled);
  }
  EXPECT_TRUE((*t.AccountById(examiner_id))->disabled);
  EXPECT_EQ(t.CredentialsOf(holder_id)->size(), 2u);
  testenv::PostgresServer::Get().Drop((dir / "target").string());
}

}  // namespace
}  // namespace dipr
