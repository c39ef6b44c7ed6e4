// The storage conformance suite: what every backend must do, run over each of them.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <thread>

#include "crypto/sha256.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/store.h"

namespace dipr::storage {
namespace {

struct Backend {
  std::string name;
  // Opens a fresh, empty store; reopen() opens the same one again (a restart).
  std::function<std::unique_ptr<Store>(const std::string& dir)> open;
};

class StoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dipr-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = GetParam().open(dir_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    store_ = GetParam().open(dir_);
    ASSERT_NE(store_, nullptr);
  }
  static Hash H(std::string_view s) { return crypto::Sha256Of(s); }
  static Account MakeAccount(std::string id) {
    return Account{std::move(id), "名字 name", "holder", Time(Micros(1700000000000000)), 3};
  }
  static DepositRecord MakeDeposit(uint64_t index, std::string depositor, char digit) {
    return DepositRecord{index, std::move(depositor), std::string(64, digit), 1234, "数据集 title",
                         Time(Micros(1700000000123000))};
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreConformance, EmptyStoreHasNoTreeHeadAndNoEntries) {
  auto head = store_->LatestTreeHead();
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_FALSE(head->has_value());
  EXPECT_EQ(*store_->EntryCount(), 0u);
  EXPECT_EQ(store_->ReadEntries(0, 1).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->ReadTile(0, 0).status().code(), Code::kNotFound);
}

TEST_P(StoreConformance, CommittedWritesSurviveReopen) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->AppendEntry(0, std::string("a\0b", 3)).ok());
    ASSERT_TRUE(tx->AppendEntry(1, "second").ok());
    ASSERT_TRUE(tx->PutTile(0, 0, "tile-v1").ok());
    ASSERT_TRUE(tx->PutTile(1, 7, "upper").ok());
    ASSERT_TRUE(tx->PutTreeHead({2, H("root2"), "note2"}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutTile(0, 0, "tile-v2").ok());  // tiles are rewritten as they grow
    ASSERT_TRUE(tx->AppendEntry(2, "third").ok());
    ASSERT_TRUE(tx->PutTreeHead({3, H("root3"), "note3"}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  Reopen();
  auto entries = store_->ReadEntries(0, 3);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ((*entries)[0], std::string("a\0b", 3));
  EXPECT_EQ((*entries)[2], "third");
  EXPECT_EQ(*store_->EntryCount(), 3u);
  EXPECT_EQ(*store_->ReadTile(0, 0), "tile-v2");
  EXPECT_EQ(*store_->ReadTile(1, 7), "upper");
  EXPECT_EQ(store_->ReadTile(1, 0).status().code(), Code::kNotFound);
  auto head = *store_->LatestTreeHead();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, 3u);
  EXPECT_EQ(head->root, H("root3"));
  EXPECT_EQ(head->checkpoint, "note3");
  EXPECT_EQ(store_->ReadEntries(2, 4).status().code(), Code::kNotFound);
}

TEST_P(StoreConformance, UncommittedTransactionLeavesNothing) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->AppendEntry(0, "x").ok());
    ASSERT_TRUE(tx->InsertAccount(MakeAccount("u1"), H("tok")).ok());
    ASSERT_TRUE(tx->PutTreeHead({1, H("r"), "n"}).ok());
  }  // destroyed without Commit
  EXPECT_EQ(*store_->EntryCount(), 0u);
  EXPECT_FALSE(store_->LatestTreeHead()->has_value());
  EXPECT_FALSE(store_->AccountById("u1")->has_value());
}

TEST_P(StoreConformance, AccountsAreFoundByTokenHashAndId) {
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
}

TEST_P(StoreConformance, DepositsAreUniquePerDepositorAndFoundByDigest) {
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->InsertDeposit(MakeDeposit(5, "u1", 'a')).ok());
  EXPECT_EQ(tx->InsertDeposit(MakeDeposit(6, "u1", 'a')).code(), Code::kConflict);
  ASSERT_TRUE(tx->InsertDeposit(MakeDeposit(7, "u2", 'a')).ok());
  ASSERT_TRUE(tx->InsertDeposit(MakeDeposit(8, "u1", 'b')).ok());
  ASSERT_TRUE(tx->Commit().ok());
  auto mine = *store_->DepositOf("u1", std::string(64, 'a'));
  ASSERT_TRUE(mine.has_value());
  EXPECT_EQ(mine->index, 5u);
  EXPECT_EQ(mine->title, "数据集 title");
  EXPECT_EQ(mine->size, 1234u);
  EXPECT_EQ(mine->time, Time(Micros(1700000000123000)));
  auto all = *store_->DepositsByDigest(std::string(64, 'a'), 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].index, 5u);
  EXPECT_EQ(all[1].index, 7u);
  EXPECT_EQ(all[1].depositor, "u2");
  EXPECT_EQ(store_->DepositsByDigest(std::string(64, 'a'), 1)->size(), 1u);
  EXPECT_TRUE(store_->DepositsByDigest(std::string(64, 'c'), 10)->empty());
  EXPECT_FALSE(store_->DepositOf("u2", std::string(64, 'b'))->has_value());
}

TEST_P(StoreConformance, DuplicateEntryIndexIsRejected) {
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->AppendEntry(0, "x").ok());
  EXPECT_FALSE(tx->AppendEntry(0, "y").ok());
}

TEST_P(StoreConformance, ReadersRunWhileAWriterIsOpen) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->AppendEntry(0, "committed").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->AppendEntry(1, "pending").ok());
  std::atomic<int> ok{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (store_->ReadEntries(0, 1).ok() && *store_->EntryCount() == 1) ++ok;
      }
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(ok.load(), 200);  // readers see the committed state, not the open transaction
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(*store_->EntryCount(), 2u);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, StoreConformance,
    ::testing::Values(Backend{"sqlite",
                              [](const std::string& dir) -> std::unique_ptr<Store> {
                                auto s = OpenSqliteStore(dir + "/dipr.db");
                                if (!s.ok()) {
                                  ADD_FAILURE() << s.status().ToString();
                                  return nullptr;
                                }
                                return std::move(s).value();
                              }}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace dipr::storage
