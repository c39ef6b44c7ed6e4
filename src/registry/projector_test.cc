// The write path's projections (built from typed requests, for speed) and ApplyEntry (built from
// the logged bytes) must agree exactly, or a database rebuilt from its log would differ from the
// original.
#include "registry/projector.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/hex.h"
#include "registry/accounts.h"
#include "registry/deposits.h"
#include "registry/registry.h"
#include "storage/sqlite/sqlite_store.h"

namespace dipr::registry {
namespace {

class ProjectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("dipr-proj-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    live_ = std::move(storage::OpenSqliteStore((dir_ / "live.db").string())).value();
    replay_ = std::move(storage::OpenSqliteStore((dir_ / "replay.db").string())).value();
    seq_ = std::move(log::Sequencer::Start(*live_, signer_)).value();
    reader_ = std::make_unique<log::LogReader>(*live_);
    registry_ = std::make_unique<Registry>(*live_, *seq_, *reader_, clock_);
  }
  void TearDown() override {
    registry_.reset();
    seq_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  FakeClock clock_{*ParseRfc3339("2026-11-26T08:00:00Z")};
  crypto::NoteSigner signer_{"test.example/log", crypto::Ed25519PrivateKey::Generate()};
  std::unique_ptr<storage::Store> live_, replay_;
  std::unique_ptr<log::Sequencer> seq_;
  std::unique_ptr<log::LogReader> reader_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(ProjectorTest, ReplayingTheLogRebuildsTheSameProjections) {
  ASSERT_TRUE(registry_->EnsureAdmin("admin-token").ok());
  auto admin = *registry_->Authenticate("admin-token");
  std::vector<std::pair<uint64_t, std::string>> sidecars;  // index -> token hash
  std::vector<storage::Account> holders;
  for (const char* name : {"浙江数据有限公司", "Data \"Co\" \\ Ltd"}) {
    auto [na, sub] =
        std::move(registry::PrepareAccount(*registry_, admin, {{"name", name}, {"role", "holder"}}))
            .value();
    auto r = registry_->Append(std::move(sub));
    ASSERT_TRUE(r.ok());
    na.account.log_index = r->index;
    holders.push_back(na.account);
    auto th = TokenHash(na.token);
    sidecars.emplace_back(r->index, std::string(crypto::HashChars(th)));
  }
  std::vector<std::string> digests;
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(std::chrono::microseconds(1234567));  // not whole milliseconds
    auto fp = fingerprint::ToJson(*fingerprint::FingerprintBytes("data " + std::to_string(i)));
    auto req =
        *registry_->ParseDeposit({{"fingerprint", fp}, {"title", "标题 " + std::to_string(i)}});
    digests.push_back(req.digest);
    ASSERT_TRUE(registry_->Append(*registry::PrepareDeposit(*registry_, holders[i % 2], req)).ok());
  }

  // Replay every entry into an empty store.
  uint64_t size = seq_->Latest()->size;
  auto entries = *live_->ReadEntries(0, size);
  auto tx = std::move(replay_->BeginWrite()).value();
  ASSERT_TRUE(
      ApplyEntry(*tx, 0, entries[0], std::string(crypto::HashChars(TokenHash("admin-token"))))
          .ok());
  for (uint64_t i = 1; i < size; ++i) {
    std::string sidecar;
    for (auto& [idx, s] : sidecars) {
      if (idx == i) sidecar = s;
    }
    Status st = ApplyEntry(*tx, i, entries[i], sidecar);
    ASSERT_TRUE(st.ok()) << i << ": " << st.ToString();
  }
  ASSERT_TRUE(tx->Commit().ok());

  // Every account (the admin's too) and every deposit, field by field, and every token.
  auto same_account = [&](const std::string& id) {
    auto a = *live_->AccountById(id);
    auto b = *replay_->AccountById(id);
    ASSERT_TRUE(a && b) << id;
    EXPECT_EQ(a->id, b->id);
    EXPECT_EQ(a->name, b->name);
    EXPECT_EQ(a->role, b->role);
    EXPECT_EQ(a->created, b->created);
    EXPECT_EQ(a->log_index, b->log_index);
    EXPECT_EQ(a->disabled, b->disabled);
    auto ca = *live_->CredentialsOf(id);
    auto cb = *replay_->CredentialsOf(id);
    ASSERT_EQ(ca.size(), cb.size()) << id;
    for (size_t i = 0; i < ca.size(); ++i) {
      EXPECT_EQ(ca[i].token_hash, cb[i].token_hash);
      EXPECT_EQ(ca[i].expires, cb[i].expires);
    }
  };
  same_account(admin.id);
  for (const auto& h : holders) same_account(h.id);
  EXPECT_EQ(live_->ListAccounts("", 0, 100)->size(), replay_->ListAccounts("", 0, 100)->size());
  for (const auto& d : digests) {
    auto a = *live_->DepositsByDigest(d, 10);
    auto b = *replay_->DepositsByDigest(d, 10);
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(a[0].index, b[0].index);
    EXPECT_EQ(a[0].depositor, b[0].depositor);
    EXPECT_EQ(a[0].digest, b[0].digest);
    EXPECT_EQ(a[0].size, b[0].size);
    EXPECT_EQ(a[0].title, b[0].title);
    EXPECT_EQ(a[0].time, b[0].time);
  }
  EXPECT_TRUE(replay_->AccountByTokenHash(TokenHash("admin-token"))->has_value());
}

TEST_F(ProjectorTest, RejectsWhatIsNotAKnownEvent) {
  auto tx = std::move(replay_->BeginWrite()).value();
  EXPECT_EQ(ApplyEntry(*tx, 0, "not json", "").code(), Code::kInvalidArgument);
  Event e{"mystery", clock_.Now(), "u1", {{"x", 1}}};
  EXPECT_EQ(ApplyEntry(*tx, 0, *EncodeEntry(e), "").code(), Code::kInvalidArgument);
  Event acct{
      "account.created", clock_.Now(), "u1", {{"id", "u2"}, {"name", "n"}, {"role", "holder"}}};
  EXPECT_EQ(ApplyEntry(*tx, 0, *EncodeEntry(acct), "").code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace dipr::registry
