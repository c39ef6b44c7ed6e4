// dipr backup: the restore drill. A SQLite registry serving under concurrent deposits is backed
// up; the archive is restored into a fresh directory with tar, as DEPLOY.md says; `dipr serve`
// starts on it, `dipr check --since` the checkpoint published before the backup and `dipr audit`
// pass, and every deposit acknowledged before the backup began is in the restored log.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "fingerprint/fingerprint.h"
#include "receipt_checks.h"
#include "run_dipr.h"
#include "server/data_dir.h"
#include "server_process.h"
#include "verify/checkpoint.h"
#include "verify/receipt.h"

namespace dipr {
namespace {

namespace fs = std::filesystem;

using testenv::FreshDir;

unsigned ModeOf(const fs::path& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

void WriteText(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

TEST(Backup, ARestoredBackupTakenUnderLoadServesChecksAndAudits) {
  fs::path dir = FreshDir("dipr-backup-");
  testenv::ServerProcess node((dir / "node").string(), {"--origin", "backup.test/dipr"});
  ASSERT_TRUE(node.Start()) << "see " << (dir / "node").string() << ".log";
  std::string admin = *server::ReadFile((dir / "node" / "admin.token").string());
  admin.pop_back();
  auto created = std::move(cli::Client::Create(node.url(), admin))
                     .value()
                     .PostJson("/v1/users", {{"name", "backup holder"}, {"role", "holder"}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::string token = (*created)["token"];
  auto pub = std::move(cli::Client::Create(node.url(), "")).value();
  std::string vkey = pub.Get("/log/key")->body;
  WriteText(dir / "key", vkey);
  auto key = *crypto::NoteVerifier::Parse(vkey.substr(0, vkey.size() - 1));

  std::vector<testenv::IssuedReceipt> issued;
  std::mutex mu;
  std::atomic<uint64_t> counter{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      auto c = std::move(cli::Client::Create(node.url(), token)).value();
      while (!stop) {
        auto fp = fingerprint::FingerprintBytes("backup data " + std::to_string(counter++));
        auto r =
            c.PostJson("/v1/deposits", {{"fingerprint", fingerprint::ToJson(*fp)}, {"title", "t"}});
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        auto receipt = registry::Receipt::FromJson(*r);
        ASSERT_TRUE(receipt.ok());
        std::lock_guard<std::mutex> g(mu);
        issued.push_back({*receipt, fingerprint::ToJson(*fp)["digest"]});
      }
    });
  }
  auto acknowledged = [&] {
    std::lock_guard<std::mutex> g(mu);
    return issued.size();
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (acknowledged() < 500 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(acknowledged(), 500u);

  // What a monitor saved before the backup, and what was acknowledged when it began.
  WriteText(dir / "since.cp", pub.Get("/log/checkpoint")->body);
  std::vector<testenv::IssuedReceipt> before;
  {
    std::lock_guard<std::mutex> g(mu);
    before = issued;
  }
  auto backup = testenv::RunDipr("backup " + (dir / "node").string() + " -o " +
                                 (dir / "backup.tar").string() + " --json");
  size_t during = acknowledged() - before.size();
  stop = true;
  for (auto& w : writers) w.join();
  ASSERT_EQ(backup.code, 0) << backup.err;
  EXPECT_GT(during, 0u) << "the deposits did not go on during the backup";
  auto report = nlohmann::json::parse(backup.out);
  EXPECT_EQ(report["files"], nlohmann::json({"dipr.db", "log.key", "admin.token"}));
  uint64_t max_index = 0;
  for (const auto& b : before) max_index = std::max(max_index, b.receipt.index);
  EXPECT_GT(report["tree_size"].get<uint64_t>(), max_index);
  EXPECT_EQ(ModeOf(dir / "backup.tar"), 0600u) << "the archive holds the log's private key";
  EXPECT_FALSE(fs::exists(dir / "backup.tar.tmp"));
  EXPECT_FALSE(fs::exists(dir / "backup.tar.db.tmp"));
  node.Kill();

  // Restore as DEPLOY.md says, into a fresh directory, and serve it.
  fs::path restored = dir / "restored";
  auto untar = testenv::RunShell("mkdir -m 700 " + restored.string() + " && tar -xpf " +
                                 (dir / "backup.tar").string() + " -C " + restored.string());
  ASSERT_EQ(untar.code, 0) << untar.err;
  for (const char* f : {"dipr.db", "log.key", "admin.token"}) {
    EXPECT_EQ(ModeOf(restored / f), 0600u) << f;
  }
  testenv::ServerProcess again(restored.string());
  ASSERT_TRUE(again.Start()) << "see " << restored.string() << ".log";
  std::string server = " --server " + again.url() + " --key " + (dir / "key").string();
  auto check = testenv::RunDipr("check" + server + " --since " + (dir / "since.cp").string());
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  auto audit = testenv::RunDipr("audit" + server);
  EXPECT_EQ(audit.code, 0) << audit.out << audit.err;
  auto rpub = std::move(cli::Client::Create(again.url(), "")).value();
  auto cp = log::OpenCheckpoint(rpub.Get("/log/checkpoint")->body, key);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->size, report["tree_size"].get<uint64_t>());
  EXPECT_EQ(testenv::ExpectReceiptsHold(rpub, key, *cp, before), before.size());
  // The restored registry takes deposits again.
  auto c = std::move(cli::Client::Create(again.url(), token)).value();
  auto more = c.PostJson(
      "/v1/deposits",
      {{"fingerprint", fingerprint::ToJson(*fingerprint::FingerprintBytes("after restore"))},
       {"title", "t"}});
  EXPECT_TRUE(more.ok()) << more.status().ToString();
  again.Kill();
  fs::remove_all(dir);
}

TEST(Backup, RefusesWhatItCannotBackUpNeverOverwritesAndCanLeaveTheSecretsOut) {
  fs::path dir = FreshDir("dipr-backup-refused-");
  testenv::ServerProcess node((dir / "node").string());
  ASSERT_TRUE(node.Start()) << "see " << (dir / "node").string() << ".log";
  node.Kill();
  std::string data = (dir / "node").string();

  // PostgreSQL: pointed at pg_dump.
  auto pg = testenv::RunDipr("backup " + data + " -o " + (dir / "a.tar").string() +
                             " --db postgres://127.0.0.1/dipr");
  EXPECT_EQ(pg.code, 2);
  EXPECT_NE(pg.err.find("pg_dump"), std::string::npos) << pg.err;
  EXPECT_FALSE(fs::exists(dir / "a.tar"));
  // A data directory without dipr.db (a PostgreSQL node's): the same pointer.
  fs::create_directories(dir / "pgnode");
  fs::copy_file(dir / "node" / "log.key", dir / "pgnode" / "log.key");
  auto nodb =
      testenv::RunDipr("backup " + (dir / "pgnode").string() + " -o " + (dir / "a.tar").string());
  EXPECT_EQ(nodb.code, 2);
  EXPECT_NE(nodb.err.find("pg_dump"), std::string::npos) << nodb.err;
  EXPECT_FALSE(fs::exists(dir / "a.tar"));
  // An existing output is left as it was.
  WriteText(dir / "b.tar", "keep me");
  auto exists = testenv::RunDipr("backup " + data + " -o " + (dir / "b.tar").string());
  EXPECT_EQ(exists.code, 2);
  EXPECT_EQ(*server::ReadFile((dir / "b.tar").string()), "keep me");
  // Human output names what the archive holds.
  auto ok = testenv::RunDipr("backup " + data + " -o " + (dir / "c.tar").string());
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("private key"), std::string::npos) << ok.out;
  auto listed = testenv::RunShell("tar -tvf " + (dir / "c.tar").string());
  EXPECT_NE(listed.out.find("-rw------- "), std::string::npos) << listed.out;
  // --without-secrets: the database alone.
  auto bare = testenv::RunDipr("backup " + data + " -o " + (dir / "d.tar").string() +
                               " --without-secrets --json");
  ASSERT_EQ(bare.code, 0) << bare.err;
  EXPECT_EQ(nlohmann::json::parse(bare.out)["files"], nlohmann::json({"dipr.db"}));
  EXPECT_EQ(testenv::RunShell("tar -tf " + (dir / "d.tar").string()).out, "dipr.db\n");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dipr
