// The HTTP API over real loopback HTTP against an in-process registry, once over each storage
// backend (a real SQLite file; a real PostgreSQL database): every endpoint's success path, and
// bad input for each one (a clear 4xx, nothing changed).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <thread>

#include "common/base64.h"
#include "common/hex.h"
#include "fingerprint/fingerprint.h"
#include "test_registry.h"
#include "verify/checkpoint.h"
#include "verify/event.h"
#include "verify/hasher.h"
#include "verify/receipt.h"
#include "verify/verify.h"

namespace dipr {
namespace {

using testenv::Backend;
using testenv::TestRegistry;

nlohmann::json FingerprintOf(std::string_view data) {
  return fingerprint::ToJson(*fingerprint::FingerprintBytes(data));
}

class HttpApiTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    reg_ = std::make_unique<TestRegistry>(
        ::testing::UnitTest::GetInstance()->current_test_info()->name(), GetParam());
    ASSERT_TRUE(reg_->running());
    holder_ = reg_->CreateAccount("浙江数据有限公司", "holder");
    key_ = std::move(crypto::NoteVerifier::Parse(reg_->verifier_key())).value();
  }

  // The error code of a non-2xx answer.
  static std::string ErrorCode(const cli::HttpResult& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j.contains("error")) << r.body;
    if (!j.is_object() || !j.contains("error")) return "";
    EXPECT_TRUE(j["error"]["message"].is_string());
    return j["error"]["code"];
  }
  uint64_t TreeSize() {
    auto r = reg_->Client().Get("/log/checkpoint");
    return std::move(log::OpenCheckpoint(r->body, *key_)).value().size;
  }

  std::unique_ptr<TestRegistry> reg_;
  std::string holder_;
  std::optional<crypto::NoteVerifier> key_;
};

TEST_P(HttpApiTest, HealthKeyAndCheckpoint) {
  auto c = reg_->Client();
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  auto key = c.Get("/log/key");
  ASSERT_EQ(key->status, 200);
  EXPECT_EQ(key->body, reg_->verifier_key() + "\n");
  auto cp = c.Get("/log/checkpoint");
  ASSERT_EQ(cp->status, 200);
  auto opened = log::OpenCheckpoint(cp->body, *key_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->origin, "test.example/dipr");
  // The admin's account.created, the registrar's settings, the holder's account.created.
  EXPECT_EQ(opened->size, 3u);
}

TEST_P(HttpApiTest, DataDirectorySecretsAreOwnerOnly) {
  for (const char* f : {"log.key", "admin.token"}) {
    struct stat st;
    ASSERT_EQ(::stat((reg_->dir() / f).c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
}

// An operator backs up what the backend holds: with --db the log lives in PostgreSQL, and the
// data directory holds no SQLite database beside it that a PostgreSQL backup would miss.
TEST_P(HttpApiTest, TheLogIsStoredInTheChosenBackend) {
  ASSERT_TRUE(reg_->Client(holder_)
                  .PostJson("/v1/deposits", {{"fingerprint", FingerprintOf("b")}, {"title", "t"}})
                  .ok());
  bool has_sqlite = std::filesystem::exists(reg_->dir() / "dipr.db");
  if (GetParam() == Backend::kSqlite) {
    EXPECT_TRUE(has_sqlite);
    return;
  }
  EXPECT_FALSE(has_sqlite);
  auto rows = testenv::RunSql(reg_->db(), "SELECT count(*) FROM entries");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, std::to_string(TreeSize()));
}

TEST_P(HttpApiTest, DepositReturnsAReceiptThatVerifiesOffline) {
  auto c = reg_->Client(holder_);
  int status = 0;
  auto r = c.PostJson("/v1/deposits",
                      {{"fingerprint", FingerprintOf("rows\n")}, {"title", "客户数据"}}, &status);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(status, 201);
  auto receipt = registry::Receipt::FromJson(*r);
  ASSERT_TRUE(receipt.ok());
  auto cp = registry::VerifyReceipt(*receipt, *key_);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_GT(cp->size, receipt->index);
  auto event = registry::DecodeEntry(receipt->entry);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->type, "deposit");
  EXPECT_EQ(event->payload["title"], "客户数据");
  EXPECT_EQ(event->payload["fingerprint"], FingerprintOf("rows\n"));

  // The entry is served by /log/entries exactly as in the receipt.
  auto entries = reg_->Client().GetJson("/log/entries?start=" + std::to_string(receipt->index) +
                                        "&end=" + std::to_string(receipt->index + 1));
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ((*entries)["entries"][0]["index"], receipt->index);
  EXPECT_EQ(*Base64Decode((*entries)["entries"][0]["data"].get<std::string>()), receipt->entry);

  // And found by its digest.
  std::string digest = FingerprintOf("rows\n")["digest"];
  auto found = reg_->Client().GetJson("/v1/deposits?digest=" + digest);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ((*found)["deposits"].size(), 1u);
  EXPECT_EQ((*found)["deposits"][0]["index"], receipt->index);
  EXPECT_EQ((*found)["deposits"][0]["title"], "客户数据");
}

TEST_P(HttpApiTest, SameHolderSameDigestGetsTheExistingReceipt) {
  auto c = reg_->Client(holder_);
  nlohmann::json body = {{"fingerprint", FingerprintOf("same")}, {"title", "t"}};
  int s1 = 0, s2 = 0;
  auto first = c.PostJson("/v1/deposits", body, &s1);
  uint64_t size_after_first = TreeSize();
  auto second = c.PostJson("/v1/deposits", body, &s2);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(s1, 201);
  EXPECT_EQ(s2, 200);
  EXPECT_EQ((*first)["index"], (*second)["index"]);
  EXPECT_EQ(TreeSize(), size_after_first);  // nothing new was logged
  EXPECT_TRUE(registry::VerifyReceipt(*registry::Receipt::FromJson(*second), *key_).ok());

  // Another holder depositing the same digest gets an entry of its own.
  std::string other = reg_->CreateAccount("Other Holder", "holder");
  int s3 = 0;
  auto third = reg_->Client(other).PostJson("/v1/deposits", body, &s3);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(s3, 201);
  EXPECT_NE((*third)["index"], (*first)["index"]);
}

TEST_P(HttpApiTest, ConcurrentDuplicateDepositsYieldOneEntry) {
  nlohmann::json body = {{"fingerprint", FingerprintOf("raced")}, {"title", "t"}};
  std::vector<std::thread> threads;
  std::vector<uint64_t> indexes(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto c = reg_->Client(holder_);
      auto r = c.PostJson("/v1/deposits", body);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      indexes[i] = (*r)["index"];
    });
  }
  for (auto& t : threads) t.join();
  for (uint64_t i : indexes) EXPECT_EQ(i, indexes[0]);
  std::string digest = FingerprintOf("raced")["digest"];
  EXPECT_EQ((*reg_->Client().GetJson("/v1/deposits?digest=" + digest))["deposits"].size(), 1u);
}

TEST_P(HttpApiTest, ProofsVerifyAgainstServedCheckpoints) {
  auto c = reg_->Client(holder_);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(c.PostJson("/v1/deposits", {{"fingerprint", FingerprintOf("d" + std::to_string(i))},
                                            {"title", "t"}})
                    .ok());
  }
  auto pub = reg_->Client();
  auto cp = *log::OpenCheckpoint(pub.Get("/log/checkpoint")->body, *key_);
  auto entries = *pub.GetJson("/log/entries?start=0&end=" + std::to_string(cp.size));
  ASSERT_EQ(entries["entries"].size(), cp.size);
  for (uint64_t i = 0; i < cp.size; ++i) {
    auto p = pub.GetJson("/log/proof/inclusion?index=" + std::to_string(i) +
                         "&size=" + std::to_string(cp.size));
    ASSERT_TRUE(p.ok());
    auto receipt = registry::Receipt::FromJson({{"index", i},
                                                {"entry", entries["entries"][i]["data"]},
                                                {"checkpoint", ""},
                                                {"proof", (*p)["proof"]}});
    ASSERT_TRUE(receipt.ok());
    EXPECT_TRUE(
        log::VerifyInclusion(i, cp.size, log::HashLeaf(receipt->entry), receipt->proof, cp.root)
            .ok())
        << i;
  }
  // Consistency between an early checkpoint and the latest: rebuild the early root from entries.
  std::vector<crypto::Hash> leaves;
  for (auto& e : entries["entries"])
    leaves.push_back(log::HashLeaf(*Base64Decode(e["data"].get<std::string>())));
  for (uint64_t m = 1; m < cp.size; m += 3) {
    auto p = pub.GetJson("/log/proof/consistency?from=" + std::to_string(m) +
                         "&to=" + std::to_string(cp.size));
    ASSERT_TRUE(p.ok());
    auto proof = registry::Receipt::FromJson(
                     {{"index", 0}, {"entry", ""}, {"checkpoint", ""}, {"proof", (*p)["proof"]}})
                     ->proof;
    crypto::Hash root_m = fingerprint::MerkleRoot(std::span(leaves).first(m));
    EXPECT_TRUE(log::VerifyConsistency(m, cp.size, proof, root_m, cp.root).ok()) << m;
  }
}

TEST_P(HttpApiTest, BadInputGetsAClearErrorAndChangesNothing) {
  uint64_t size = TreeSize();
  auto holder = reg_->Client(holder_);
  auto anon = reg_->Client();
  auto admin = reg_->Client(reg_->admin_token());
  std::string fp = FingerprintOf("x").dump();
  struct Case {
    cli::Client* client;
    std::string method, target, body;
    int status;
    std::string code;
  };
  std::vector<Case> cases = {
      // deposits
      {&holder, "POST", "/v1/deposits", "{not json", 400, "invalid_argument"},
      {&holder, "POST", "/v1/deposits", "[]", 400, "invalid_argument"},
      {&holder, "POST", "/v1/deposits", R"({"title":"t"})", 400, "invalid_argument"},
      {&holder, "POST", "/v1/deposits", R"({"fingerprint":)" + fp + "}", 400, "invalid_argument"},
      {&holder, "POST", "/v1/deposits", R"({"fingerprint":)" + fp + R"(,"title":""})", 400,
       "invalid_argument"},
      {&holder, "POST", "/v1/deposits", R"({"fingerprint":)" + fp + R"(,"title":"t","x":1})", 400,
       "invalid_argument"},
      {&holder, "POST", "/v1/deposits",
       R"({"fingerprint":{"algorithm":"rfc6962-sha256-64k","chunk_size":65536,"chunks":1,"digest":"ABC","size":1},"title":"t"})",
       400, "invalid_argument"},
      {&holder, "POST", "/v1/deposits",
       R"({"fingerprint":{"algorithm":"md5","chunk_size":65536,"chunks":1,"digest":")" +
           std::string(64, 'a') + R"(","size":1},"title":"t"})",
       400, "invalid_argument"},
      {&anon, "POST", "/v1/deposits", R"({"fingerprint":)" + fp + R"(,"title":"t"})", 401,
       "unauthenticated"},
      {&admin, "POST", "/v1/deposits", R"({"fingerprint":)" + fp + R"(,"title":"t"})", 403,
       "permission_denied"},
      {&holder, "GET", "/v1/deposits?digest=xyz", "", 400, "invalid_argument"},
      {&holder, "GET", "/v1/deposits", "", 400, "invalid_argument"},
      // users
      {&holder, "POST", "/v1/users", R"({"name":"n","role":"holder"})", 403, "permission_denied"},
      {&anon, "POST", "/v1/users", R"({"name":"n","role":"holder"})", 401, "unauthenticated"},
      {&admin, "POST", "/v1/users", R"({"name":"n","role":"king"})", 400, "invalid_argument"},
      {&admin, "POST", "/v1/users", R"({"name":"","role":"holder"})", 400, "invalid_argument"},
      {&admin, "POST", "/v1/users", R"({"role":"holder"})", 400, "invalid_argument"},
      {&admin, "POST", "/v1/users", R"({"name":"a\u0001b","role":"holder"})", 400,
       "invalid_argument"},
      {&admin, "POST", "/v1/users", "nope", 400, "invalid_argument"},
      // log
      {&anon, "GET", "/log/entries?start=0&end=1001", "", 400, "invalid_argument"},
      {&anon, "GET", "/log/entries?start=5&end=5", "", 400, "invalid_argument"},
      {&anon, "GET", "/log/entries?start=0&end=99999", "", 400, "invalid_argument"},
      {&anon, "GET", "/log/entries?start=-1&end=1", "", 400, "invalid_argument"},
      {&anon, "GET", "/log/entries", "", 400, "invalid_argument"},
      {&anon, "GET", "/log/proof/inclusion?index=5&size=2", "", 400, "invalid_argument"},
      {&anon, "GET", "/log/proof/inclusion?index=0&size=99999", "", 400, "invalid_argument"},
      {&anon, "GET", "/log/proof/inclusion?index=x&size=1", "", 400, "invalid_argument"},
      {&anon, "GET", "/log/proof/consistency?from=2&to=1", "", 400, "invalid_argument"},
      {&anon, "GET", "/log/proof/consistency?from=0&to=1", "", 400, "invalid_argument"},
      {&anon, "GET", "/log/proof/consistency?from=1&to=99999", "", 400, "invalid_argument"},
      {&anon, "GET", "/nowhere", "", 404, "not_found"},
      {&anon, "POST", "/log/checkpoint", "", 405, "method_not_allowed"},
  };
  for (auto& c : cases) {
    auto r = c.method == "GET" ? c.client->Get(c.target) : c.client->Post(c.target, c.body);
    ASSERT_TRUE(r.ok()) << c.target;
    EXPECT_EQ(r->status, c.status)
        << c.method << " " << c.target << " " << c.body << " -> " << r->body;
    EXPECT_EQ(ErrorCode(*r), c.code) << c.target << " " << c.body;
  }
  auto bad_token = reg_->Client("dipr_" + std::string(64, '0'));
  EXPECT_EQ(bad_token.Post("/v1/deposits", "{}")->status, 401);
  EXPECT_EQ(TreeSize(), size);  // nothing was logged by any of them
}

TEST_P(HttpApiTest, OversizedBodyIs413) {
  auto c = reg_->Client(holder_);
  auto r = c.Post("/v1/deposits", std::string(2 << 20, ' '));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 413);
}

// A body with two "role" keys was accepted (the last won): what the admin's tool showed and what
// the registry did could differ. Any duplicate key, and anything after the JSON value, is a 400
// that creates nothing.
TEST_P(HttpApiTest, ABodyWithADuplicateKeyOrTrailingBytesIsRefused) {
  auto admin = reg_->Client(reg_->admin_token());
  uint64_t size = TreeSize();
  for (const std::string& body :
       {std::string(R"({"name":"x","role":"holder","role":"admin"})"),
        std::string(R"({"name":"x","role":"holder"})") + std::string("\0garbage", 8),
        std::string(R"({"name":"x","role":"holder"} {})")}) {
    auto r = admin.Post("/v1/users", body);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_EQ(ErrorCode(*r), "invalid_argument");
  }
  auto holder = reg_->Client(holder_);
  auto dup = holder.Post("/v1/deposits", R"({"title":"a","title":"b","fingerprint":)" +
                                             FingerprintOf("z").dump() + "}");
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->status, 400) << dup->body;
  EXPECT_EQ(TreeSize(), size);
}

TEST_P(HttpApiTest, StateSurvivesARestart) {
  auto c = reg_->Client(holder_);
  auto r = c.PostJson("/v1/deposits", {{"fingerprint", FingerprintOf("keep")}, {"title", "t"}});
  ASSERT_TRUE(r.ok());
  std::string key = reg_->verifier_key();
  reg_->Restart();
  EXPECT_EQ(reg_->verifier_key(), key);
  int status = 0;
  auto again = reg_->Client(holder_).PostJson(
      "/v1/deposits", {{"fingerprint", FingerprintOf("keep")}, {"title", "t"}}, &status);
  ASSERT_TRUE(again.ok()) << again.status().ToString();  // the token still works
  EXPECT_EQ(status, 200);
  EXPECT_EQ((*again)["index"], (*r)["index"]);
}

INSTANTIATE_TEST_SUITE_P(Backends, HttpApiTest, testenv::AllBackends(), testenv::BackendParamName);

}  // namespace
}  // namespace dipr
