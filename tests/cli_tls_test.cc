// The CLI over https as a bank or a court outside the registrar's network runs it: nginx as the
// TLS proxy in front of a real `dipr serve` (docs/DEPLOY.md), a throwaway CA, and every way a
// TLS connection must be refused (an untrusted chain, another CA, another host name, http:// to
// the TLS port, https:// to a plain port) refused with exit 2 and the reason, never a fallback.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "nginx_process.h"
#include "run_dipr.h"
#include "server_process.h"

namespace dipr {
namespace {

using testenv::Outcome;
namespace fs = std::filesystem;

class CliTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("dipr-tls-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_ / "tls");
    ASSERT_TRUE(testenv::MakeCa(*dir_ / "tls", "ca"));
    ASSERT_TRUE(testenv::MakeCa(*dir_ / "tls", "other-ca"));
    // The certificate names localhost only: https://127.0.0.1 is another host name.
    ASSERT_TRUE(testenv::MakeCertificate(*dir_ / "tls", "ca", "server", "DNS:localhost"));
    server_ = new testenv::ServerProcess((*dir_ / "data").string());
    ASSERT_TRUE(server_->Start());
    nginx_ = new testenv::NginxProcess(*dir_ / "tls", "server", server_->port());
    ASSERT_TRUE(nginx_->Start()) << "nginx did not start; see " << (*dir_ / "tls/error.log");
    std::ifstream t(*dir_ / "data" / "admin.token");
    std::getline(t, *admin_);
    std::ofstream(*dir_ / "data.csv") << "id,amount\n1,100\n2,250\n";
  }
  static void TearDownTestSuite() {
    delete nginx_;
    delete server_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  static std::string Https() { return "https://localhost:" + std::to_string(nginx_->port()); }
  static std::string Ca() { return (*dir_ / "tls" / "ca.pem").string(); }
  static std::string Path(const std::string& name) { return (*dir_ / name).string(); }
  // dipr ARGS against the TLS proxy, the test CA trusted.
  static Outcome Dipr(const std::string& args, const std::string& env = "") {
    return testenv::RunDipr(args + " --server " + Https() + " --ca " + Ca(), env);
  }
  static std::string Holder() {
    Outcome r = Dipr("user create --name h --role holder --field token --token " + *admin_);
    EXPECT_EQ(r.code, 0) << r.err;
    std::string token = r.out;
    while (!token.empty() && token.back() == '\n') token.pop_back();
    return token;
  }

  static fs::path* dir_;
  static testenv::ServerProcess* server_;
  static testenv::NginxProcess* nginx_;
  static std::string* admin_;
};
fs::path* CliTlsTest::dir_ = nullptr;
testenv::ServerProcess* CliTlsTest::server_ = nullptr;
testenv::NginxProcess* CliTlsTest::nginx_ = nullptr;
std::string* CliTlsTest::admin_ = new std::string;

TEST_F(CliTlsTest, DepositVerifyCheckAndAuditRunOverHttps) {
  std::string token = Holder();
  ASSERT_FALSE(token.empty());
  Outcome d =
      Dipr("deposit " + Path("data.csv") + " --title t -o " + Path("r.json") + " --token " + token);
  ASSERT_EQ(d.code, 0) << d.err;
  Outcome key = Dipr("key -o " + Path("registry.key"));
  ASSERT_EQ(key.code, 0) << key.err;
  Outcome v = testenv::RunDipr("verify " + Path("r.json") + " --key " + Path("registry.key") +
                               " --file " + Path("data.csv"));
  EXPECT_EQ(v.code, 0) << v.err;
  Outcome c = Dipr("check --key " + Path("registry.key"));
  EXPECT_EQ(c.code, 0) << c.err;
  Outcome a = Dipr("audit --key " + Path("registry.key") + " --json");
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(nlohmann::json::parse(a.out)["ok"], true);
  Outcome e = Dipr("log get 1 --json");
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(nlohmann::json::parse(e.out)["type"], "registrar.settings");
}

TEST_F(CliTlsTest, TheCaComesFromTheEnvironmentToo) {
  Outcome r = testenv::RunDipr("key", "DIPR_SERVER=" + Https() + " DIPR_CA=" + Ca());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("+"), std::string::npos) << r.out;
}

// The audit's GETs reuse their TLS connections: tens of thousands of requests must not cost a
// handshake each.
TEST_F(CliTlsTest, AuditKeepsItsTlsConnectionsAlive) {
  ASSERT_EQ(Dipr("key -o " + Path("audit.key")).code, 0);
  // nginx writes its access log unbuffered, and reopens it only on a signal: truncate in place.
  fs::resize_file(nginx_->dir() / "access.log", 0);
  Outcome a = Dipr("audit --jobs 2 --key " + Path("audit.key"));
  ASSERT_EQ(a.code, 0) << a.err;
  std::ifstream log(nginx_->dir() / "access.log");
  std::set<std::string> connections;
  size_t requests = 0;
  for (std::string line; std::getline(log, line);) {
    std::istringstream in(line);
    std::string conn;
    in >> conn;
    connections.insert(conn);
    ++requests;
  }
  // Every GET the audit makes (checkpoint, entries, listings, records) on its 2 workers'
  // connections.
  EXPECT_GE(requests, 6u);
  EXPECT_LE(connections.size(), 2u) << requests << " requests";
}

TEST_F(CliTlsTest, ACertificateTheSystemStoreDoesNotTrustIsRefused) {
  Outcome r = testenv::RunDipr("key --server " + Https());
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("certificate not trusted"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("local issuer"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(CliTlsTest, AnotherCaIsRefused) {
  Outcome r = testenv::RunDipr("key --server " + Https() + " --ca " +
                               (*dir_ / "tls" / "other-ca.pem").string() + " --json");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("certificate not trusted"), std::string::npos) << r.err;
  auto j = nlohmann::json::parse(r.out);  // the error, as JSON, with --json
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["exit_code"], 2);
}

TEST_F(CliTlsTest, AnotherHostNameIsRefused) {
  Outcome r = testenv::RunDipr("key --server https://127.0.0.1:" + std::to_string(nginx_->port()) +
                               " --ca " + Ca());
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("certificate not trusted"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mismatch"), std::string::npos) << r.err;
}

TEST_F(CliTlsTest, HttpToTheTlsPortIsAnErrorNotAnAnswer) {
  Outcome r =
      testenv::RunDipr("search --server http://localhost:" + std::to_string(nginx_->port()));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("plain HTTP request was sent to HTTPS port"), std::string::npos) << r.err;
}

TEST_F(CliTlsTest, HttpsToAPlainPortFailsTheHandshakeAndNeverFallsBack) {
  Outcome r = testenv::RunDipr("key --server https://127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("TLS handshake"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(CliTlsTest, AnUnreadableCaFileIsAnInputError) {
  Outcome missing = testenv::RunDipr("key --server " + Https() + " --ca " + Path("nope.pem"));
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("nope.pem"), std::string::npos) << missing.err;
  Outcome not_pem = testenv::RunDipr("key --server " + Https() + " --ca " + Path("data.csv"));
  EXPECT_EQ(not_pem.code, 2);
  EXPECT_NE(not_pem.err.find("no PEM certificate"), std::string::npos) << not_pem.err;
}

}  // namespace
}  // namespace dipr
