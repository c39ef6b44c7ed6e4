// The dipr executable as a user runs it: exit codes, one-line reasons, --json output.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/testing.h"
#include "fingerprint/fingerprint.h"
#include "run_dipr.h"
#include "server_process.h"

namespace dipr {
namespace {

using testenv::Outcome;
Outcome Dipr(const std::string& args, const std::string& env = "") {
  return testenv::RunDipr(args, env);
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("dipr-cli-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    server_ = std::make_unique<testenv::ServerProcess>((dir_ / "data").string());
    ASSERT_TRUE(server_->Start());
    std::ifstream t(dir_ / "data" / "admin.token");
    std::getline(t, admin_);
    file_ = (dir_ / "data.csv").string();
    std::ofstream(file_) << "id,name\n1,张三\n2,李四\n";
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string Holder() {
    Outcome r = Dipr("user create --name h --role holder --json --server " + server_->url() +
                     " --token " + admin_);
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out)["token"];
  }
  // Deposits `content`'s fingerprint as the holder with `token`; false if it was not accepted.
  bool DepositBytes(const std::string& token, const std::string& content) {
    auto c = std::move(cli::Client::Create(server_->url(), token)).value();
    auto fp = fingerprint::FingerprintBytes(content);
    return c.PostJson("/v1/deposits", {{"fingerprint", fingerprint::ToJson(*fp)}, {"title", "t"}})
        .ok();
  }
  // Writes the verifier key of the server at `url` to a file; returns its path.
  std::string SaveKey(const std::string& url, const std::string& name) {
    auto c = std::move(cli::Client::Create(url, "")).value();
    std::string path = (dir_ / name).string();
    std::ofstream(path) << c.Get("/log/key")->body;
    return path;
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream f(path);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

  std::filesystem::path dir_;
  std::unique_ptr<testenv::ServerProcess> server_;
  std::string admin_, file_;
};

TEST_F(CliTest, FingerprintJsonIsOneObject) {
  Outcome r = Dipr("fingerprint --json " + file_);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["algorithm"], "rfc6962-sha256-64k");
  EXPECT_EQ(j["size"], std::filesystem::file_size(file_));
  EXPECT_EQ(j["chunks"], 1);
  EXPECT_EQ(j["digest"].get<std::string>().size(), 64u);
  Outcome human = Dipr("fingerprint " + file_);
  EXPECT_NE(human.out.find(j["digest"].get<std::string>()), std::string::npos);
}

// Regression: -o onto a device or pipe renamed a temporary file over it (it replaced /dev/null
// with a regular file, which then broke every program that wrote to /dev/null).
TEST_F(CliTest, OutputToAPipeLeavesThePipeAPipe) {
  std::string token = Holder();
  std::string fifo = (dir_ / "out.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] {
    std::ifstream in(fifo);
    got.assign(std::istreambuf_iterator<char>(in), {});
  });
  Outcome d = Dipr("deposit " + file_ + " -o " + fifo,
                   "DIPR_SERVER=" + server_->url() + " DIPR_TOKEN=" + token);
  reader.join();
  EXPECT_EQ(d.code, 0) << d.err;
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_TRUE(nlohmann::json::parse(got, nullptr, false).contains("proof")) << got;
}

TEST_F(CliTest, DepositThenVerifyOffline) {
  std::string token = Holder();
  std::string receipt = (dir_ / "r.json").string();
  Outcome d = Dipr("deposit " + file_ + " --title 测试 -o " + receipt,
                   "DIPR_SERVER=" + server_->url() + " DIPR_TOKEN=" + token);
  ASSERT_EQ(d.code, 0) << d.err;
  std::string key = (dir_ / "key").string();
  {
    auto c = std::move(cli::Client::Create(server_->url(), "")).value();
    std::ofstream(key) << c.Get("/log/key")->body;
  }
  server_.reset();  // offline from here on
  Outcome v = Dipr("verify " + receipt + " --key " + key + " --file " + file_);
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_NE(v.out.find("OK: entry"), std::string::npos);
  Outcome vj = Dipr("verify --json " + receipt + " --key " + key);
  EXPECT_EQ(nlohmann::json::parse(vj.out)["ok"], true);

  // Another file: exit 1 with one line saying so.
  std::ofstream(file_, std::ios::app) << "3,王五\n";
  Outcome bad = Dipr("verify " + receipt + " --key " + key + " --file " + file_);
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("is not the deposited file"), std::string::npos) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

// `dipr verify /dev/zero` grew to 3.2 GB: every input the CLI reads whole is capped, and an
// endless one costs a bounded read and one line.
TEST_F(CliTest, VerifyOfAnEndlessInputStopsAtTheCapWithOneLine) {
  std::string key = SaveKey(server_->url(), "key");
  for (const std::string& args :
       {"verify /dev/zero --key " + key, "verify-certificate /dev/zero --key " + key,
        "verify-certificate - --key " + key + " </dev/zero",
        "verify " + file_ + " --key /dev/zero"}) {
    Outcome r = Dipr(args);
    EXPECT_NE(r.code, 0) << args;
    EXPECT_NE(r.err.find("over"), std::string::npos) << args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  struct rusage ru {};
  ::getrusage(RUSAGE_CHILDREN, &ru);
  EXPECT_LT(ru.ru_maxrss, 256 * 1024) << "KiB: a child read far more than its cap";
}

// nlohmann keeps the last of two equal keys: a receipt whose first "index" points elsewhere than
// the one verified would mean two things to two readers. Refused, as is anything after the value.
TEST_F(CliTest, VerifyRefusesAReceiptWithADuplicateKeyOrTrailingBytes) {
  std::string token = Holder();
  std::string receipt = (dir_ / "r.json").string();
  ASSERT_EQ(Dipr("deposit " + file_ + " --title t -o " + receipt,
                 "DIPR_SERVER=" + server_->url() + " DIPR_TOKEN=" + token)
                .code,
            0);
  std::string key = SaveKey(server_->url(), "key");
  std::ifstream in(receipt);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  ASSERT_EQ(Dipr("verify " + receipt + " --key " + key).code, 0);
  std::string dup = text;
  dup.insert(dup.find('{') + 1, "\"index\":0,");
  std::string trailing = text + std::string("\0garbage", 8);
  for (const auto& [name, bytes] : {std::pair{"dup.json", dup}, std::pair{"nul.json", trailing}}) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    Outcome r = Dipr("verify " + path + " --key " + key);
    EXPECT_EQ(r.code, 1) << name << ": " << r.err;
    EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
  }
}

TEST_F(CliTest, ErrorsAreOneLineAndNonZero) {
  struct Case {
    std::string args, env;
    int code;
  };
  std::vector<Case> cases = {
      {"deposit " + file_, "", 2},                                  // no server
      {"deposit " + file_ + " --server " + server_->url(), "", 1},  // no token: 401
      {"deposit " + file_ + " --server " + server_->url() + " --token nope", "", 1},
      {"deposit /nonexistent --server " + server_->url() + " --token x", "", 2},
      {"user create --name x --role king --server " + server_->url() + " --token " + admin_, "", 1},
      {"verify /nonexistent --key x+00000000+AA==", "", 2},  // an unusable key: input error
      {"verify " + file_ + " --key nonsense", "", 2},
      {"fingerprint /nonexistent", "", 2},
      {"nosuchcommand", "", 2},
  };
  for (const auto& c : cases) {
    Outcome r = Dipr(c.args, c.env);
    EXPECT_NE(r.code, 0) << c.args;
    if (c.code != 0) {
      EXPECT_EQ(r.code, c.code) << c.args << ": " << r.err;
    }
    EXPECT_FALSE(r.err.empty()) << c.args;
    EXPECT_EQ(r.err.rfind("dipr", 0), 0u) << r.err;  // "dipr: reason" or CLI11's usage text
  }
}

// A monitor's cron job: `dipr check --since last.cp --save last.cp` passes while the log grows.
TEST_F(CliTest, CheckAcceptsALogThatGrewAndSavesItsCheckpoint) {
  std::string key = SaveKey(server_->url(), "key");
  std::string server = " --server " + server_->url() + " --key " + key;
  std::string last = (dir_ / "last.cp").string();
  Outcome first = Dipr("check" + server + " --save " + last);
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.out.find("OK: the log"), std::string::npos) << first.out;
  std::string saved = Slurp(last);
  auto c = std::move(cli::Client::Create(server_->url(), "")).value();
  EXPECT_EQ(saved, c.Get("/log/checkpoint")->body);  // the signed checkpoint, byte for byte

  std::string token = Holder();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(DepositBytes(token, "more " + std::to_string(i)));
  Outcome again = Dipr("check --json" + server + " --since " + last + " --save " + last);
  ASSERT_EQ(again.code, 0) << again.err;
  auto j = nlohmann::json::parse(again.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["since"]["size"].get<uint64_t>() + 6, j["size"].get<uint64_t>());  // holder + 5
  EXPECT_NE(Slurp(last), saved);  // the newer checkpoint replaced the older one

  // Unchanged log: the same size and root is consistent too.
  Outcome same = Dipr("check" + server + " --since " + last);
  EXPECT_EQ(same.code, 0) << same.err;
}

TEST_F(CliTest, CheckRefusesCheckpointsOfAnotherRegistryOrAlteredOnes) {
  std::string key = SaveKey(server_->url(), "key");
  std::string server = " --server " + server_->url() + " --key " + key;
  testenv::ServerProcess other((dir_ / "other").string(), {"--origin", "other.example/dipr"});
  ASSERT_TRUE(other.Start());
  std::string other_key = SaveKey(other.url(), "other.key");
  std::string other_cp = (dir_ / "other.cp").string();
  ASSERT_EQ(
      Dipr("check --server " + other.url() + " --key " + other_key + " --save " + other_cp).code,
      0);

  // An older checkpoint from another registry.
  Outcome foreign = Dipr("check" + server + " --since " + other_cp);
  EXPECT_EQ(foreign.code, 1) << foreign.err;
  EXPECT_NE(foreign.err.find("is not a checkpoint signed with the key"), std::string::npos)
      << foreign.err;
  EXPECT_EQ(std::count(foreign.err.begin(), foreign.err.end(), '\n'), 1) << foreign.err;
  // A server that is not the registry the key belongs to.
  Outcome wrong_server = Dipr("check --server " + other.url() + " --key " + key);
  EXPECT_EQ(wrong_server.code, 1) << wrong_server.err;
  EXPECT_NE(wrong_server.err.find("the server's checkpoint does not verify"), std::string::npos)
      << wrong_server.err;

  // A checkpoint of this registry with its root altered: the signature no longer holds.
  std::string cp = (dir_ / "cp").string();
  ASSERT_EQ(Dipr("check" + server + " --save " + cp).code, 0);
  std::string text = Slurp(cp);
  size_t root_at = text.find('\n', text.find('\n') + 1) + 1;
  text[root_at] = text[root_at] == 'A' ? 'B' : 'A';
  std::string forged = (dir_ / "forged.cp").string();
  std::ofstream(forged) << text;
  Outcome altered = Dipr("check --json" + server + " --since " + forged + " --save " + cp);
  EXPECT_EQ(altered.code, 1) << altered.err;
  EXPECT_NE(altered.err.find("is not a checkpoint signed with the key"), std::string::npos)
      << altered.err;
  EXPECT_EQ(nlohmann::json::parse(altered.out)["ok"], false);
  EXPECT_NE(Slurp(cp), text);  // nothing is saved when a check fails
}

// An operator restored an old backup: the log is shorter than a checkpoint the registry published.
// `dipr check` says so; and if the restored registry goes on signing, the new tree of the
// published size is a different one, which `dipr check` reports as well.
TEST_F(CliTest, CheckCatchesARestoredBackupThatIsBehindAPublishedCheckpoint) {
  std::string key = SaveKey(server_->url(), "key");
  std::string server = " --server " + server_->url() + " --key " + key;
  std::string token = Holder();
  ASSERT_TRUE(DepositBytes(token, "before the backup"));
  server_->Kill();
  std::filesystem::copy(dir_ / "data", dir_ / "backup", std::filesystem::copy_options::recursive);
  ASSERT_TRUE(server_->Start());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(DepositBytes(token, "after " + std::to_string(i)));
  std::string published = (dir_ / "published.cp").string();
  ASSERT_EQ(Dipr("check" + server + " --save " + published).code, 0);

  server_->Kill();
  std::filesystem::remove_all(dir_ / "data");
  std::filesystem::rename(dir_ / "backup", dir_ / "data");
  ASSERT_TRUE(server_->Start());  // the backup is consistent with itself
  Outcome behind = Dipr("check" + server + " --since " + published);
  EXPECT_EQ(behind.code, 1) << behind.err;
  EXPECT_NE(behind.err.find("shorter than a checkpoint it signed"), std::string::npos)
      << behind.err;

  // Signing on from the backup: at the published size the tree differs (an equivocation).
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(DepositBytes(token, "other " + std::to_string(i)));
  Outcome forked = Dipr("check" + server + " --since " + published);
  EXPECT_EQ(forked.code, 1) << forked.err;
  EXPECT_NE(forked.err.find("two different trees"), std::string::npos) << forked.err;
  ASSERT_TRUE(DepositBytes(token, "one more"));
  Outcome forked_later = Dipr("check" + server + " --since " + published);
  EXPECT_EQ(forked_later.code, 1) << forked_later.err;
  EXPECT_NE(forked_later.err.find("is not consistent with"), std::string::npos) << forked_later.err;
}

TEST_F(CliTest, CheckThatCannotBeMadeExitsTwo) {
  std::string key = SaveKey(server_->url(), "key");
  for (const std::string& args : {
           "check --server http://127.0.0.1:1 --key " + key,            // no server
           "check --key " + key,                                        // no --server
           "check --server " + server_->url() + " --key /nonexistent",  // no key
           "check --server " + server_->url() + " --key " + key + " --since /nonexistent",
           "check --server " + server_->url(),  // --key missing
       }) {
    Outcome r = Dipr(args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("dipr", 0), 0u) << r.err;
  }
}

}  // namespace
}  // namespace dipr
