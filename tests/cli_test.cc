// The dipr executable as a user runs it: exit codes, one-line reasons, --json output.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/testing.h"
#include "server_process.h"

namespace dipr {
namespace {

struct Outcome {
  int code = -1;
  std::string out, err;
};

// Runs `dipr ARGS` through the shell with a clean DIPR_* environment.
Outcome Dipr(const std::string& args, const std::string& env = "") {
  static int n = 0;
  std::string err_file = std::filesystem::temp_directory_path() /
                         ("dipr-cli-err-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  std::string cmd = "env -u DIPR_SERVER -u DIPR_TOKEN " + env + " " + testenv::DiprBinary() + " " +
                    args + " 2>" + err_file;
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

TEST_F(CliTest, ErrorsAreOneLineAndNonZero) {
  struct Case {
    std::string args, env;
    int code;
  };
  std::vector<Case> cases = {
      {"deposit " + file_, "", 2},                                       // no server
      {"deposit " + file_ + " --server " + server_->url(), "", 1},      // no token: 401
      {"deposit " + file_ + " --server " + server_->url() + " --token nope", "", 1},
      {"deposit /nonexistent --server " + server_->url() + " --token x", "", 2},
      {"user create --name x --role king --server " + server_->url() + " --token " + admin_, "", 1},
      {"verify /nonexistent --key x+00000000+AA==", "", 1},  // the key is checked first
      {"verify " + file_ + " --key nonsense", "", 1},
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

}  // namespace
}  // namespace dipr
