// Two `dipr serve` nodes on one PostgreSQL database, deposits through both, then kill -9 of the
// sequencing node under load: the other takes over within 5 seconds, and every receipt either
// node issued verifies and is consistent with the final checkpoint. Nothing acknowledged is lost.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "common/time.h"
#include "fingerprint/fingerprint.h"
#include "pg_testing.h"
#include "receipt_checks.h"
#include "server/data_dir.h"
#include "server_process.h"
#include "verify/checkpoint.h"
#include "verify/receipt.h"
#include "verify/verify.h"

namespace dipr {
namespace {

namespace fs = std::filesystem;

using testenv::CopySecrets;
using testenv::FreshDir;

// The admin's token (from the first node's data directory), and a new holder's and examiner's.
struct Tokens {
  std::string admin, holder, examiner;
};
Tokens CreateAccounts(const fs::path& node1_dir, const std::string& url) {
  Tokens t;
  t.admin = *server::ReadFile((node1_dir / "admin.token").string());
  t.admin.pop_back();
  auto a = std::move(cli::Client::Create(url, t.admin)).value();
  t.holder = (*a.PostJson("/v1/users", {{"name", "h"}, {"role", "holder"}}))["token"];
  t.examiner = (*a.PostJson("/v1/users", {{"name", "e"}, {"role", "examiner"}}))["token"];
  return t;
}

TEST(TwoNodes, DepositsThroughBothNodesSurviveKillingTheLeader) {
  fs::path dir = fs::temp_directory_path() / ("dipr-2node-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto db = testenv::PostgresServer::Get().Database(dir.string());
  ASSERT_TRUE(db.ok()) << db.status().ToString();

  // Node 1 creates the registry's key and admin token; node 2 gets copies (as an operator would
  // install them), so both sign as the same log.
  testenv::ServerProcess node1((dir / "node1").string(),
                               {"--db", *db, "--origin", "two.test/dipr"});
  ASSERT_TRUE(node1.Start()) << "see " << (dir / "node1").string() << ".log";
  fs::create_directories(dir / "node2");
  fs::permissions(dir / "node2", fs::perms::owner_all, fs::perm_options::replace);
  for (const char* f : {"log.key", "admin.token"}) {
    fs::copy_file(dir / "node1" / f, dir / "node2" / f);
  }
  testenv::ServerProcess node2((dir / "node2").string(), {"--db", *db});
  ASSERT_TRUE(node2.Start()) << "see " << (dir / "node2").string() << ".log";

  auto pub = std::move(cli::Client::Create(node2.url(), "")).value();
  std::string vkey = pub.Get("/log/key")->body;
  auto key = *crypto::NoteVerifier::Parse(vkey.substr(0, vkey.size() - 1));
  std::string admin = *server::ReadFile((dir / "node1" / "admin.token").string());
  admin.pop_back();
  auto created = std::move(cli::Client::Create(node1.url(), admin))
                     .value()
                     .PostJson("/v1/users", {{"name", "two-node holder"}, {"role", "holder"}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::string token = (*created)["token"];

  std::vector<testenv::IssuedReceipt> issued;
  std::mutex mu;
  std::atomic<uint64_t> counter{0};
  std::atomic<bool> stop{false}, killed{false};
  std::atomic<size_t> ok_before{0}, ok_after{0};
  std::atomic<int64_t> first_after_ms{-1};
  auto kill_time = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      std::string url = t % 2 == 0 ? node1.url() : node2.url();
      auto c = std::move(cli::Client::Create(url, token)).value();
      while (!stop) {
        bool after = killed;
        auto fp = fingerprint::FingerprintBytes("two-node data " + std::to_string(counter++));
        auto r =
            c.PostJson("/v1/deposits", {{"fingerprint", fingerprint::ToJson(*fp)}, {"title", "t"}});
        if (!r.ok()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          continue;  // node 1 died under this request: not acknowledged
        }
        auto receipt = registry::Receipt::FromJson(*r);
        ASSERT_TRUE(receipt.ok());
        std::lock_guard<std::mutex> g(mu);
        issued.push_back({*receipt, fingerprint::ToJson(*fp)["digest"]});
        if (after) {
          if (ok_after++ == 0) {
            first_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - kill_time)
                                 .count();
          }
        } else {
          ++ok_before;
        }
      }
    });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ok_before < 300 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill_time = std::chrono::steady_clock::now();
  killed = true;
  node1.Kill();  // node 1 started first, so it holds the lease and sequences
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (ok_after < 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_GE(ok_before.load(), 300u);
  ASSERT_GE(ok_after.load(), 200u) << "node 2 did not take over";
  EXPECT_GE(first_after_ms.load(), 0);
  EXPECT_LE(first_after_ms.load(), 5000) << "takeover took longer than 5 s";
  std::printf("takeover: first receipt %lld ms after kill -9 of the leader\n",
              static_cast<long long>(first_after_ms.load()));

  // Node 1 comes back as a follower of node 2.
  ASSERT_TRUE(node1.Start());
  auto cp = log::OpenCheckpoint(pub.Get("/log/checkpoint")->body, key);
  ASSERT_TRUE(cp.ok());
  auto cp1 = log::OpenCheckpoint(
      std::move(cli::Client::Create(node1.url(), "")).value().Get("/log/checkpoint")->body, key);
  ASSERT_TRUE(cp1.ok());
  EXPECT_EQ(cp1->size, cp->size);
  EXPECT_EQ(cp1->root, cp->root);

  EXPECT_EQ(testenv::ExpectReceiptsHold(pub, key, *cp, issued), issued.size());
  node1.Kill();
  node2.Kill();
  testenv::PostgresServer::Get().Drop(dir.string());
  fs::remove_all(dir);
}

// The registration workflow through both nodes: applications (with their private fields, which
// travel to the leader as the entry's sidecar) through the follower, examinations through either,
// and the registrar acting on the leader; then the leader is killed and the other node registers
// the rest. Every accepted application ends registered, with numbers no other has.
TEST(TwoNodes, RegistrationThroughBothNodesSurvivesKillingTheLeader) {
  fs::path dir = fs::temp_directory_path() / ("dipr-2node-reg-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto db = testenv::PostgresServer::Get().Database(dir.string());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  std::vector<std::string> settings = {"--notice-period",  "1s",  "--due-interval", "0.1",
                                       "--registrar-code", "3301"};
  std::vector<std::string> args1 = {"--db", *db, "--origin", "two.test/dipr"};
  args1.insert(args1.end(), settings.begin(), settings.end());
  testenv::ServerProcess node1((dir / "node1").string(), args1);
  ASSERT_TRUE(node1.Start()) << "see " << (dir / "node1").string() << ".log";
  fs::create_directories(dir / "node2");
  fs::permissions(dir / "node2", fs::perms::owner_all, fs::perm_options::replace);
  for (const char* f : {"log.key", "admin.token"}) {
    fs::copy_file(dir / "node1" / f, dir / "node2" / f);
  }
  std::vector<std::string> args2 = {"--db", *db};
  args2.insert(args2.end(), settings.begin(), settings.end());
  testenv::ServerProcess node2((dir / "node2").string(), args2);
  ASSERT_TRUE(node2.Start()) << "see " << (dir / "node2").string() << ".log";

  std::string admin = *server::ReadFile((dir / "node1" / "admin.token").string());
  admin.pop_back();
  auto a1 = std::move(cli::Client::Create(node1.url(), admin)).value();
  std::string holder = (*a1.PostJson("/v1/users", {{"name", "h"}, {"role", "holder"}}))["token"];
  std::string examiner =
      (*a1.PostJson("/v1/users", {{"name", "e"}, {"role", "examiner"}}))["token"];
  auto dep =
      std::move(cli::Client::Create(node2.url(), holder))
          .value()
          .PostJson(
              "/v1/deposits",
              {{"fingerprint", fingerprint::ToJson(*fingerprint::FingerprintBytes("two nodes"))},
               {"title", "t"}});
  ASSERT_TRUE(dep.ok()) << dep.status().ToString();
  nlohmann::json body =
      nlohmann::json::parse(R"({"data_name": "两个节点 two nodes", "industry": "I",
    "holders": [{"name": "n", "type": "enterprise", "id": "91350100M000100Y43", "country": "CN",
                 "share": 1}],
    "scenarios": "s", "collection_rules": "c", "processing_rules": "p", "structure": "st",
    "update_frequency": "u", "source": {"kind": "licensed", "description": "d"},
    "scale": {"records": 1, "bytes": 9}, "confidential": ["processing_rules"]})");
  // "bytes": the size of the deposited "two nodes".
  body["deposits"] = {(*dep)["index"]};

  std::vector<std::string> accepted;
  std::mutex mu;
  std::atomic<bool> leader_dead{false};
  auto work = [&](int n, int t) {
    for (int i = 0; i < n; ++i) {
      // Holders through the follower; examiners alternate, and only node2 once node1 is dead.
      auto h = std::move(cli::Client::Create(node2.url(), holder)).value();
      bool via1 = !leader_dead && (i + t) % 2 == 0;
      auto e = std::move(cli::Client::Create(via1 ? node1.url() : node2.url(), examiner)).value();
      auto a = h.PostJson("/v1/applications", body);
      if (!a.ok()) continue;
      std::string id = (*a)["id"];
      if (!h.PostJson("/v1/applications/" + id + "/submit", nlohmann::json()).ok()) continue;
      if (!e.PostJson("/v1/applications/" + id + "/examination", {{"decision", "accept"}}).ok()) {
        continue;
      }
      std::lock_guard<std::mutex> g(mu);
      accepted.push_back(id);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(work, 10, t);
  for (auto& t : threads) t.join();
  size_t before_kill = accepted.size();
  ASSERT_GE(before_kill, 36u);
  // Kill the leader; the follower takes over, sequences and registers what is due.
  leader_dead = true;
  node1.Kill();
  threads.clear();
  for (int t = 0; t < 2; ++t) threads.emplace_back(work, 10, t);
  for (auto& t : threads) t.join();
  ASSERT_GE(accepted.size(), before_kill + 15);

  auto h = std::move(cli::Client::Create(node2.url(), holder)).value();
  std::set<std::string> numbers, certificates;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (const auto& id : accepted) {
    nlohmann::json a;
    do {
      auto r = h.GetJson("/v1/applications/" + id);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      a = *r;
      if (a["status"] == "registered") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < deadline);
    ASSERT_EQ(a["status"], "registered") << id;
    EXPECT_EQ(a["processing_rules"], "p");  // the private fields reached the leader intact
    EXPECT_TRUE(numbers.insert(a["registration_number"].get<std::string>()).second);
    EXPECT_TRUE(certificates.insert(a["certificate_number"].get<std::string>()).second);
  }
  node2.Kill();
  testenv::PostgresServer::Get().Drop(dir.string());
  fs::remove_all(dir);
}

// A second node with other settings joined the registry without a word, numbering with its own
// registrar code and periods. Now it is refused; one without the flags runs with the logged
// settings, and takes up a change made through the other node.
// A disable or a token rotation made through either node refuses the old token on both nodes
// from the very next request: neither node keeps an authentication cache.
TEST(TwoNodes, ADisableOrRotationThroughOneNodeRefusesTheTokenOnTheOtherAtOnce) {
  fs::path dir = FreshDir("dipr-2node-auth-");
  auto db = testenv::PostgresServer::Get().Database(dir.string());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  testenv::ServerProcess node1((dir / "node1").string(),
                               {"--db", *db, "--origin", "two.test/dipr"});
  ASSERT_TRUE(node1.Start()) << "see " << (dir / "node1").string() << ".log";
  CopySecrets(dir / "node1", dir / "node2");
  testenv::ServerProcess node2((dir / "node2").string(), {"--db", *db});
  ASSERT_TRUE(node2.Start()) << "see " << (dir / "node2").string() << ".log";
  Tokens t = CreateAccounts(dir / "node1", node1.url());
  auto on = [&](const testenv::ServerProcess& node, const std::string& token) {
    return std::move(cli::Client::Create(node.url(), token)).value();
  };
  auto works = [&](const testenv::ServerProcess& node, const std::string& token) {
    auto r = on(node, token).Get("/v1/objections");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->status : 0;
  };
  std::string holder_id = (*on(node1, t.admin).GetJson("/v1/users?role=holder"))["items"][0]["id"];
  ASSERT_EQ(works(node1, t.holder), 200);
  ASSERT_EQ(works(node2, t.holder), 200);

  // Disabled through node 2 (which queues the event to node 1, the sequencer).
  auto disabled =
      on(node2, t.admin)
          .PostJson("/v1/users/" + holder_id + "/disable", {{"reason", "token leaked"}});
  ASSERT_TRUE(disabled.ok()) << disabled.status().ToString();
  EXPECT_EQ(works(node1, t.holder), 401);
  EXPECT_EQ(works(node2, t.holder), 401);
  ASSERT_TRUE(on(node1, t.admin)
                  .PostJson("/v1/users/" + holder_id + "/enable", {{"reason", "rotated"}})
                  .ok());
  EXPECT_EQ(works(node2, t.holder), 200);

  // Rotated through node 1: the old token fails on node 2 at once, the new one works there.
  auto rotated =
      on(node1, t.admin).PostJson("/v1/users/" + holder_id + "/tokens", nlohmann::json::object());
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(works(node2, t.holder), 401);
  EXPECT_EQ(works(node2, (*rotated)["token"]), 200);
  node1.Kill();
  node2.Kill();
  testenv::PostgresServer::Get().Drop(dir.string());
  fs::remove_all(dir);
}

TEST(TwoNodes, ASecondNodeWithOtherSettingsIsRefused) {
  fs::path dir = FreshDir("dipr-2node-settings-");
  auto db = testenv::PostgresServer::Get().Database(dir.string());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  testenv::ServerProcess node1((dir / "node1").string(),
                               {"--db", *db, "--origin", "two.test/dipr", "--registrar-code",
                                "3301", "--notice-period", "30s", "--due-interval", "0.1"});
  ASSERT_TRUE(node1.Start()) << "see " << (dir / "node1").string() << ".log";
  CopySecrets(dir / "node1", dir / "node2");
  {
    testenv::ServerProcess other((dir / "node2").string(),
                                 {"--db", *db, "--registrar-code", "3302"});
    EXPECT_FALSE(other.Start());
    std::string log = *server::ReadFile((dir / "node2").string() + ".log");
    EXPECT_NE(log.find("--registrar-code \"3302\" differs from the registry's registrar_code "
                       "\"3301\""),
              std::string::npos)
        << log;
  }
  testenv::ServerProcess node2((dir / "node2").string(), {"--db", *db, "--due-interval", "0.1"});
  ASSERT_TRUE(node2.Start()) << "see " << (dir / "node2").string() << ".log";
  auto pub2 = std::move(cli::Client::Create(node2.url(), "")).value();
  EXPECT_EQ((*pub2.GetJson("/v1/settings"))["registrar_code"], "3301");

  // A change through node 1 applies on node 2: its next acceptances end their notice 45 s on.
  Tokens t = CreateAccounts(dir / "node1", node1.url());
  auto a1 = std::move(cli::Client::Create(node1.url(), t.admin)).value();
  auto h = std::move(cli::Client::Create(node2.url(), t.holder)).value();
  auto e = std::move(cli::Client::Create(node2.url(), t.examiner)).value();
  auto dep =
      h.PostJson("/v1/deposits",
                 {{"fingerprint", fingerprint::ToJson(*fingerprint::FingerprintBytes("settings"))},
                  {"title", "t"}});
  ASSERT_TRUE(dep.ok()) << dep.status().ToString();
  nlohmann::json body = nlohmann::json::parse(R"({"data_name": "设置 settings", "industry": "I",
    "holders": [{"name": "n", "type": "individual", "id": "X1", "country": "FR", "share": 1}],
    "scenarios": "s", "collection_rules": "c", "processing_rules": "p", "structure": "st",
    "update_frequency": "u", "source": {"kind": "licensed", "description": "d"},
    "scale": {"records": 1, "bytes": 8}})");  // "bytes": the size of the deposited "settings"
  body["deposits"] = {(*dep)["index"]};
  // The notice an acceptance through node 2 gives, in seconds.
  auto notice_seconds = [&]() -> int64_t {
    auto a = h.PostJson("/v1/applications", body);
    if (!a.ok()) return -1;
    std::string id = (*a)["id"];
    if (!h.PostJson("/v1/applications/" + id + "/submit", nlohmann::json()).ok()) return -1;
    auto x = e.PostJson("/v1/applications/" + id + "/examination", {{"decision", "accept"}});
    if (!x.ok()) return -1;
    Time ends = *ParseRfc3339((*x)["notice_ends_at"].get<std::string>());
    Time at = *ParseRfc3339((*x)["updated_at"].get<std::string>());
    return std::chrono::duration_cast<std::chrono::seconds>(ends - at).count();
  };
  EXPECT_EQ(notice_seconds(), 30);
  auto changed = a1.Do("PUT", "/v1/settings", R"({"notice_period":"45s"})");
  ASSERT_TRUE(changed.ok() && changed->status == 200) << (changed.ok() ? changed->body : "");
  int64_t seconds = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((seconds = notice_seconds()) == 30 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(seconds, 45);
  node1.Kill();
  node2.Kill();
  testenv::PostgresServer::Get().Drop(dir.string());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dipr
