// AccountStore's conformance suite, run over every backend (store_conformance.h): accounts and
// their credentials.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "crypto/note.h"
#include "crypto/sha256.h"
#include "pg_testing.h"
#include "storage/grams.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/store.h"
#include "storage/store_conformance.h"
#include "storage/store_wrapper.h"

namespace dipr::storage {
namespace {

using testenv::PostgresServer;
using testenv::RunSql;

// What AccountStore and the accounts' half of WriteTx promise.
class AccountStoreConformance : public StoreConformance {};

TEST_P(AccountStoreConformance, AccountsAreFoundByTokenHashAndId) {
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->InsertAccount(MakeAccount("u1"), H("token-1")).ok());
  EXPECT_EQ(tx->InsertAccount(MakeAccount("u1"), H("token-2")).code(), Code::kConflict);
  ASSERT_TRUE(tx->InsertAccount(MakeAccount("u2"), H("token-3")).ok());
  ASSERT_TRUE(tx->Commit().ok());
  auto a = *store_->AccountByTokenHash(H("token-1"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->id, "u1");
  EXPECT_EQ(a->name, "名字 name");
  EXPECT_EQ(a->role, "holder");
  EXPECT_EQ(a->created, Time(Micros(1700000000000000)));
  EXPECT_EQ(a->log_index, 3u);
  EXPECT_FALSE(store_->AccountByTokenHash(H("token-2"))->has_value());  // the conflict left none
  EXPECT_EQ((*store_->AccountByTokenHash(H("token-3")))->id, "u2");
  EXPECT_FALSE(store_->AccountById("u9")->has_value());
  auto creds = *store_->CredentialsOf("u1");
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].token_hash, H("token-1"));
  EXPECT_FALSE(creds[0].expires.has_value());
  EXPECT_FALSE(a->expires.has_value());
  EXPECT_FALSE(a->disabled);
  EXPECT_TRUE(store_->CredentialsOf("u9")->empty());
}

TEST_P(AccountStoreConformance, AnAccountIsDisabledAndEnabledAgain) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->InsertAccount(MakeAccount("u1"), H("token-1")).ok());
    ASSERT_TRUE(tx->SetAccountDisabled("u1", true).ok());
    EXPECT_EQ(tx->SetAccountDisabled("u9", true).code(), Code::kNotFound);
    ASSERT_TRUE(tx->Commit().ok());
  }
  Reopen();
  EXPECT_TRUE((*store_->AccountById("u1"))->disabled);
  EXPECT_TRUE((*store_->AccountByTokenHash(H("token-1")))->disabled);
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->SetAccountDisabled("u1", false).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_FALSE((*store_->AccountById("u1"))->disabled);
}

TEST_P(AccountStoreConformance, ARotatedTokenKeepsTheOldOneUntilItsGraceEndsOrRevokesIt) {
  Time t1(Micros(1800000000000000)), t2(Micros(1800000001000000));
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->InsertAccount(MakeAccount("u1"), H("old")).ok());
    ASSERT_TRUE(tx->InsertAccount(MakeAccount("u2"), H("other")).ok());
    // A taken hash is refused and the transaction goes on.
    EXPECT_EQ(tx->AddCredential("u1", {H("other"), std::nullopt}).code(), Code::kConflict);
    ASSERT_TRUE(tx->AddCredential("u1", {H("new"), t2}).ok());
    ASSERT_TRUE(tx->LimitCredentials("u1", H("new"), t1).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  Reopen();
  auto old_one = *store_->AccountByTokenHash(H("old"));
  ASSERT_TRUE(old_one.has_value());
  EXPECT_EQ(old_one->id, "u1");
  EXPECT_EQ(old_one->expires, t1);
  EXPECT_EQ((*store_->AccountByTokenHash(H("new")))->expires, t2);
  EXPECT_EQ((*store_->AccountByTokenHash(H("other")))->id, "u2");  // untouched
  EXPECT_EQ(store_->CredentialsOf("u1")->size(), 2u);
  {
    // A later grace never lengthens an earlier expiry; a revocation removes the others.
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->LimitCredentials("u1", H("new"), t2).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ((*store_->AccountByTokenHash(H("old")))->expires, t1);
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->LimitCredentials("u1", H("new"), std::nullopt).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_FALSE(store_->AccountByTokenHash(H("old"))->has_value());
  auto left = *store_->CredentialsOf("u1");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].token_hash, H("new"));
  EXPECT_EQ(store_->CredentialsOf("u2")->size(), 1u);
}

TEST_P(AccountStoreConformance, AccountsAreListedInLogOrderByRole) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    for (int i = 0; i < 5; ++i) {
      Account a = MakeAccount("u" + std::to_string(i));
      a.log_index = 10 - i;  // created in the reverse order of their ids
      a.role = i % 2 ? "examiner" : "holder";
      ASSERT_TRUE(tx->InsertAccount(a, H("t" + std::to_string(i))).ok());
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto ids = [](const std::vector<Account>& as) {
    std::vector<std::string> out;
    for (const auto& a : as) out.push_back(a.id);
    return out;
  };
  EXPECT_EQ(ids(*store_->ListAccounts("", 0, 10)),
            (std::vector<std::string>{"u4", "u3", "u2", "u1", "u0"}));
  EXPECT_EQ(ids(*store_->ListAccounts("holder", 0, 10)),
            (std::vector<std::string>{"u4", "u2", "u0"}));
  EXPECT_EQ(ids(*store_->ListAccounts("holder", 1, 1)), (std::vector<std::string>{"u2"}));
  EXPECT_TRUE(store_->ListAccounts("admin", 0, 10)->empty());
}

TEST_P(AccountStoreConformance, AccountWithATakenTokenLeavesNoRow) {
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->InsertAccount(MakeAccount("u1"), H("shared")).ok());
  // The account row would go in; the credential row finds its key taken: neither stays.
  EXPECT_EQ(tx->InsertAccount(MakeAccount("u2"), H("shared")).code(), Code::kConflict);
  ASSERT_TRUE(tx->InsertAccount(MakeAccount("u3"), H("other")).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_FALSE(store_->AccountById("u2")->has_value());
  EXPECT_EQ((*store_->AccountByTokenHash(H("shared")))->id, "u1");
  EXPECT_EQ((*store_->AccountByTokenHash(H("other")))->id, "u3");
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountStoreConformance, ::testing::ValuesIn(Backends()),
                         BackendName);

}  // namespace
}  // namespace dipr::storage
