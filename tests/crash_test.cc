// kill -9 during concurrent deposits: after a restart every receipt issued before the kill still
// verifies, its entry is in the new tree (consistency proof from the receipt's checkpoint to the
// new one), and the registry still finds it by digest. Nothing acknowledged is lost. Run over
// both storage backends: SQLite in the data directory, and PostgreSQL (`serve --db URI`), where
// only dipr is killed and the database server lives on.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/base64.h"
#include "fingerprint/fingerprint.h"
#include "receipt_checks.h"
#include "registry/replay.h"
#include "server/data_dir.h"
#include "server_process.h"
#include "test_registry.h"
#include "verify/checkpoint.h"
#include "verify/receipt.h"
#include "verify/verify.h"

namespace dipr {
namespace {

using testenv::Backend;

class Crash : public ::testing::TestWithParam<Backend> {};

TEST_P(Crash, Kill9DuringConcurrentDepositsLosesNothingAcknowledged) {
  auto dir = testenv::TestTempDir("dipr-crash");
  std::filesystem::remove_all(dir);
  std::vector<std::string> args = {"--origin", "crash.test/dipr"};
  if (GetParam() == Backend::kPostgres) {
    auto db = testenv::TestDatabase(dir);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    args.insert(args.end(), {"--db", *db});
  }
  testenv::ServerProcess server(dir.string(), args);
  ASSERT_TRUE(server.Start()) << "see " << dir.string() << ".log";
  auto pub = std::move(cli::Client::Create(server.url(), "")).value();
  std::string vkey = pub.Get("/log/key")->body;
  auto key = *crypto::NoteVerifier::Parse(vkey.substr(0, vkey.size() - 1));
  std::string admin = *server::ReadFile((dir / "admin.token").string());
  admin.pop_back();
  auto created = std::move(cli::Client::Create(server.url(), admin))
                     .value()
                     .PostJson("/v1/users", {{"name", "crash holder"}, {"role", "holder"}});
  ASSERT_TRUE(created.ok());
  std::string token = (*created)["token"];

  std::vector<testenv::IssuedReceipt> issued;
  std::mutex mu;
  std::atomic<uint64_t> counter{0};
  constexpr int kRounds = 3, kThreads = 16;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<bool> stop{false};
    std::atomic<size_t> ok_this_round{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < kThreads; ++t) {
      clients.emplace_back([&] {
        auto c = std::move(cli::Client::Create(server.url(), token)).value();
        while (!stop) {
          auto fp = fingerprint::FingerprintBytes("crash data " + std::to_string(counter++));
          auto r = c.PostJson("/v1/deposits",
                              {{"fingerprint", fingerprint::ToJson(*fp)}, {"title", "t"}});
          if (!r.ok()) continue;  // the server died under this request: not acknowledged
          auto receipt = registry::Receipt::FromJson(*r);
          ASSERT_TRUE(receipt.ok());
          std::lock_guard<std::mutex> g(mu);
          issued.push_back({*receipt, fingerprint::ToJson(*fp)["digest"]});
          ++ok_this_round;
        }
      });
    }
    // Kill once a few hundred receipts went out, while requests are in flight.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (ok_this_round < 300 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server.Kill();
    stop = true;
    for (auto& c : clients) c.join();
    ASSERT_GE(ok_this_round.load(), 300u) << "round " << round;
    ASSERT_TRUE(server.Start()) << "restart after kill -9 failed; see " << dir.string() << ".log";
  }

  auto cp = log::OpenCheckpoint(pub.Get("/log/checkpoint")->body, key);
  ASSERT_TRUE(cp.ok());
  size_t checked = testenv::ExpectReceiptsHold(pub, key, *cp, issued);
  EXPECT_GE(checked, 900u);
  server.Kill();
  if (GetParam() == Backend::kPostgres) testenv::PostgresServer::Get().Drop(dir.string());
  std::filesystem::remove_all(dir);
  std::filesystem::remove(dir.string() + ".log");
}

// kill -9 while holders apply and submit, examiners accept, and the registrar registers by itself
// (a one-second notice): after restarts no acknowledged transition is lost, numbers never repeat,
// and the register is exactly what a replay of the log says.
TEST_P(Crash, Kill9DuringTheRegistrationWorkflowLosesNoAcknowledgedTransition) {
  auto dir = testenv::TestTempDir("dipr-crash-reg");
  std::filesystem::remove_all(dir);
  std::vector<std::string> args = {"--origin",         "crash.test/dipr",
                                   "--notice-period",  "1s",
                                   "--due-interval",   "0.1",
                                   "--registrar-code", "3301"};
  if (GetParam() == Backend::kPostgres) {
    auto db = testenv::TestDatabase(dir);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    args.insert(args.end(), {"--db", *db});
  }
  testenv::ServerProcess server(dir.string(), args);
  ASSERT_TRUE(server.Start()) << "see " << dir.string() << ".log";
  auto pub = std::move(cli::Client::Create(server.url(), "")).value();
  std::string admin = *server::ReadFile((dir / "admin.token").string());
  admin.pop_back();
  auto admin_client = std::move(cli::Client::Create(server.url(), admin)).value();
  std::string holder =
      (*admin_client.PostJson("/v1/users", {{"name", "h"}, {"role", "holder"}}))["token"];
  std::string examiner =
      (*admin_client.PostJson("/v1/users", {{"name", "e"}, {"role", "examiner"}}))["token"];
  auto fp = fingerprint::FingerprintBytes("workflow data");
  auto dep =
      std::move(cli::Client::Create(server.url(), holder))
          .value()
          .PostJson("/v1/deposits", {{"fingerprint", fingerprint::ToJson(*fp)}, {"title", "t"}});
  ASSERT_TRUE(dep.ok());
  nlohmann::json body = nlohmann::json::parse(R"({"data_name": "崩溃测试 crash", "industry": "I",
    "holders": [{"name": "n", "type": "enterprise", "id": "91350100M000100Y43", "country": "CN",
                 "share": 1}],
    "scenarios": "s", "collection_rules": "c", "processing_rules": "p", "structure": "st",
    "update_frequency": "u", "source": {"kind": "licensed", "description": "d"},
    "scale": {"records": 1, "bytes": 13}})");  // the size of "workflow data"
  body["deposits"] = {(*dep)["index"]};

  // The furthest acknowledged step of each application: 0 draft, 1 submitted, 2 in notice.
  std::map<std::string, int> acked;
  std::mutex mu;
  constexpr int kRounds = 3, kThreads = 8;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<bool> stop{false};
    std::atomic<size_t> acks{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < kThreads; ++t) {
      clients.emplace_back([&] {
        auto h = std::move(cli::Client::Create(server.url(), holder)).value();
        auto e = std::move(cli::Client::Create(server.url(), examiner)).value();
        while (!stop) {
          auto a = h.PostJson("/v1/applications", body);
          if (!a.ok()) continue;
          std::string id = (*a)["id"];
          auto ack = [&](int step) {
            std::lock_guard<std::mutex> g(mu);
            acked[id] = step;
            ++acks;
          };
          ack(0);
          if (!h.PostJson("/v1/applications/" + id + "/submit", nlohmann::json()).ok()) continue;
          ack(1);
          if (!e.PostJson("/v1/applications/" + id + "/examination", {{"decision", "accept"}})
                   .ok()) {
            continue;
          }
          ack(2);
        }
      });
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (acks < 150 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server.Kill();
    stop = true;
    for (auto& c : clients) c.join();
    ASSERT_GE(acks.load(), 150u) << "round " << round;
    ASSERT_TRUE(server.Start()) << "restart after kill -9 failed; see " << dir.string() << ".log";
  }
  auto h = std::move(cli::Client::Create(server.url(), holder)).value();
  // Wait for every notice to end and the registrar to act: until every application accepted
  // before a kill is registered, or a deadline well past the notice period (the assertions below
  // then say which one is not).
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (const auto& [id, step] : acked) {
      if (step != 2) continue;
      while (std::chrono::steady_clock::now() < deadline) {
        auto a = h.GetJson("/v1/applications/" + id);
        if (a.ok() && (*a)["status"] == "registered") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling, not waiting out
      }
    }
  }
  const std::vector<std::string> order = {"draft", "submitted", "in_notice"};
  std::set<std::string> numbers;
  size_t registered = 0;
  for (const auto& [id, step] : acked) {
    auto a = h.GetJson("/v1/applications/" + id);
    ASSERT_TRUE(a.ok()) << id << ": " << a.status().ToString();
    std::string status = (*a)["status"];
    if (step == 2) {
      // Accepted before the kill: registered by now, with numbers nobody else has.
      ASSERT_EQ(status, "registered") << id;
      EXPECT_TRUE(numbers.insert((*a)["registration_number"].get<std::string>()).second);
      registered++;
    } else {
      auto at = std::find(order.begin(), order.end(), status);
      bool beyond = status == "registered";
      EXPECT_TRUE(beyond || (at != order.end() && at - order.begin() >= step))
          << id << " acknowledged at step " << step << " but is " << status;
    }
  }
  EXPECT_GE(registered, 100u);

  // The register is what the log says: replay it and compare every registration.
  auto cp = log::OpenCheckpoint(
      pub.Get("/log/checkpoint")->body,
      *crypto::NoteVerifier::Parse(
          pub.Get("/log/key")->body.substr(0, pub.Get("/log/key")->body.size() - 1)));
  ASSERT_TRUE(cp.ok());
  registry::Replay replay;
  for (uint64_t start = 0; start < cp->size; start += 1000) {
    uint64_t end = std::min<uint64_t>(cp->size, start + 1000);
    auto page =
        pub.GetJson("/log/entries?start=" + std::to_string(start) + "&end=" + std::to_string(end));
    ASSERT_TRUE(page.ok());
    for (const auto& e : (*page)["entries"]) {
      auto st = replay.Apply(e["index"], *Base64Decode(e["data"].get<std::string>()));
      ASSERT_TRUE(st.ok()) << st.ToString();
    }
    ASSERT_EQ((*page)["entries"].size(), end - start);
  }
  ASSERT_EQ(replay.size(), cp->size);
  for (const auto& [number, app] : replay.registrations()) {
    auto served = pub.GetJson("/v1/registrations/" + number);
    ASSERT_TRUE(served.ok());
    EXPECT_EQ(*served, replay.applications().at(app).PublicRecord()) << number;
  }
  server.Kill();
  if (GetParam() == Backend::kPostgres) testenv::PostgresServer::Get().Drop(dir.string());
  std::filesystem::remove_all(dir);
  std::filesystem::remove(dir.string() + ".log");
}

INSTANTIATE_TEST_SUITE_P(Backends, Crash, testenv::AllBackends(), testenv::BackendParamName);

}  // namespace
}  // namespace dipr
