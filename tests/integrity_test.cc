// Storage integrity on both backends: a used key never starts a second log; a migration never
// copies a log a server is appending to; tampered storage (an entry altered or deleted, a tile
// zeroed, the tiles gone, the checkpoint changed) is refused by `dipr fsck`, never served, and
// stops the writes; the database's files are owner-only.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/base64.h"
#include "common/bytes.h"
#include "common/hex.h"
#include "fingerprint/fingerprint.h"
#include "server/migrate.h"
#include "server_process.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "test_registry.h"

namespace dipr {
namespace {

namespace fs = std::filesystem;
using testenv::Backend;

// Runs the dipr binary with args (no shell: a conninfo has quotes); its exit code and output.
int RunDipr(const std::vector<std::string>& args, std::string* out) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    std::vector<std::string> a = {testenv::DiprBinary()};
    a.insert(a.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : a) argv.push_back(s.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  out->clear();
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out->append(buf, n);
  ::close(fds[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

unsigned ModeOf(const fs::path& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

class IntegrityTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    root_ = testenv::TestTempDir("dipr-integrity");
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    for (const auto& k : pg_keys_) testenv::PostgresServer::Get().Drop(k);
    fs::remove_all(root_);
  }
  bool pg() const { return GetParam() == Backend::kPostgres; }

  // A fresh database for a data directory: "" (SQLite in it) or a new PostgreSQL database.
  std::string NewDb(const fs::path& dir) {
    if (!pg()) return "";
    pg_keys_.push_back(dir.string());
    auto db = testenv::TestDatabase(dir);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? *db : "";
  }
  Result<std::unique_ptr<server::Node>> Start(const fs::path& dir, const std::string& db) {
    server::NodeOptions opts;
    opts.data_dir = dir.string();
    opts.db = db;
    opts.origin = "integrity.test/dipr";
    opts.http.port = 0;
    opts.http.threads = 2;
    opts.due_interval = std::chrono::milliseconds(0);
    opts.scrub.interval = std::chrono::milliseconds(0);
    return server::Node::Start(opts);
  }
  Result<std::unique_ptr<storage::Store>> OpenStore(const fs::path& dir, const std::string& db) {
    return db.empty() ? storage::OpenSqliteStore((dir / "dipr.db").string())
                      : storage::OpenPostgresStore(db);
  }
  // Runs SQL on the registry's database (the node must be stopped for SQLite's sake).
  void Sql(const fs::path& dir, const std::string& db, const std::string& sql) {
    Status st = testenv::RunRegistrySql(dir, db, sql);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  std::string BlobLiteral(std::string_view bytes) const {
    std::string hex = HexEncode(AsBytes(bytes));
    return pg() ? "decode('" + hex + "', 'hex')" : "X'" + hex + "'";
  }
  // A copy of a stopped registry: the data directory, and the database (SQLite's is in it).
  std::pair<fs::path, std::string> Copy(const fs::path& dir, const std::string& db,
                                        const std::string& name) {
    fs::path to = root_ / name;
    fs::copy(dir, to, fs::copy_options::recursive);
    if (!pg()) return {to, ""};
    std::string copy = NewDb(to);
    auto from_name = testenv::RunSql(db, "SELECT current_database()");
    auto to_name = testenv::RunSql(copy, "SELECT current_database()");
    auto admin = testenv::PostgresServer::Get().Uri();
    EXPECT_TRUE(from_name.ok() && to_name.ok() && admin.ok());
    EXPECT_TRUE(testenv::RunSql(*admin, "DROP DATABASE " + *to_name + " WITH (FORCE)").ok());
    auto made = testenv::RunSql(*admin, "CREATE DATABASE " + *to_name + " TEMPLATE " + *from_name);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return {to, copy};
  }
  std::vector<std::string> FsckArgs(const fs::path& dir, const std::string& db) {
    std::vector<std::string> a = {"fsck", dir.string()};
    if (!db.empty()) a.insert(a.end(), {"--db", db});
    return a;
  }

  fs::path root_;
  std::vector<std::string> pg_keys_;
};

std::string Deposit(cli::Client& c, int i, int* status) {
  auto fp = fingerprint::ToJson(*fingerprint::FingerprintBytes("integrity " + std::to_string(i)));
  auto r =
      c.PostJson("/v1/deposits", {{"fingerprint", fp}, {"title", "t" + std::to_string(i)}}, status);
  return r.ok() ? r->dump() : r.status().ToString();
}

TEST_P(IntegrityTest, AUsedKeyWithoutItsDatabaseDoesNotStartANewLog) {
  fs::path dir = root_ / "data";
  std::string db = NewDb(dir);
  ASSERT_TRUE(Start(dir, db).ok());  // the first start signs the empty tree
  EXPECT_FALSE(fs::exists(dir / "log.key.unused"));

  // No database at all (SQLite: the file is gone; PostgreSQL: --db left out, or a new one), and
  // an empty one (a half-restored backup): refused, and nothing is signed.
  std::vector<std::string> empties;
  if (pg()) {
    empties.push_back(NewDb(root_ / "empty-db"));
  } else {
    for (const char* f : {"dipr.db", "dipr.db-wal", "dipr.db-shm"}) fs::remove(dir / f);
    empties.push_back("");
  }
  for (int round = 0; round < 2; ++round) {
    for (const auto& empty : empties) {
      auto n = Start(dir, empty);
      ASSERT_FALSE(n.ok()) << "round " << round;
      EXPECT_EQ(n.status().code(), Code::kConflict);
      EXPECT_NE(n.status().message().find("Restore the database"), std::string::npos)
          << n.status().message();
      EXPECT_NE(n.status().message().find("move log.key away"), std::string::npos);
      if (!pg() && round == 0) {
        EXPECT_FALSE(fs::exists(dir / "dipr.db")) << "the refusal created a database";
      }
      auto store = OpenStore(dir, empty);
      ASSERT_TRUE(store.ok());
      EXPECT_FALSE((*store)->LatestTreeHead()->has_value()) << "a new tree was signed";
    }
    if (!pg()) {
      // Round two: an empty database file, as a restore that did not finish leaves it.
      for (const char* f : {"dipr.db", "dipr.db-wal", "dipr.db-shm"}) fs::remove(dir / f);
      std::ofstream(dir / "dipr.db").close();
      fs::permissions(dir / "dipr.db", fs::perms::owner_read | fs::perms::owner_write);
    } else {
      break;
    }
  }
}

TEST_P(IntegrityTest, AFirstStartInterruptedBeforeItsCheckpointStartsAgain) {
  fs::path dir = root_ / "data";
  std::string db = NewDb(dir);
  // The key was written, then the process died before its first checkpoint was committed.
  ASSERT_TRUE(server::OpenDataDir(dir.string(), "integrity.test/dipr").ok());
  ASSERT_TRUE(fs::exists(dir / "log.key.unused"));
  {
    auto n = Start(dir, db);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_FALSE((*n)->registry().sequencer().Latest()->checkpoint.empty());
  }
  EXPECT_FALSE(fs::exists(dir / "log.key.unused"));
  // From now on the key has signed: a start without its log is refused.
  if (!pg()) {
    for (const char* f : {"dipr.db", "dipr.db-wal", "dipr.db-shm"}) fs::remove(dir / f);
  }
  auto n = Start(dir, pg() ? NewDb(root_ / "other") : "");
  EXPECT_EQ(n.status().code(), Code::kConflict) << n.status().ToString();
}

TEST_P(IntegrityTest, MigrateRefusesASourceARunningServerHolds) {
  fs::path dir = root_ / "data";
  std::string db = NewDb(dir);
  auto node = Start(dir, db);
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  auto key = (*node)->data().signer->verifier();
  auto target = storage::OpenSqliteStore((root_ / "target.db").string());
  ASSERT_TRUE(target.ok());
  {
    auto source = OpenStore(dir, db);
    ASSERT_TRUE(source.ok());
    auto r = server::Migrate(**source, **target, key);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kConflict);
    EXPECT_NE(r.status().message().find("a dipr server is running"), std::string::npos)
        << r.status().message();
  }
  node->reset();  // stopped: now the copy goes ahead
  auto source = OpenStore(dir, db);
  ASSERT_TRUE(source.ok());
  auto r = server::Migrate(**source, **target, key);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
}

// The ways a stored log was found tampered with, and where each must be caught.
enum class Found { kServing, kScrub, kStart };
struct Tampering {
  std::string name;
  Found found;
  std::string fsck_names;  // what fsck's failure must name
};

TEST_P(IntegrityTest, TamperedStorageIsRefusedNeverServed) {
  fs::path dir = root_ / "data";
  std::string db = NewDb(dir);
  constexpr int kDeposits = 300;  // with the two accounts: tile 0/0 full, 0/1 partial
  uint64_t size = 0;
  std::string entry5;
  {
    auto node = Start(dir, db);
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    std::string admin = (*node)->data().admin_token;
    auto url = "http://127.0.0.1:" + std::to_string((*node)->port());
    auto a = std::move(cli::Client::Create(url, admin)).value();
    auto made = a.PostJson("/v1/users", {{"name", "Holder"}, {"role", "holder"}});
    ASSERT_TRUE(made.ok());
    auto c = std::move(cli::Client::Create(url, (*made)["token"].get<std::string>())).value();
    for (int i = 0; i < kDeposits; ++i) {
      int status = 0;
      std::string r = Deposit(c, i, &status);
      ASSERT_EQ(status, 201) << r;
    }
    size = (*node)->registry().sequencer().Latest()->size;
    entry5 =
        (*(*node)->registry().reader().Entries(5, 6, *(*node)->registry().sequencer().Latest()))[0];
  }
  ASSERT_GE(size, 300u);
  std::string out;
  ASSERT_EQ(RunDipr(FsckArgs(dir, db), &out), 0) << out;
  EXPECT_NE(out.find("OK"), std::string::npos) << out;

  std::string flipped = entry5;
  flipped[flipped.size() / 2] ^= 0x01;
  const std::string tile00 = pg() ? "level = 0 AND idx = 0" : "id = 0";
  const std::string zero =
      pg() ? "decode(repeat('00', length(data)), 'hex')" : "zeroblob(length(data))";
  std::vector<std::pair<Tampering, std::string>> cases = {
      {{"flip-entry", Found::kServing, "entry 5"},
       "UPDATE entries SET data = " + BlobLiteral(flipped) + " WHERE idx = 5"},
      {{"flip-entry-scrub", Found::kScrub, "entry 5"},
       "UPDATE entries SET data = " + BlobLiteral(flipped) + " WHERE idx = 5"},
      {{"delete-entry", Found::kServing, "entry 7"}, "DELETE FROM entries WHERE idx = 7"},
      {{"zero-tile", Found::kServing, "tile 0/0"},
       "UPDATE tiles SET data = " + zero + " WHERE " + tile00},
      {{"truncate-tiles", Found::kStart, "tile 0/0 is missing"}, "DELETE FROM tiles"},
      {{"change-checkpoint", Found::kStart, "does not verify"},
       "UPDATE tree_heads SET checkpoint = replace(checkpoint, 'integrity.test', "
       "'integrity.tesT') WHERE size = " +
           std::to_string(size)},
  };
  for (const auto& [t, sql] : cases) {
    SCOPED_TRACE(t.name);
    auto [copy, copy_db] = Copy(dir, db, t.name);
    Sql(copy, copy_db, sql);

    int code = RunDipr(FsckArgs(copy, copy_db), &out);
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("FAILED"), std::string::npos) << out;
    EXPECT_NE(out.find(t.fsck_names), std::string::npos) << out;

    auto node = Start(copy, copy_db);
    if (t.found == Found::kStart) {
      ASSERT_FALSE(node.ok()) << "a registry with damaged storage started";
      EXPECT_EQ(node.status().code(), Code::kDataLoss) << node.status().ToString();
      continue;
    }
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    auto& n = **node;
    ASSERT_TRUE(n.registry().sequencer().healthy());
    auto c = std::move(cli::Client::Create("http://127.0.0.1:" + std::to_string(n.port()),
                                           n.data().admin_token))
                 .value();
    if (t.found == Found::kScrub) {
      Status st = n.registry().reader().Scrub(*n.registry().sequencer().Latest());
      EXPECT_EQ(st.code(), Code::kDataLoss);
      EXPECT_NE(st.message().find("entry 5"), std::string::npos) << st.message();
      auto m = c.Get("/metrics");
      ASSERT_TRUE(m.ok());
      EXPECT_NE(m->body.find("dipr_scrub_failures_total 1"), std::string::npos) << m->body;
    } else {
      std::string target = t.name == "zero-tile"
                               ? "/log/proof/inclusion?index=5&size=" + std::to_string(size)
                           : t.name == "delete-entry" ? "/log/entries?start=7&end=8"
                                                      : "/log/entries?start=5&end=6";
      auto r = c.Get(target);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->status, 500) << r->body;
      EXPECT_NE(r->body.find("\"data_loss\""), std::string::npos) << r->body;
      EXPECT_EQ(r->body.find(Base64Encode(flipped)), std::string::npos)
          << "served the altered entry";
    }
    // The log must not grow on top of damaged storage.
    EXPECT_FALSE(n.registry().sequencer().healthy());
    auto h = c.Get("/healthz");
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->status, 503);
    auto w = c.PostJson("/v1/users", {{"name", "After"}, {"role", "holder"}});
    EXPECT_EQ(w.status().code(), Code::kUnavailable) << w.status().ToString();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, IntegrityTest, testenv::AllBackends(),
                         testenv::BackendParamName);

// A SQLite node in dir with the defaults a user gets.
Result<std::unique_ptr<server::Node>> StartIn(const fs::path& dir) {
  server::NodeOptions opts;
  opts.data_dir = dir.string();
  opts.http.port = 0;
  opts.due_interval = std::chrono::milliseconds(0);
  return server::Node::Start(opts);
}

TEST(DataFiles, TheDatabaseAndItsWalAreCreatedOwnerOnly) {
  fs::path dir = testenv::TestTempDir("dipr-modes");
  fs::remove_all(dir);
  ::umask(022);  // a usual login umask: files 0644 unless dipr says otherwise
  {
    auto n = StartIn(dir);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    for (const char* f : {"dipr.db", "dipr.db-wal", "dipr.db-shm", "log.key", "admin.token"}) {
      EXPECT_EQ(ModeOf(dir / f), 0600u) << f;
    }
    EXPECT_EQ(ModeOf(dir), 0700u);
  }
  // A database an older dipr created 0644 is made owner-only, and so are its new -wal and -shm.
  fs::permissions(dir / "dipr.db", fs::perms::owner_read | fs::perms::owner_write |
                                       fs::perms::group_read | fs::perms::others_read);
  {
    auto n = StartIn(dir);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    for (const char* f : {"dipr.db", "dipr.db-wal", "dipr.db-shm"}) {
      EXPECT_EQ(ModeOf(dir / f), 0600u) << f;
    }
  }
  fs::remove_all(dir);
}

TEST(DataFiles, ADataDirectoryOthersCanEnterIsRefused) {
  fs::path dir = testenv::TestTempDir("dipr-open-dir");
  fs::remove_all(dir);
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  ::chmod(dir.c_str(), 0755);
  auto n = StartIn(dir);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Code::kPermissionDenied);
  EXPECT_NE(n.status().message().find("run: chmod 700 " + dir.string()), std::string::npos)
      << n.status().message();
  EXPECT_FALSE(fs::exists(dir / "log.key")) << "created a key in a directory others can read";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dipr
