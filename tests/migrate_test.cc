// dipr migrate: a SQLite registry copied into PostgreSQL serves the same log, its tokens still
// work, and a copy that does not verify is refused.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>

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

int RunDipr(const std::string& args, std::string* out) {
  std::string cmd = testenv::DiprBinary() + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(Migrate, SqliteRegistryMovesToPostgresAndKeepsItsLog) {
  fs::path dir = fs::temp_directory_path() / ("dipr-migrate-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string data = (dir / "data").string();
  std::string token;
  std::string old_checkpoint;
  std::vector<nlohmann::json> receipts;
  {
    testenv::ServerProcess sqlite(data, {"--origin", "migrate.test/dipr"});
    ASSERT_TRUE(sqlite.Start());
    std::string admin = *server::ReadFile(data + "/admin.token");
    admin.pop_back();
    auto created = std::move(cli::Client::Create(sqlite.url(), admin))
                       .value()
                       .PostJson("/v1/users", {{"name", "迁移测试"}, {"role", "holder"}});
    ASSERT_TRUE(created.ok());
    token = (*created)["token"];
    auto c = std::move(cli::Client::Create(sqlite.url(), token)).value();
    for (int i = 0; i < 40; ++i) {
      auto fp = fingerprint::ToJson(*fingerprint::FingerprintBytes("m" + std::to_string(i)));
      auto r =
          c.PostJson("/v1/deposits", {{"fingerprint", fp}, {"title", "t" + std::to_string(i)}});
      ASSERT_TRUE(r.ok());
      receipts.push_back(*r);
    }
    old_checkpoint = c.Get("/log/checkpoint")->body;
  }  // the SQLite node stops

  auto db = testenv::PostgresServer::Get().Database(dir.string());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  std::string out;
  ASSERT_EQ(RunDipr("migrate --json --from " + data + " --to '" + *db + "'", &out), 0) << out;
  auto report = nlohmann::json::parse(out);
  EXPECT_EQ(report["entries"], 43);  // admin and holder accounts, the settings, 40 deposits
  EXPECT_EQ(report["deposits"], 40);
  EXPECT_EQ(report["checkpoint"], old_checkpoint);

  // Again into the same database: refused, changes nothing.
  EXPECT_EQ(RunDipr("migrate --from " + data + " --to '" + *db + "'", &out), 1);
  EXPECT_NE(out.find("not empty"), std::string::npos) << out;

  // The registry now runs on PostgreSQL: same checkpoint, tokens work, the log goes on.
  testenv::ServerProcess pg(data, {"--db", *db});
  ASSERT_TRUE(pg.Start());
  auto c = std::move(cli::Client::Create(pg.url(), token)).value();
  EXPECT_EQ(c.Get("/log/checkpoint")->body, old_checkpoint);
  int status = 0;
  auto again = c.PostJson(
      "/v1/deposits",
      {{"fingerprint", fingerprint::ToJson(*fingerprint::FingerprintBytes("m7"))}, {"title", "t7"}},
      &status);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(status, 200);
  EXPECT_EQ((*again)["index"], receipts[7]["index"]);
  auto fresh = c.PostJson(
      "/v1/deposits",
      {{"fingerprint", fingerprint::ToJson(*fingerprint::FingerprintBytes("new"))}, {"title", "n"}},
      &status);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(status, 201);
  EXPECT_EQ((*fresh)["index"], 43);
  std::string vkey = c.Get("/log/key")->body;
  auto key = *crypto::NoteVerifier::Parse(vkey.substr(0, vkey.size() - 1));
  auto before = *log::OpenCheckpoint(old_checkpoint, key);
  auto now = *log::OpenCheckpoint(c.Get("/log/checkpoint")->body, key);
  auto p = c.GetJson("/log/proof/consistency?from=" + std::to_string(before.size) +
                     "&to=" + std::to_string(now.size));
  ASSERT_TRUE(p.ok());
  auto proof = testenv::ProofOf(*p);
  EXPECT_TRUE(log::VerifyConsistency(before.size, now.size, proof, before.root, now.root).ok());
  for (const auto& r : receipts) {
    EXPECT_TRUE(registry::VerifyReceipt(*registry::Receipt::FromJson(r), key).ok());
  }
  pg.Kill();

  // A copy that cannot be verified is refused: the data directory's key is not the log's.
  std::string other = (dir / "other").string();
  fs::create_directories(other);
  fs::copy_file(data + "/dipr.db", other + "/dipr.db");
  crypto::NoteSigner wrong("migrate.test/dipr", crypto::Ed25519PrivateKey::Generate());
  ASSERT_TRUE(server::WriteFileAtomic(other + "/log.key", wrong.ToString() + "\n", 0600).ok());
  auto db2 = testenv::PostgresServer::Get().Database(other);
  ASSERT_TRUE(db2.ok());
  EXPECT_EQ(RunDipr("migrate --from " + other + " --to '" + *db2 + "'", &out), 1);
  EXPECT_NE(out.find("does not verify"), std::string::npos) << out;

  testenv::PostgresServer::Get().Drop(dir.string());
  testenv::PostgresServer::Get().Drop(other);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dipr
