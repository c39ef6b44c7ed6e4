// The register's commands as a user runs them against a real `dipr serve` (a 2-second notice):
// apply, application, examine, object, rule, show, search, certificate, log get and key, in
// human and --json form, and the conventions every command shares (docs/CLI.md): exit 1 for a
// refusal, 2 for usage, input or connection errors, the error as one JSON object with --json,
// unknown subcommands named, defaults in --help.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/testing.h"
#include "run_dipr.h"
#include "server_process.h"

namespace dipr {
namespace {

using nlohmann::json;
using testenv::Outcome;
namespace fs = std::filesystem;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class RegisterCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dipr-register-cli-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    server_ = std::make_unique<testenv::ServerProcess>(
        (dir_ / "data").string(),
        std::vector<std::string>{"--notice-period", "2s", "--registrar-code", "3301"});
    ASSERT_TRUE(server_->Start());
    std::ifstream t(dir_ / "data" / "admin.token");
    std::getline(t, admin_);
    holder_ = Make("holder");
    examiner_ = Make("examiner");
    other_ = Make("holder");
    std::ofstream(Path("data.csv")) << "id,flow\n1,132\n2,140\n";
    ASSERT_EQ(Dipr("deposit " + Path("data.csv") + " -o " + Path("r.json"), holder_).code, 0);
    ASSERT_EQ(Dipr("key -o " + Path("registry.key")).code, 0);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  Outcome Dipr(const std::string& args, const std::string& token = "") {
    return testenv::RunDipr(
        args, "DIPR_SERVER=" + server_->url() + (token.empty() ? "" : " DIPR_TOKEN=" + token));
  }
  std::string Make(const std::string& role) {
    Outcome r = Dipr("user create --name n --role " + role + " --field token", admin_);
    EXPECT_EQ(r.code, 0) << r.err;
    return Trim(r.out);
  }
  std::string Apply() {
    Outcome a =
        Dipr("apply " + testenv::SourceDir() + "/docs/examples/application.json --receipt " +
                 Path("r.json") + " --submit --field id",
             holder_);
    EXPECT_EQ(a.code, 0) << a.err;
    return Trim(a.out);
  }
  json Json(const std::string& args, const std::string& token = "") {
    Outcome r = Dipr(args + " --json", token);
    EXPECT_EQ(r.code, 0) << args << ": " << r.err;
    auto j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }

  fs::path dir_;
  std::unique_ptr<testenv::ServerProcess> server_;
  std::string admin_, holder_, examiner_, other_;
};

TEST_F(RegisterCliTest, AnApplicationGoesFromApplyToACertificateThatVerifies) {
  std::string app = Apply();
  ASSERT_EQ(app.rfind("a", 0), 0u) << app;
  EXPECT_EQ(Json("application show " + app, holder_)["status"], "submitted");
  json queue = Json("application list --status submitted", examiner_);
  ASSERT_EQ(queue["items"].size(), 1u);
  EXPECT_EQ(queue["items"][0]["id"], app);
  Outcome accepted = Dipr("examine " + app + " --accept", examiner_);
  ASSERT_EQ(accepted.code, 0) << accepted.err;
  EXPECT_NE(accepted.out.find("in_notice"), std::string::npos) << accepted.out;
  EXPECT_EQ(Json("search --notices")["items"].size(), 1u);
  // An objection, dismissed: the application goes on.
  Outcome objected = Dipr("object " + app + " --grounds 这是我们的数据 --field id", other_);
  ASSERT_EQ(objected.code, 0) << objected.err;
  std::string objection = Trim(objected.out);
  EXPECT_EQ(Json("object show " + objection, other_)["status"], "pending");
  Outcome ruled = Dipr("rule " + objection + " --dismiss 无证据", examiner_);
  ASSERT_EQ(ruled.code, 0) << ruled.err;
  json view;
  for (int i = 0; i < 300; ++i) {  // the notice is 2 s; the due loop registers it
    view = Json("application show " + app, holder_);
    if (view["status"] == "registered") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(view["status"], "registered") << view.dump();
  std::string number = view["registration_number"];
  EXPECT_EQ(Json("show " + number)["application"], app);
  EXPECT_EQ(Json("show " + app)["registration_number"], number);  // by the application's id
  EXPECT_EQ(Json("search 交通")["items"][0]["registration_number"], number);
  EXPECT_EQ(Json("search --industry G --status registered")["total"], 1);
  ASSERT_EQ(Dipr("certificate " + number + " -o " + Path("cert.json")).code, 0);
  Outcome v = testenv::RunDipr("verify-certificate " + Path("cert.json") + " --key " +
                               Path("registry.key") + " --file " + Path("data.csv"));
  EXPECT_EQ(v.code, 0) << v.out << v.err;
  json saved = Json("certificate " + number + " -o " + Path("cert.pdf"));
  EXPECT_EQ(saved["format"], "pdf");
  EXPECT_EQ(
      testenv::RunDipr("verify-certificate " + Path("cert.pdf") + " --key " + Path("registry.key"))
          .code,
      0);
  // The certificate document on stdout is the served bytes: it verifies from a pipe.
  Outcome piped = testenv::RunShell("env -u DIPR_TOKEN DIPR_SERVER=" + server_->url() + " " +
                                    testenv::DiprBinary() + " certificate " + number + " | " +
                                    testenv::DiprBinary() + " verify-certificate - --key " +
                                    Path("registry.key"));
  EXPECT_EQ(piped.code, 0) << piped.err;
}

TEST_F(RegisterCliTest, CorrectionsWithdrawalsAndRejections) {
  std::string app = Apply();
  Outcome c = Dipr("examine " + app + " --correct 请补充来源说明 --json", examiner_);
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(json::parse(c.out)["status"], "correction_requested");
  Outcome u = Dipr(
      "application update " + app + " " + testenv::SourceDir() + "/docs/examples/application.json",
      holder_);
  EXPECT_EQ(u.code, 1) << u.err;  // the example names a deposit and size not its own: refused
  EXPECT_EQ(Json("application submit " + app, holder_)["status"], "submitted");
  EXPECT_EQ(Json("examine " + app + " --reject 不符合要求", examiner_)["status"], "rejected");
  std::string second = Apply();
  EXPECT_EQ(Json("application withdraw " + second, holder_)["status"], "withdrawn");
  EXPECT_GE(Json("application list", holder_)["items"].size(), 2u);
}

TEST_F(RegisterCliTest, LogGetDecodesAnEntry) {
  json e = Json("log get 1");
  EXPECT_EQ(e["type"], "registrar.settings");
  EXPECT_EQ(e["payload"]["registrar_code"], "3301");
  Outcome human = Dipr("log get 0");
  EXPECT_EQ(human.code, 0);
  EXPECT_NE(human.out.find("account.created"), std::string::npos) << human.out;
  Outcome past = Dipr("log get 100000 --json");
  EXPECT_EQ(past.code, 1) << past.err;  // the server refuses an index past the log
  EXPECT_EQ(json::parse(past.out)["ok"], false);
}

TEST_F(RegisterCliTest, ExitCodesAndJsonErrorsAreTheSameForEveryCommand) {
  struct Case {
    std::string args, token;
    int code;
  };
  std::vector<Case> cases = {
      {"show 2026330199999999", "", 1},                    // 404: refused
      {"application show a0000000000000000", "", 1},       // 401
      {"examine a0000000000000000 --accept", holder_, 1},  // 403
      {"apply " + Path("missing.json"), holder_, 2},       // input
      {"apply " + Path("data.csv"), holder_, 2},           // not JSON
      {"examine a0 --accept --reject x", examiner_, 2},    // usage
      {"examine a0", examiner_, 2},                        // no decision
      {"rule o0", examiner_, 2},
      {"certificate 1 --pdf", "", 2},
      {"application nosuch", "", 2},
      {"nosuchcommand", "", 2},
      {"verify " + Path("r.json") + " --key nonsense", "", 2},  // an unusable key
      {"verify " + Path("missing.json") + " --key " + Path("registry.key"), "", 2},
      {"deposit " + Path("data.csv") + " --server http://127.0.0.1:1", holder_, 2},
      {"search --server ftp://x", "", 2},
  };
  for (const auto& c : cases) {
    Outcome r = Dipr(c.args, c.token);
    EXPECT_EQ(r.code, c.code) << c.args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("dipr: ", 0), 0u) << c.args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.args << ": " << r.err;
    Outcome j = Dipr(c.args + " --json", c.token);
    EXPECT_EQ(j.code, c.code) << c.args;
    auto parsed = json::parse(j.out, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << c.args << ": " << j.out;
    EXPECT_EQ(parsed["ok"], false) << c.args;
    EXPECT_EQ(parsed["exit_code"], c.code) << c.args;
    EXPECT_TRUE(parsed["error"]["message"].is_string()) << c.args;
  }
  Outcome unknown = Dipr("application nosuch");
  EXPECT_NE(unknown.err.find("unknown command \"nosuch\""), std::string::npos) << unknown.err;
}

TEST_F(RegisterCliTest, HelpShowsTheDefaults) {
  Outcome audit = Dipr("audit --help");
  EXPECT_EQ(audit.code, 0);
  EXPECT_NE(audit.out.find("--jobs UINT=8"), std::string::npos) << audit.out;
  Outcome search = Dipr("search --help");
  EXPECT_NE(search.out.find("=1"), std::string::npos) << search.out;
  // The token from the environment is a secret: not shown as a default.
  Outcome apply = Dipr("apply --help", holder_);
  EXPECT_EQ(apply.code, 0);
  EXPECT_EQ(apply.out.find(holder_), std::string::npos) << apply.out;
  EXPECT_NE(apply.out.find(server_->url()), std::string::npos) << apply.out;
}

}  // namespace
}  // namespace dipr
