// kill -9 during concurrent deposits: after a restart every receipt issued before the kill still
// verifies, its entry is in the new tree (consistency proof from the receipt's checkpoint to the
// new one), and the registry still finds it by digest. Nothing acknowledged is lost. Run over
// both storage backends: SQLite in the data directory, and PostgreSQL (`serve --db URI`), where
// only dipr is killed and the database server lives on.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "common/base64.h"
#include "fingerprint/fingerprint.h"
#include "log/checkpoint.h"
#include "log/verify.h"
#include "registry/receipt.h"
#include "server/data_dir.h"
#include "receipt_checks.h"
#include "server_process.h"
#include "test_registry.h"

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
  auto created = std::move(cli::Client::Create(server.url(), admin)).value().PostJson(
      "/v1/users", {{"name", "crash holder"}, {"role", "holder"}});
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

INSTANTIATE_TEST_SUITE_P(Backends, Crash, testenv::AllBackends(), testenv::BackendParamName);

}  // namespace
}  // namespace dipr
