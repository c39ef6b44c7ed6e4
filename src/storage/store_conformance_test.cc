// The storage conformance suite: what every backend must do, run over each of them.
//
// PostgreSQL: the server is DIPR_TEST_PG_URI when set (a libpq URI whose user may create
// databases), else one this process starts with scripts/pg.sh in a temporary directory on first
// use and stops at exit (tests/pg_testing.h). Each test gets a database of its own, dropped
// afterwards. A server that cannot be had fails the PostgreSQL tests; it never skips them.
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
#include "storage/store_wrapper.h"

namespace dipr::storage {
namespace {

using testenv::PostgresServer;
using testenv::RunSql;

struct Backend {
  std::string name;
  // Opens a fresh, empty store; reopen() opens the same one again (a restart).
  std::function<std::unique_ptr<Store>(const std::string& dir)> open;
  // Releases what open created outside dir (may be empty).
  std::function<void(const std::string& dir)> cleanup;
  // Does what the database's own housekeeping does in time, which may change how a backend
  // goes about a query (PostgreSQL: VACUUM ANALYZE, and the planner's statistics). May be empty.
  std::function<void(const std::string& dir)> settle{};
};

void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

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
    if (GetParam().cleanup) GetParam().cleanup(dir_);
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
  auto creds = *store_->CredentialsOf("u1");
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].token_hash, H("token-1"));
  EXPECT_FALSE(creds[0].expires.has_value());
  EXPECT_FALSE(a->expires.has_value());
  EXPECT_FALSE(a->disabled);
  EXPECT_TRUE(store_->CredentialsOf("u9")->empty());
}

TEST_P(StoreConformance, AnAccountIsDisabledAndEnabledAgain) {
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

TEST_P(StoreConformance, ARotatedTokenKeepsTheOldOneUntilItsGraceEndsOrRevokesIt) {
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

TEST_P(StoreConformance, AccountsAreListedInLogOrderByRole) {
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

TEST_P(StoreConformance, RejectedAppendLeavesTheTransactionUsable) {
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->AppendEntry(0, "x").ok());
  EXPECT_FALSE(tx->AppendEntry(0, "y").ok());
  ASSERT_TRUE(tx->AppendEntry(1, "z").ok());
  ASSERT_TRUE(tx->PutTreeHead({2, H("r"), "n"}).ok());
  ASSERT_TRUE(tx->Commit().ok());
  auto entries = store_->ReadEntries(0, 2);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  EXPECT_EQ((*entries)[0], "x");
  EXPECT_EQ((*entries)[1], "z");
}

// The sequencer's pattern: a projection that finds its key taken drops one entry of the batch,
// and the rest of the batch commits.
TEST_P(StoreConformance, ConflictInsideATransactionLeavesTheRestUsable) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->InsertDeposit(MakeDeposit(0, "u1", 'a')).ok());
    ASSERT_TRUE(tx->AppendEntry(0, "deposit a").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->InsertDeposit(MakeDeposit(1, "u1", 'b')).ok());
  ASSERT_TRUE(tx->AppendEntry(1, "deposit b").ok());
  // Taken by the earlier transaction, then by this one: each leaves the transaction usable.
  EXPECT_EQ(tx->InsertDeposit(MakeDeposit(2, "u1", 'a')).code(), Code::kConflict);
  EXPECT_EQ(tx->InsertDeposit(MakeDeposit(2, "u1", 'b')).code(), Code::kConflict);
  ASSERT_TRUE(tx->InsertAccount(MakeAccount("u2"), H("t2")).ok());
  ASSERT_TRUE(tx->AppendEntry(2, "account u2").ok());
  EXPECT_EQ(tx->InsertAccount(MakeAccount("u2"), H("t3")).code(), Code::kConflict);
  ASSERT_TRUE(tx->InsertDeposit(MakeDeposit(3, "u2", 'a')).ok());
  ASSERT_TRUE(tx->AppendEntry(3, "deposit a by u2").ok());
  ASSERT_TRUE(tx->PutTile(0, 0, "tile").ok());
  ASSERT_TRUE(tx->PutTreeHead({4, H("r4"), "n4"}).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(*store_->EntryCount(), 4u);
  EXPECT_EQ((*store_->ReadEntries(3, 4))[0], "deposit a by u2");
  EXPECT_EQ((*store_->DepositOf("u1", std::string(64, 'a')))->index, 0u);
  EXPECT_EQ((*store_->DepositOf("u1", std::string(64, 'b')))->index, 1u);
  EXPECT_EQ((*store_->DepositOf("u2", std::string(64, 'a')))->index, 3u);
  EXPECT_EQ(store_->DepositsByDigest(std::string(64, 'a'), 10)->size(), 2u);
  EXPECT_TRUE(store_->AccountById("u2")->has_value());
  EXPECT_FALSE(store_->AccountByTokenHash(H("t3"))->has_value());
  EXPECT_EQ((*store_->LatestTreeHead())->size, 4u);
}

TEST_P(StoreConformance, AccountWithATakenTokenLeavesNoRow) {
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

TEST_P(StoreConformance, FailedTransactionLeavesNothingAndTheStoreGoesOn) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->AppendEntry(0, "a").ok());
    ASSERT_TRUE(tx->PutTreeHead({1, H("r1"), "n1"}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    // A head that is not newer than the stored one breaks PutTreeHead's contract: the backend
    // may refuse it at once or at Commit, but the transaction must not commit.
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->AppendEntry(1, "b").ok());
    ASSERT_TRUE(tx->InsertDeposit(MakeDeposit(1, "u1", 'a')).ok());
    Status st = tx->PutTreeHead({1, H("again"), "again"});
    if (st.ok()) st = tx->Commit();
    EXPECT_FALSE(st.ok());
  }
  EXPECT_EQ(*store_->EntryCount(), 1u);
  EXPECT_FALSE(store_->DepositOf("u1", std::string(64, 'a'))->has_value());
  EXPECT_EQ((*store_->LatestTreeHead())->checkpoint, "n1");
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->AppendEntry(1, "b").ok());
  ASSERT_TRUE(tx->PutTreeHead({2, H("r2"), "n2"}).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(*store_->EntryCount(), 2u);
}

// Blobs come back byte for byte (every byte value, empty, large) across many batches and a
// restart, and a batch larger than any internal buffering still commits whole.
TEST_P(StoreConformance, LargeBatchesOfBinaryDataSurviveReopen) {
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  std::string big_tile;
  for (int i = 0; i < 16320; ++i) big_tile.push_back(static_cast<char>(i * 7 + 3));
  auto entry = [&](uint64_t i) {
    return i == 0 ? std::string() : all_bytes + std::to_string(i) + std::string(i % 300, 'e');
  };
  constexpr uint64_t kBatches = 3, kBatch = 1500;
  for (uint64_t b = 0; b < kBatches; ++b) {
    auto tx = std::move(store_->BeginWrite()).value();
    for (uint64_t i = b * kBatch; i < (b + 1) * kBatch; ++i) {
      ASSERT_TRUE(tx->AppendEntry(i, entry(i)).ok()) << i;
      // Batches with projections and without (long runs of nothing but appends).
      if (b == 1 && i % 2 == 0) {
        ASSERT_TRUE(tx->InsertDeposit(MakeDeposit(i, "u" + std::to_string(i), 'f')).ok()) << i;
      }
    }
    for (uint64_t t = 0; t < 4; ++t) {
      ASSERT_TRUE(tx->PutTile(static_cast<uint8_t>(t), b, big_tile + std::to_string(b)).ok());
    }
    ASSERT_TRUE(tx->PutTreeHead({(b + 1) * kBatch, H("r"), "n"}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  Reopen();
  ASSERT_EQ(*store_->EntryCount(), kBatches * kBatch);
  auto entries = store_->ReadEntries(0, kBatches * kBatch);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  for (uint64_t i = 0; i < kBatches * kBatch; ++i) ASSERT_EQ((*entries)[i], entry(i)) << i;
  EXPECT_TRUE(store_->ReadEntries(5, 5)->empty());
  EXPECT_EQ(*store_->ReadTile(3, 2), big_tile + "2");
  EXPECT_EQ(store_->DepositsByDigest(std::string(64, 'f'), 100000)->size(), kBatch / 2);
  EXPECT_EQ(store_->DepositsByDigest(std::string(64, 'f'), 7)->back().index, kBatch + 12);
}

TEST_P(StoreConformance, ASecondWriterWaitsForTheFirst) {
  auto first = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(first->AppendEntry(0, "first").ok());
  std::atomic<bool> second_began{false};
  Status second_status;
  std::thread second([&] {
    auto tx = store_->BeginWrite();
    second_began = true;
    if (!tx.ok()) {
      second_status = tx.status();
      return;
    }
    second_status = (*tx)->AppendEntry(1, "second");  // sees the first transaction's entry
    if (second_status.ok()) second_status = (*tx)->Commit();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(second_began.load());
  ASSERT_TRUE(first->Commit().ok());
  first.reset();
  second.join();
  EXPECT_TRUE(second_status.ok()) << second_status.ToString();
  EXPECT_EQ(*store_->EntryCount(), 2u);
}

// Many readers while batches commit: every reader sees whole transactions only (the entries a
// tree head covers are always there), never an error.
TEST_P(StoreConformance, ManyReadersSeeOnlyWholeBatches) {
  constexpr int kBatches = 40, kBatch = 25, kReaders = 12;
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::vector<std::string> errors(kReaders);
  std::vector<std::thread> readers;
  for (int t = 0; t < kReaders; ++t) {
    readers.emplace_back([&, t] {
      uint64_t last = 0;
      while (!stop.load() && errors[t].empty()) {
        auto head = store_->LatestTreeHead();
        if (!head.ok()) {
          errors[t] = head.status().ToString();
          break;
        }
        uint64_t size = head->has_value() ? (*head)->size : 0;
        if (size < last) errors[t] = "tree head went back";
        last = size;
        auto count = store_->EntryCount();
        if (!count.ok() || *count < size) errors[t] = "entries behind the tree head";
        if (size > 0) {
          auto e = store_->ReadEntries(size - 1, size);
          if (!e.ok() || (*e)[0] != std::to_string(size - 1)) errors[t] = "head's last entry";
          auto tile = store_->ReadTile(0, size / kBatch - 1);
          if (!tile.ok() || *tile != "tile" + std::to_string(size)) errors[t] = "tile of head";
          auto acc = store_->AccountByTokenHash(H(std::to_string(size / kBatch - 1)));
          if (!acc.ok() || !acc->has_value()) errors[t] = "account of the batch";
        }
        ++reads;
      }
    });
  }
  for (int b = 0; b < kBatches; ++b) {
    auto tx = std::move(store_->BeginWrite()).value();
    for (int i = 0; i < kBatch; ++i) {
      uint64_t index = static_cast<uint64_t>(b * kBatch + i);
      ASSERT_TRUE(tx->AppendEntry(index, std::to_string(index)).ok());
    }
    ASSERT_TRUE(tx->InsertAccount(MakeAccount("u" + std::to_string(b)), H(std::to_string(b))).ok());
    uint64_t size = static_cast<uint64_t>((b + 1) * kBatch);
    ASSERT_TRUE(tx->PutTile(0, static_cast<uint64_t>(b), "tile" + std::to_string(size)).ok());
    ASSERT_TRUE(tx->PutTreeHead({size, H("r"), "n"}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  stop = true;
  for (auto& r : readers) r.join();
  for (int t = 0; t < kReaders; ++t) EXPECT_EQ(errors[t], "") << "reader " << t;
  EXPECT_GT(reads.load(), kReaders);
}

TEST_P(StoreConformance, WriteTransactionsSeeTheEntryCountTheyBuildOn) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    EXPECT_EQ(tx->EntryCount(), 0u);
    ASSERT_TRUE(tx->AppendEntry(0, "a").ok());
    EXPECT_EQ(tx->EntryCount(), 1u);
    EXPECT_FALSE(tx->AppendEntry(2, "gap").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  // A second store on the same database stands for another node: its transaction waits for
  // ours and then sees what we committed.
  auto other = GetParam().open(dir_);
  ASSERT_NE(other, nullptr);
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->AppendEntry(1, "b").ok());
  std::atomic<uint64_t> seen{0};
  std::thread t([&] {
    auto tx2 = std::move(other->BeginWrite()).value();
    seen = tx2->EntryCount() + 100;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(seen.load(), 0u) << "the other store's transaction did not wait for ours";
  ASSERT_TRUE(tx->Commit().ok());
  t.join();
  EXPECT_EQ(seen.load(), 102u);
}

TEST_P(StoreConformance, QueuedEntriesAreResolvedOnceAndInOrder) {
  auto a = store_->Enqueue("entry a", "");
  auto b = store_->Enqueue(std::string("entry\0b", 7), std::string(32, '\x01'));
  auto c = store_->Enqueue("entry c", "");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_LT(*a, *b);
  EXPECT_LT(*b, *c);
  EXPECT_FALSE(store_->TakeResult(*a)->has_value());  // not resolved yet
  {
    auto tx = std::move(store_->BeginWrite()).value();
    auto pending = tx->Pending(2);
    ASSERT_TRUE(pending.ok());
    ASSERT_EQ(pending->size(), 2u);
    EXPECT_EQ((*pending)[0].id, *a);
    EXPECT_EQ((*pending)[1].entry, std::string("entry\0b", 7));
    EXPECT_EQ((*pending)[1].sidecar, std::string(32, '\x01'));
    ASSERT_TRUE(tx->Resolve(*a, {Code::kOk, 41, ""}).ok());
    ASSERT_TRUE(tx->Resolve(*b, {Code::kConflict, 0, "already deposited"}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto tx = std::move(store_->BeginWrite()).value();
    auto pending = tx->Pending(10);
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ((*pending)[0].id, *c);
    ASSERT_TRUE(tx->Resolve(*c, {Code::kOk, 42, ""}).ok());
  }  // rolled back: c stays queued, unresolved
  auto ra = *store_->TakeResult(*a);
  ASSERT_TRUE(ra.has_value());
  EXPECT_EQ(ra->code, Code::kOk);
  EXPECT_EQ(ra->index, 41u);
  EXPECT_FALSE(store_->TakeResult(*a)->has_value());  // handed out once
  auto rb = *store_->TakeResult(*b);
  ASSERT_TRUE(rb.has_value());
  EXPECT_EQ(rb->code, Code::kConflict);
  EXPECT_EQ(rb->message, "already deposited");
  EXPECT_FALSE(store_->TakeResult(*c)->has_value());
  auto tx = std::move(store_->BeginWrite()).value();
  EXPECT_EQ(tx->Pending(10)->size(), 1u);
}

// The sequencer's sweep of results no node took: only those up to the id given go.
TEST_P(StoreConformance, SweepingResultsRemovesOnlyThoseUpToTheIdGiven) {
  std::vector<uint64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(*store_->Enqueue("entry " + std::to_string(i), ""));
  auto none = store_->SweepResults(ids.back());
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->deleted, 0u);
  EXPECT_EQ(none->newest, 0u);
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_EQ(tx->Pending(10)->size(), 3u);
    for (size_t i = 0; i < ids.size(); ++i) {
      ASSERT_TRUE(tx->Resolve(ids[i], {Code::kOk, i, ""}).ok());
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto swept = store_->SweepResults(ids[1]);
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(swept->deleted, 2u);
  EXPECT_EQ(swept->newest, ids[2]);
  EXPECT_FALSE(store_->TakeResult(ids[0])->has_value());
  EXPECT_FALSE(store_->TakeResult(ids[1])->has_value());
  auto kept = *store_->TakeResult(ids[2]);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->index, 2u);
  EXPECT_EQ(store_->SweepResults(ids[2])->newest, 0u);
}

TEST_P(StoreConformance, TheLeaseHasOneHolderAndPassesOnWhenItGoes) {
  auto other = GetParam().open(dir_);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(*store_->TryAcquireLease());
  EXPECT_TRUE(*store_->TryAcquireLease());  // holding it already
  EXPECT_TRUE(store_->LeaseHeld());
  EXPECT_FALSE(*other->TryAcquireLease());
  EXPECT_FALSE(other->LeaseHeld());
  store_.reset();  // the holder goes away (a node killed: its session or lock file closes)
  bool taken = false;
  for (int i = 0; i < 50 && !taken; ++i) {
    taken = *other->TryAcquireLease();
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(taken);
  EXPECT_TRUE(other->LeaseHeld());
}

TEST_P(StoreConformance, SignalsReachSubscribersOnlyForCommittedTransactions) {
  std::mutex mu;
  std::vector<std::string> got;
  ASSERT_TRUE(store_->Subscribe([&](std::string_view sig) {
    std::lock_guard<std::mutex> g(mu);
    got.emplace_back(sig);
  }).ok());
  auto wait_for = [&](size_t n) {
    for (int i = 0; i < 200; ++i) {
      {
        std::lock_guard<std::mutex> g(mu);
        if (got.size() >= n) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  };
  // Give a listener thread time to start listening.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(store_->Signal("queued").ok());
  ASSERT_TRUE(wait_for(1));
  {
    auto tx = std::move(store_->BeginWrite()).value();
    tx->SignalOnCommit("rolled-back");
  }
  {
    auto tx = std::move(store_->BeginWrite()).value();
    tx->SignalOnCommit("integrated");
    ASSERT_TRUE(tx->Commit().ok());
  }
  ASSERT_TRUE(wait_for(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::lock_guard<std::mutex> g(mu);
  std::vector<std::string> real;
  for (auto& s : got) {
    if (s != "resync") real.push_back(s);
  }
  EXPECT_EQ(real, (std::vector<std::string>{"queued", "integrated"}));
}

// --- the register ---

// A ListingQuery, field by field.
struct Q {
  ListingQuery q;
  Q& Text(std::string s) { return q.text = std::move(s), *this; }
  Q& Holder(std::string s) { return q.holder = std::move(s), *this; }
  Q& Industry(std::string s) { return q.industry = std::move(s), *this; }
  Q& Statuses(std::vector<std::string> s) { return q.statuses = std::move(s), *this; }
  Q& Page(size_t offset, size_t limit) { return q.offset = offset, q.limit = limit, *this; }
  operator ListingQuery() const { return q; }  // NOLINT: implicit by design
};

Record MakeRecord(std::string kind, std::string id, std::string owner, uint64_t version,
                  std::optional<int64_t> due_us = std::nullopt) {
  Record r;
  r.kind = std::move(kind);
  r.id = std::move(id);
  r.owner = std::move(owner);
  r.status = "submitted";
  r.doc = R"({"id":")" + r.id + R"(","title":"城市交通 data"})";
  r.version = version;
  if (due_us) r.due = Time(Micros(*due_us));
  return r;
}

std::vector<std::string> Ids(const Result<std::vector<Record>>& records) {
  std::vector<std::string> out;
  if (!records.ok()) {
    out.push_back("error: " + records.status().ToString());
    return out;
  }
  for (const Record& r : *records) out.push_back(r.id);
  return out;
}

void ExpectSameRecord(const Record& got, const Record& want) {
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.owner, want.owner);
  EXPECT_EQ(got.parent, want.parent);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.number, want.number);
  EXPECT_EQ(got.due, want.due);
  EXPECT_EQ(got.doc, want.doc);
  EXPECT_EQ(got.version, want.version);
}

TEST_P(StoreConformance, RecordsAreUpsertedAndATransactionSeesItsOwnWrites) {
  Record a1 = MakeRecord("application", "a1", "u1", 5, 1700000000000000);
  a1.number = "DJ-1";
  Record changed = a1;
  changed.status = "in_notice";
  changed.due.reset();
  changed.doc = R"({"changed":true})";
  changed.version = 9;
  {
    auto tx = std::move(store_->BeginWrite()).value();
    EXPECT_FALSE(tx->GetRecord("application", "a1")->has_value());
    ASSERT_TRUE(tx->PutRecord(a1).ok());
    auto got = tx->GetRecord("application", "a1");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(got->has_value());
    ExpectSameRecord(**got, a1);
    EXPECT_FALSE(tx->GetRecord("objection", "a1")->has_value());  // the kind is part of the key
    EXPECT_FALSE(store_->RecordById("application", "a1")->has_value());  // not committed yet
    ASSERT_TRUE(tx->PutRecord(changed).ok());
    ExpectSameRecord(**tx->GetRecord("application", "a1"), changed);
    ASSERT_TRUE(tx->Commit().ok());
  }
  Reopen();
  auto got = store_->RecordById("application", "a1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  ExpectSameRecord(**got, changed);
  EXPECT_FALSE(store_->RecordById("application", "a9")->has_value());
  // A later transaction replaces it again, and reads it back between other writes.
  auto tx = std::move(store_->BeginWrite()).value();
  ExpectSameRecord(**tx->GetRecord("application", "a1"), changed);
  ASSERT_TRUE(tx->AppendEntry(0, "entry").ok());
  ASSERT_TRUE(tx->PutRecord(a1).ok());
  ASSERT_TRUE(tx->PutTile(0, 0, "tile").ok());
  ExpectSameRecord(**tx->GetRecord("application", "a1"), a1);
  ASSERT_TRUE(tx->Commit().ok());
  ExpectSameRecord(**store_->RecordById("application", "a1"), a1);
}

TEST_P(StoreConformance, AnUncommittedRegisterTransactionLeavesNothing) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a1", "u1", 1, 5)).ok());
    ASSERT_TRUE(
        tx->PutListing(Listing{"a1", "DJ-1", "registered", "I", "holder", "rolled back", "{}"})
            .ok());
    ASSERT_TRUE(tx->ClaimNumber("DJ-1", "a1").ok());
    ASSERT_TRUE(tx->PutSidecar(0, "secret").ok());
  }  // destroyed without Commit
  EXPECT_FALSE(store_->RecordById("application", "a1")->has_value());
  EXPECT_TRUE(store_->RecordsByOwner("application", "u1", 0, 10)->empty());
  EXPECT_TRUE(store_->RecordsDue(Time(Micros(100)), 10)->empty());
  EXPECT_EQ(store_->SearchListings({})->total, 0u);
  EXPECT_EQ(store_->SearchListings(Q().Text("rolled back"))->total, 0u);
  EXPECT_EQ(*store_->MaxNumber(""), "");
  EXPECT_FALSE(store_->SidecarOf(0)->has_value());
  // The number was never claimed.
  auto tx = std::move(store_->BeginWrite()).value();
  EXPECT_FALSE(tx->GetRecord("application", "a1")->has_value());
  EXPECT_TRUE(tx->ClaimNumber("DJ-1", "a2").ok());
  ASSERT_TRUE(tx->Commit().ok());
}

TEST_P(StoreConformance, RecordsAreFoundByNumber) {
  Record a1 = MakeRecord("application", "a1", "u1", 1);
  a1.number = "DJ2026-0001";
  Record a2 = MakeRecord("application", "a2", "u1", 2);  // not registered: number ""
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutRecord(a1).ok());
    ASSERT_TRUE(tx->PutRecord(a2).ok());
    ASSERT_TRUE(tx->PutRecord(MakeRecord("objection", "o1", "u2", 3)).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto got = store_->RecordByNumber("DJ2026-0001");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  ExpectSameRecord(**got, a1);
  EXPECT_FALSE(store_->RecordByNumber("")->has_value());
  EXPECT_FALSE(store_->RecordByNumber("DJ2026-0002")->has_value());
  EXPECT_FALSE(store_->RecordByNumber("DJ2026")->has_value());
  // A replaced record is found by its new number only.
  a1.number = "DJ2026-0009";
  a1.version = 4;
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->PutRecord(a1).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_FALSE(store_->RecordByNumber("DJ2026-0001")->has_value());
  EXPECT_EQ((*store_->RecordByNumber("DJ2026-0009"))->version, 4u);
}

TEST_P(StoreConformance, RecordsByOwnerAreNewestFirstAndPaged) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a1", "u1", 3)).ok());
    ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a2", "u1", 7)).ok());
    ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a3", "u1", 5)).ok());
    ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a4", "u2", 8)).ok());
    ASSERT_TRUE(tx->PutRecord(MakeRecord("objection", "o1", "u1", 9)).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  using V = std::vector<std::string>;
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u1", 0, 10)), (V{"a2", "a3", "a1"}));
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u1", 0, 2)), (V{"a2", "a3"}));
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u1", 1, 1)), (V{"a3"}));
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u1", 2, 10)), (V{"a1"}));
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u1", 3, 10)), V{});
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u1", 0, 0)), V{});
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u1", 0, SIZE_MAX)),
            (V{"a2", "a3", "a1"}));
  EXPECT_EQ(Ids(store_->RecordsByOwner("objection", "u1", 0, 10)), (V{"o1"}));
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u2", 0, 10)), (V{"a4"}));
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u3", 0, 10)), V{});
  // A change makes a record the newest.
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a1", "u1", 10)).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u1", 0, 10)), (V{"a1", "a2", "a3"}));
}

TEST_P(StoreConformance, RecordsByParentAreInIdOrder) {
  auto objection = [](std::string id, std::string parent) {
    Record r = MakeRecord("objection", std::move(id), "u9", 1);
    r.parent = std::move(parent);
    return r;
  };
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->PutRecord(objection("o2", "a1")).ok());
  ASSERT_TRUE(tx->PutRecord(objection("o10", "a1")).ok());
  ASSERT_TRUE(tx->PutRecord(objection("o1", "a1")).ok());
  ASSERT_TRUE(tx->PutRecord(objection("o3", "a2")).ok());
  ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a1", "u1", 1)).ok());
  ASSERT_TRUE(tx->Commit().ok());
  using V = std::vector<std::string>;
  EXPECT_EQ(Ids(store_->RecordsByParent("objection", "a1")), (V{"o1", "o10", "o2"}));
  EXPECT_EQ(Ids(store_->RecordsByParent("objection", "a2")), (V{"o3"}));
  EXPECT_EQ(Ids(store_->RecordsByParent("objection", "a3")), V{});
  EXPECT_EQ(Ids(store_->RecordsByParent("application", "")), (V{"a1"}));
}

TEST_P(StoreConformance, RecordsDueAreEarliestFirstUpToTheTimeGiven) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a1", "u1", 1, 300)).ok());
    ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a2", "u1", 2, 100)).ok());
    ASSERT_TRUE(tx->PutRecord(MakeRecord("objection", "o1", "u2", 3, 200)).ok());
    ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a3", "u1", 4)).ok());  // not due
    ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a4", "u1", 5, 500)).ok());
    ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a5", "u1", 6, -50)).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  using V = std::vector<std::string>;
  auto due = [&](int64_t until, size_t limit) {
    return Ids(store_->RecordsDue(Time(Micros(until)), limit));
  };
  EXPECT_EQ(due(300, 10), (V{"a5", "a2", "o1", "a1"}));  // due <= until, any kind
  EXPECT_EQ(due(299, 10), (V{"a5", "a2", "o1"}));
  EXPECT_EQ(due(300, 2), (V{"a5", "a2"}));
  EXPECT_EQ(due(-51, 10), V{});
  EXPECT_EQ(due(INT64_MAX, 10), (V{"a5", "a2", "o1", "a1", "a4"}));
  auto got = store_->RecordsDue(Time(Micros(100)), 10);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[1].due, Time(Micros(100)));
  // A later version without a due time is no longer due; one with a later time moves.
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a2", "u1", 7)).ok());
  ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a5", "u1", 8, 400)).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(due(300, 10), (V{"o1", "a1"}));
  EXPECT_EQ(due(1000, 10), (V{"o1", "a1", "a5", "a4"}));
}

TEST_P(StoreConformance, NumberClaimedSeesCommittedAndOwnClaims) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->ClaimNumber("DJ-1", "a1").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto tx = std::move(store_->BeginWrite()).value();
  EXPECT_TRUE(*tx->NumberClaimed("DJ-1"));
  EXPECT_FALSE(*tx->NumberClaimed("DJ-2"));
  ASSERT_TRUE(tx->ClaimNumber("DJ-2", "a2").ok());
  EXPECT_TRUE(*tx->NumberClaimed("DJ-2"));
  EXPECT_FALSE(*tx->NumberClaimed("DJ-"));  // whole numbers only
}

TEST_P(StoreConformance, RecordsByStatusIsAQueueOldestFirst) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    for (auto [id, version, st] : std::vector<std::tuple<std::string, uint64_t, std::string>>{
             {"a1", 9, "submitted"}, {"a2", 3, "submitted"}, {"a3", 5, "draft"},
             {"a4", 7, "submitted"}}) {
      Record r = MakeRecord("application", id, "u1", version);
      r.status = st;
      ASSERT_TRUE(tx->PutRecord(r).ok());
    }
    Record o = MakeRecord("objection", "o1", "u1", 1);
    o.status = "submitted";
    ASSERT_TRUE(tx->PutRecord(o).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto ids = [&](size_t offset, size_t limit) {
    std::vector<std::string> out;
    for (const auto& r : *store_->RecordsByStatus("application", "submitted", offset, limit)) {
      out.push_back(r.id);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(0, 10), (V{"a2", "a4", "a1"}));
  EXPECT_EQ(ids(1, 1), (V{"a4"}));
  EXPECT_EQ(ids(5, 10), V{});
}

TEST_P(StoreConformance, CountByStatusCountsOneKindPerStatus) {
  using Counts = std::vector<std::pair<std::string, uint64_t>>;
  EXPECT_EQ(*store_->CountByStatus("application"), Counts{});
  {
    auto tx = std::move(store_->BeginWrite()).value();
    for (auto [id, st] : std::vector<std::pair<std::string, std::string>>{
             {"a1", "submitted"}, {"a2", "in_notice"}, {"a3", "submitted"}, {"a4", "draft"}}) {
      Record r = MakeRecord("application", id, "u1", 1);
      r.status = st;
      ASSERT_TRUE(tx->PutRecord(r).ok());
    }
    Record o = MakeRecord("objection", "o1", "u1", 1);
    o.status = "open";
    ASSERT_TRUE(tx->PutRecord(o).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(*store_->CountByStatus("application"),
            (Counts{{"draft", 1}, {"in_notice", 1}, {"submitted", 2}}));
  EXPECT_EQ(*store_->CountByStatus("objection"), (Counts{{"open", 1}}));
  {  // a record that changes status moves between the counts
    auto tx = std::move(store_->BeginWrite()).value();
    Record r = MakeRecord("application", "a1", "u1", 2);
    r.status = "in_notice";
    ASSERT_TRUE(tx->PutRecord(r).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(*store_->CountByStatus("application"),
            (Counts{{"draft", 1}, {"in_notice", 2}, {"submitted", 1}}));
}

TEST_P(StoreConformance, ATakenNumberIsAConflictAndTheRestOfTheTransactionCommits) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->ClaimNumber("DJ-1", "a1").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->ClaimNumber("DJ-2", "a2").ok());
  ASSERT_TRUE(tx->AppendEntry(0, "registered a2").ok());
  ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a2", "u1", 0)).ok());
  // Taken by the earlier transaction, then by this one: each leaves the transaction usable.
  EXPECT_EQ(tx->ClaimNumber("DJ-1", "a3").code(), Code::kConflict);
  EXPECT_EQ(tx->ClaimNumber("DJ-2", "a3").code(), Code::kConflict);
  ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a3", "u1", 1)).ok());
  EXPECT_TRUE(tx->GetRecord("application", "a2")->has_value());
  ASSERT_TRUE(tx->ClaimNumber("DJ-3", "a3").ok());
  ASSERT_TRUE(tx->AppendEntry(1, "registered a3").ok());
  ASSERT_TRUE(tx->PutSidecar(1, "sidecar").ok());
  ASSERT_TRUE(tx->PutTreeHead({2, H("r2"), "n2"}).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(*store_->EntryCount(), 2u);
  EXPECT_TRUE(store_->RecordById("application", "a2")->has_value());
  EXPECT_TRUE(store_->RecordById("application", "a3")->has_value());
  EXPECT_EQ(*store_->MaxNumber("DJ-"), "DJ-3");
  EXPECT_EQ(**store_->SidecarOf(1), "sidecar");
}

TEST_P(StoreConformance, MaxNumberIsTheGreatestClaimedWithThePrefix) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    for (const char* n : {"DJ2026-0009", "DJ2026-0010", "DJ2025-9999", "DJ2026.", "ZS2026-0001",
                          "登记2026-0002", "登记2026-0001", "登记2027-0001", "登讱"}) {
      ASSERT_TRUE(tx->ClaimNumber(n, "a").ok()) << n;
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(*store_->MaxNumber("DJ2026-"), "DJ2026-0010");  // not "DJ2026.", just past them
  EXPECT_EQ(*store_->MaxNumber("DJ2026-0010"), "DJ2026-0010");
  EXPECT_EQ(*store_->MaxNumber("DJ2026-00100"), "");
  EXPECT_EQ(*store_->MaxNumber("DJ2025-"), "DJ2025-9999");
  EXPECT_EQ(*store_->MaxNumber("DJ"), "DJ2026.");
  EXPECT_EQ(*store_->MaxNumber("ZS"), "ZS2026-0001");
  EXPECT_EQ(*store_->MaxNumber("XX"), "");
  EXPECT_EQ(*store_->MaxNumber("登记2026"), "登记2026-0002");
  EXPECT_EQ(*store_->MaxNumber("登记"), "登记2027-0001");  // not "登讱" (讱 is 记 + 1)
  EXPECT_EQ(*store_->MaxNumber(""), "登讱");                 // byte order: UTF-8 after ASCII
  EXPECT_EQ(store_->MaxNumber("\xe7\x99").status().code(), Code::kInvalidArgument);
}

TEST_P(StoreConformance, SidecarsAreKeptByEntryIndex) {
  std::string binary("\0\x01\xff sidecar", 11);
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutSidecar(5, binary).ok());
    ASSERT_TRUE(tx->PutSidecar(6, "").ok());
    ASSERT_TRUE(tx->PutSidecar(7, "first").ok());
    ASSERT_TRUE(tx->PutSidecar(7, "second").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  Reopen();
  EXPECT_EQ(**store_->SidecarOf(5), binary);
  EXPECT_EQ(**store_->SidecarOf(6), "");
  EXPECT_EQ(**store_->SidecarOf(7), "second");
  EXPECT_FALSE(store_->SidecarOf(8)->has_value());
}

// The public register's search. Put in the order a5, a1, a4, a3, a2 (lists are newest first:
// a2, a3, a4, a1, a5).
class ListingSearch : public StoreConformance {
 protected:
  void SetUp() override {
    StoreConformance::SetUp();
    if (HasFatalFailure()) return;
    auto tx = std::move(store_->BeginWrite()).value();
    for (int i : {4, 0, 3, 2, 1}) {
      ASSERT_TRUE(tx->PutListing(Listings()[i]).ok()) << Listings()[i].application_id;
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  static Listing Make(std::string id, std::string status, std::string industry,
                      std::string holders, std::string text, int64_t n) {
    std::string item = R"({"id":")" + id + R"(","n":)" + std::to_string(n) + "}";
    return Listing{id, status == "registered" ? "DJ-" + id : "", status, std::move(industry),
                   std::move(holders), std::move(text), std::move(item)};
  }
  static std::vector<Listing> Listings() {
    return {
        Make("a1", "notice", "I", "浙江某数据有限公司\n91330000MA27XXXX",
             "城市交通流量数据 city traffic", 1000),
        Make("a2", "registered", "Q", "ACME Health Ltd",
             R"(医疗影像 Medical Imaging dataset "MRI")", 3000),
        Make("a3", "registered", "I", "北京交通大学", "交通事故统计 accident stats", 2000),
        Make("a4", "registered", "M", "x_y Co", R"(100% pure_data C:\temp)", 2000),
        Make("a5", "revoked", "I", "Énergie SA", "ÉNERGIE électrique", 500),
    };
  }
  // The application ids of the page, and the total after a slash ("+" after it when the
  // total is not exact).
  std::string Find(ListingQuery q) {
    auto page = store_->SearchListings(q);
    if (!page.ok()) return "error: " + page.status().ToString();
    std::string out;
    for (const std::string& item : page->items) {
      auto id = item.substr(7, 2);  // {"id":"aN"
      out += (out.empty() ? "" : ",") + id;
    }
    return out + "/" + std::to_string(page->total) + (page->total_exact ? "" : "+");
  }
  std::string FindText(std::string text) { return Find(Q().Text(std::move(text))); }
  std::string FindHolder(std::string holder) { return Find(Q().Holder(std::move(holder))); }
};

TEST_P(ListingSearch, FindsChineseAndEnglishSubstringsOfAnyLength) {
  EXPECT_EQ(FindText("城市交通流量数据 city traffic"), "a1/1");
  EXPECT_EQ(FindText("交通流量"), "a1/1");
  EXPECT_EQ(FindText("交通"), "a3,a1/2");  // two characters: no trigram
  EXPECT_EQ(FindText("通"), "a3,a1/2");    // one
  EXPECT_EQ(FindText("量数据 ci"), "a1/1");
  EXPECT_EQ(FindText("Traffic"), "a1/1");
  EXPECT_EQ(FindText("TRAFFIC"), "a1/1");
  EXPECT_EQ(FindText("tRaF"), "a1/1");
  EXPECT_EQ(FindText("ty"), "a1/1");
  EXPECT_EQ(FindText("C"), "a2,a3,a4,a1,a5/5");
  EXPECT_EQ(FindText("mri"), "a2/1");
  EXPECT_EQ(FindText("交通 traffic"), "/0");  // not a substring
  EXPECT_EQ(FindText("流量交通"), "/0");
  EXPECT_EQ(FindText("天气"), "/0");
  EXPECT_EQ(FindText("weather"), "/0");
  EXPECT_EQ(FindHolder("数据"), "a1/1");
  EXPECT_EQ(FindHolder("交通大学"), "a3/1");
  EXPECT_EQ(FindHolder("acme"), "a2/1");
  EXPECT_EQ(FindHolder("91330000ma27"), "a1/1");  // the second line
  EXPECT_EQ(FindHolder("Ltd\n"), "/0");
}

TEST_P(ListingSearch, FoldsOnlyAsciiCase) {
  EXPECT_EQ(FindText("énergie"), "/0");  // É and é differ: only ASCII letters fold
  EXPECT_EQ(FindText("Énergie"), "a5/1");
  EXPECT_EQ(FindText("ÉNERGIE"), "a5/1");
  EXPECT_EQ(FindText("Électrique"), "/0");
  EXPECT_EQ(FindHolder("énergie"), "/0");
  EXPECT_EQ(FindHolder("ÉNERGIE sa"), "a5/1");
}

TEST_P(ListingSearch, TakesLikeMetacharactersLiterally) {
  EXPECT_EQ(FindText("%"), "a4/1");
  EXPECT_EQ(FindText("100%"), "a4/1");
  EXPECT_EQ(FindText("a%e"), "/0");  // not a wildcard
  EXPECT_EQ(FindText("_"), "a4/1");
  EXPECT_EQ(FindText("e_d"), "a4/1");
  EXPECT_EQ(FindText("g_d"), "/0");  // "Imaging dataset" would match a wildcard
  EXPECT_EQ(FindText("\\"), "a4/1");
  EXPECT_EQ(FindText(":\\t"), "a4/1");
  EXPECT_EQ(FindText(":\\temp"), "a4/1");
  EXPECT_EQ(FindText(":t"), "/0");
  EXPECT_EQ(FindText(R"("MRI")"), "a2/1");
  EXPECT_EQ(FindText(R"("mri)"), "a2/1");
  EXPECT_EQ(FindText(R"(mri"")"), "/0");
  EXPECT_EQ(FindText("* OR city"), "/0");  // no full-text query syntax either
  EXPECT_EQ(FindText("city:"), "/0");
  EXPECT_EQ(FindHolder("x_y"), "a4/1");
  EXPECT_EQ(FindHolder("_"), "a4/1");
}

TEST_P(ListingSearch, RefusesTextThatIsNotUtf8) {
  const std::string bads[] = {"\xe4", "Bac\xe4", "\xff\xfe"};
  for (const std::string& bad : bads) {
    for (const ListingQuery& q : {ListingQuery(Q().Text(bad)), ListingQuery(Q().Holder(bad))}) {
      auto page = store_->SearchListings(q);
      ASSERT_FALSE(page.ok()) << bad;
      EXPECT_EQ(page.status().code(), Code::kInvalidArgument) << page.status().ToString();
    }
  }
  EXPECT_EQ(FindText("交通"), "a3,a1/2");  // and the store goes on
}

// The industry filter is exact with every kind of text query, whatever the industry holds.
TEST_P(ListingSearch, AnIndustryIsMatchedExactly) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    int n = 0;
    for (const char* industry : {"I", "[I]", "I]", "II", "i"}) {
      ASSERT_TRUE(tx->PutListing(Make(fmt::format("x{}", n), "registered", industry, "h",
                                      "公共数据集 public data", n))
                      .ok());
      ++n;
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto ids = [&](ListingQuery q) {
    auto page = store_->SearchListings(q);
    if (!page.ok()) return page.status().ToString();
    std::string out;
    for (const std::string& item : page->items) out += item.substr(7, 2) + " ";
    return out + std::to_string(page->total);
  };
  for (int n = 0; n < 5; ++n) {
    std::string industry = std::vector<std::string>{"I", "[I]", "I]", "II", "i"}[n];
    std::string want = fmt::format("x{} 1", n);
    EXPECT_EQ(ids(Q().Text("公共数据").Industry(industry)), want) << industry;  // trigrams
    EXPECT_EQ(ids(Q().Text("公共").Industry(industry)), want) << industry;      // terms
    EXPECT_EQ(ids(Q().Text("public").Holder("h").Industry(industry)), want) << industry;
    EXPECT_EQ(ids(Q().Text("公共数据").Industry(industry).Statuses({"registered"})), want);
  }
  EXPECT_EQ(ids(Q().Text("公共数据").Industry("[")), "0");
  // And after some are gone.
  {
    auto tx = std::move(store_->BeginWrite()).value();
    for (const char* id : {"x1", "x2"}) ASSERT_TRUE(tx->RemoveListing(id).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(ids(Q().Text("公共数据").Industry("I")), "x0 1");
  EXPECT_EQ(ids(Q().Text("公共数据").Industry("II")), "x3 1");
  EXPECT_EQ(ids(Q().Text("公共数据").Industry("I").Statuses({"revoked"})), "0");
}

TEST_P(ListingSearch, FiltersCombineAndPagesAreNewestFirst) {
  EXPECT_EQ(Find({}), "a2,a3,a4,a1,a5/5");  // the last put first
  EXPECT_EQ(Find(Q().Page(1, 2)), "a3,a4/5");
  EXPECT_EQ(Find(Q().Page(4, 2)), "a5/5");
  EXPECT_EQ(Find(Q().Page(5, 20)), "/5");
  EXPECT_EQ(Find(Q().Page(100, 20)), "/5");
  EXPECT_EQ(Find(Q().Page(0, 0)), "/5");
  EXPECT_EQ(Find(Q().Industry("I")), "a3,a1,a5/3");
  EXPECT_EQ(Find(Q().Industry("i")), "/0");  // exact
  EXPECT_EQ(Find(Q().Statuses({"registered"})), "a2,a3,a4/3");
  EXPECT_EQ(Find(Q().Statuses({"notice", "registered"})), "a2,a3,a4,a1/4");
  EXPECT_EQ(Find(Q().Statuses({"notice", "revoked"})), "a1,a5/2");
  EXPECT_EQ(Find(Q().Statuses({"withdrawn"})), "/0");
  EXPECT_EQ(Find(Q().Industry("I").Statuses({"registered", "notice"})), "a3,a1/2");
  EXPECT_EQ(Find(Q().Text("交通").Industry("I").Statuses({"registered"})), "a3/1");
  EXPECT_EQ(Find(Q().Text("交通").Holder("浙江")), "a1/1");
  EXPECT_EQ(Find(Q().Text("交通流量").Holder("北京交通")), "/0");
  EXPECT_EQ(Find(Q().Text("accident").Holder("交通大学")), "a3/1");
  EXPECT_EQ(Find(Q().Text("a").Statuses({"registered"}).Page(1, 1)), "a3/3");
  EXPECT_EQ(Find(Q().Holder("l").Statuses({"registered"})), "a2/1");
  auto page = store_->SearchListings(Q().Text("accident"));
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0], Listings()[2].item);  // byte for byte
}

TEST_P(ListingSearch, AReplacedListingIsFoundByItsNewTextOnlyAndARemovedOneNotAtAll) {
  Listing a1 = Listings()[0];
  a1.text = "新的说明 new words";
  a1.holders = "杭州新公司";
  a1.status = "registered";
  a1.item = R"({"id":"a1","v":2})";
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutListing(a1).ok());
    ASSERT_TRUE(tx->RemoveListing("a3").ok());
    ASSERT_TRUE(tx->RemoveListing("a9").ok());  // absent: nothing to do
    ASSERT_TRUE(tx->Commit().ok());
  }
  Reopen();
  EXPECT_EQ(FindText("交通流量"), "/0");
  EXPECT_EQ(FindText("交通"), "/0");
  EXPECT_EQ(FindText("city"), "/0");
  EXPECT_EQ(FindText("accident"), "/0");
  EXPECT_EQ(FindHolder("浙江某数据"), "/0");
  EXPECT_EQ(FindHolder("交通大学"), "/0");
  EXPECT_EQ(FindText("new words"), "a1/1");
  EXPECT_EQ(FindText("说明"), "a1/1");
  EXPECT_EQ(FindHolder("杭州新公司"), "a1/1");
  // A changed listing keeps its place in lists.
  EXPECT_EQ(Find(Q().Statuses({"registered"})), "a2,a4,a1/3");
  EXPECT_EQ(Find({}), "a2,a4,a1,a5/4");
  EXPECT_EQ(Find(Q().Industry("I")), "a1,a5/2");
  auto page = store_->SearchListings(Q().Page(2, 1));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items, std::vector<std::string>{a1.item});
  // Put back under the same id, it is found again (and only once), as the newest.
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->PutListing(Listings()[2]).ok());
  ASSERT_TRUE(tx->PutListing(Listings()[2]).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(FindText("交通"), "a3/1");
  EXPECT_EQ(FindText("accident"), "a3/1");
  EXPECT_EQ(Find({}), "a3,a2,a4,a1,a5/5");
  EXPECT_EQ(Find(Q().Statuses({"registered"})), "a3,a2,a4,a1/4");
}

// Enough rows that a backend may go through them differently (sort what its index finds, or
// walk the list newest first): the same pages and totals either way.
TEST_P(ListingSearch, ManyMatchesAreCountedAndPagedAlike) {
  constexpr int kMany = 2600;
  {
    auto tx = std::move(store_->BeginWrite()).value();
    for (const Listing& l : Listings()) ASSERT_TRUE(tx->RemoveListing(l.application_id).ok());
    for (int i = 0; i < kMany; ++i) {
      // Ids in no order; every third is registered; every fifth is in industry C and says
      // "Rare".
      std::string id = fmt::format("b{:04d}", (i * 7919) % kMany);
      std::string text = fmt::format("共同的词 common words {} {}", i, i % 5 == 0 ? "Rare" : "");
      ASSERT_TRUE(tx->PutListing(Make(id, i % 3 == 0 ? "registered" : "notice",
                                      i % 5 == 0 ? "C" : "I", fmt::format("holder {}", i % 7),
                                      text, i))
                      .ok());
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  // What each query should find, newest first (the last put first), from the rows as put.
  struct Row {
    int n;
    std::string id;
    bool registered, rare;
    int holder;
  };
  std::vector<Row> rows;
  for (int i = kMany - 1; i >= 0; --i) {
    rows.push_back({i, fmt::format("b{:04d}", (i * 7919) % kMany), i % 3 == 0, i % 5 == 0, i % 7});
  }
  // Text queries count up to the limit; filters alone exactly. (A small limit makes a backend
  // more likely to check the filters on each match's row than to make a set of them.)
  uint64_t cap = 0;  // the count limit of the queries, set below
  auto expect = [&](const std::function<bool(const Row&)>& match, size_t offset, size_t limit,
                    bool counted = true) {
    std::vector<std::string> ids;
    for (const Row& r : rows) {
      if (match(r)) ids.push_back(r.id);
    }
    std::string out;
    for (size_t i = offset; i < ids.size() && i < offset + limit; ++i) {
      out += (out.empty() ? "" : ",") + ids[i];
    }
    if (counted && ids.size() > cap) return out + "/" + std::to_string(cap) + "+";
    return out + "/" + std::to_string(ids.size());
  };
  auto find = [&](ListingQuery query) {
    query.count_limit = cap;
    auto page = store_->SearchListings(query);
    if (!page.ok()) return page.status().ToString();
    std::string out;
    for (const std::string& item : page->items) {
      out += (out.empty() ? "" : ",") + item.substr(7, 5);  // {"id":"b0123"
    }
    return out + "/" + std::to_string(page->total) + (page->total_exact ? "" : "+");
  };
  auto all = [](const Row&) { return true; };
  auto registered = [](const Row& r) { return r.registered; };
  auto rare = [](const Row& r) { return r.rare; };
  auto holder3 = [](const Row& r) { return r.holder == 3; };
  for (auto [offset, limit, count_limit] :
       {std::tuple<size_t, size_t, uint64_t>{0, 20, 700}, {1000, 25, 700}, {2590, 20, 700},
        {0, 20, 10}, {1000, 25, 10}}) {
    cap = count_limit;
    SCOPED_TRACE(fmt::format("offset {} limit {} count limit {}", offset, limit, count_limit));
    EXPECT_EQ(find(Q().Text("COMMON words").Page(offset, limit)), expect(all, offset, limit));
    EXPECT_EQ(find(Q().Text("共同").Page(offset, limit)), expect(all, offset, limit));
    EXPECT_EQ(find(Q().Text("common").Statuses({"registered"}).Page(offset, limit)),
              expect(registered, offset, limit));
    EXPECT_EQ(find(Q().Text("rare").Page(offset, limit)), expect(rare, offset, limit));
    EXPECT_EQ(find(Q().Text("common").Industry("C").Page(offset, limit)),
              expect(rare, offset, limit));
    EXPECT_EQ(find(Q().Text("words").Holder("holder 3").Page(offset, limit)),
              expect(holder3, offset, limit));
    EXPECT_EQ(find(Q().Text("words").Holder(" 3").Page(offset, limit)),
              expect(holder3, offset, limit));
    EXPECT_EQ(find(Q().Page(offset, limit)), expect(all, offset, limit, false));
    EXPECT_EQ(find(Q().Statuses({"registered"}).Page(offset, limit)),
              expect(registered, offset, limit, false));
    EXPECT_EQ(find(Q().Industry("C").Page(offset, limit)), expect(rare, offset, limit, false));
    EXPECT_EQ(find(Q().Industry("C").Statuses({"notice"}).Page(offset, limit)),
              expect([](const Row& r) { return r.rare && !r.registered; }, offset, limit, false));
  }
  // The items themselves, byte for byte.
  auto page = store_->SearchListings(Q().Text("common").Statuses({"registered"}).Page(7, 5));
  ASSERT_TRUE(page.ok());
  std::vector<std::string> want;
  for (const Row& r : rows) {
    if (r.registered) want.push_back(R"({"id":")" + r.id + R"(","n":)" + std::to_string(r.n) + "}");
  }
  ASSERT_EQ(page->items.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(page->items[i], want[7 + i]) << i;
}

TEST_P(ListingSearch, ARolledBackChangeLeavesTheSearchAsItWas) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    Listing a1 = Listings()[0];
    a1.text = "rolled back text";
    ASSERT_TRUE(tx->PutListing(a1).ok());
    ASSERT_TRUE(tx->RemoveListing("a2").ok());
    ASSERT_TRUE(tx->PutListing(Make("a6", "notice", "I", "h", "rolled back too", 9000)).ok());
  }
  EXPECT_EQ(FindText("rolled back"), "/0");
  EXPECT_EQ(FindText("交通流量"), "a1/1");
  EXPECT_EQ(FindText("Imaging"), "a2/1");
  EXPECT_EQ(Find({}), "a2,a3,a4,a1,a5/5");
}

// Queries of one and two characters are looked up in the term index (storage/grams.h), exactly:
// no row is read to confirm them.
TEST_P(ListingSearch, FindsOneAndTwoCharacterQueriesByTheirGrams) {
  EXPECT_EQ(FindText("交"), "a3,a1/2");
  EXPECT_EQ(FindText("统计"), "a3/1");
  EXPECT_EQ(FindText("计 "), "a3/1");  // a space counts like any character
  EXPECT_EQ(FindText("mR"), "a2/1");
  EXPECT_EQ(FindText("Mr"), "a2/1");
  EXPECT_EQ(FindText("\""), "a2/1");
  EXPECT_EQ(FindText("É"), "a5/1");
  EXPECT_EQ(FindText("é"), "a5/1");  // "électrique"
  EXPECT_EQ(FindText("éN"), "/0");
  EXPECT_EQ(FindText("ÉN"), "a5/1");
  EXPECT_EQ(FindText("Én"), "a5/1");
  EXPECT_EQ(FindText("w"), "/0");
  EXPECT_EQ(FindHolder("某"), "a1/1");
  EXPECT_EQ(FindHolder("Co"), "a4/1");
  EXPECT_EQ(FindHolder("aC"), "a2/1");
  EXPECT_EQ(FindHolder("0m"), "a1/1");  // "91330000MA27XXXX"
  EXPECT_EQ(FindHolder("交"), "a3/1");
  EXPECT_EQ(FindHolder("\n"), "a1/1");  // the line between a holder's name and identifier
  EXPECT_EQ(FindHolder("司\n"), "a1/1");
  EXPECT_EQ(FindHolder("\n9"), "a1/1");
  EXPECT_EQ(FindHolder("司9"), "/0");
  EXPECT_EQ(Find(Q().Text("交").Holder("京")), "a3/1");
  EXPECT_EQ(Find(Q().Text("交").Holder("浙").Statuses({"notice"})), "a1/1");
  EXPECT_EQ(Find(Q().Text("交").Statuses({"registered"})), "a3/1");
  EXPECT_EQ(Find(Q().Text("交").Statuses({"registered", "revoked", "notice"})), "a3,a1/2");
  EXPECT_EQ(Find(Q().Text("交").Industry("I").Page(1, 5)), "a1/2");
  EXPECT_EQ(Find(Q().Text("交").Industry("M")), "/0");
  EXPECT_EQ(Find(Q().Text("a").Statuses({"registered"}).Industry("M")), "a4/1");
  EXPECT_EQ(Find(Q().Holder("交").Text("accident")), "a3/1");  // a gram and trigrams
  EXPECT_EQ(Find(Q().Holder("交").Text("city")), "/0");
}

// A gram is two characters next to each other: the same two apart, or the other way round, or
// in the other column, are not it.
TEST_P(ListingSearch, AGramIsTwoAdjacentCharacters) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutListing(Make("b1", "notice", "I", "交通局", "交 通", 10)).ok());
    ASSERT_TRUE(tx->PutListing(Make("b2", "notice", "I", "h", "通交", 11)).ok());
    ASSERT_TRUE(tx->PutListing(Make("b3", "notice", "I", "h", "交\n通", 12)).ok());
    ASSERT_TRUE(tx->PutListing(Make("b4", "notice", "I", "h", "交通", 13)).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(Find(Q().Text("交通").Statuses({"notice"})), "b4,a1/2");
  EXPECT_EQ(Find(Q().Text("通交").Statuses({"notice"})), "b2/1");
  EXPECT_EQ(Find(Q().Text("交 ").Statuses({"notice"})), "b1/1");
  EXPECT_EQ(Find(Q().Text(" 通").Statuses({"notice"})), "b1/1");
  EXPECT_EQ(Find(Q().Text("交\n").Statuses({"notice"})), "b3/1");
  EXPECT_EQ(Find(Q().Holder("交通").Statuses({"notice"})), "b1/1");
  EXPECT_EQ(Find(Q().Text("交").Statuses({"notice"})), "b4,b3,b2,b1,a1/5");
}

// Upserts and removals keep the term index in step: the old text's grams, the old status and
// the old industry find the listing no more.
TEST_P(ListingSearch, ATermIndexChangeFollowsEveryChangeOfTheListing) {
  Listing a3 = Listings()[2];  // "交通事故统计 accident stats", 北京交通大学, registered, I
  auto put = [&](const Listing& l) {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutListing(l).ok());
    ASSERT_TRUE(tx->Commit().ok());
  };
  a3.status = "revoked";
  put(a3);
  EXPECT_EQ(Find(Q().Text("事故").Statuses({"registered"})), "/0");
  EXPECT_EQ(Find(Q().Text("事故").Statuses({"revoked"})), "a3/1");
  // Filters alone are counted by status and industry: the counts follow too.
  EXPECT_EQ(Find(Q().Statuses({"revoked"})), "a3,a5/2");
  EXPECT_EQ(Find(Q().Statuses({"registered"})), "a2,a4/2");
  a3.industry = "Q";
  put(a3);
  EXPECT_EQ(Find(Q().Text("事").Industry("I")), "/0");
  EXPECT_EQ(Find(Q().Text("事").Industry("Q")), "a3/1");
  EXPECT_EQ(Find(Q().Industry("Q")), "a2,a3/2");
  EXPECT_EQ(Find(Q().Industry("I")), "a1,a5/2");
  a3.text = "新文本 new";
  a3.holders = "上海";
  put(a3);
  for (const char* gone : {"事故", "事", "ac", "统计"}) EXPECT_EQ(FindText(gone), "/0") << gone;
  EXPECT_EQ(FindHolder("北京"), "/0");
  EXPECT_EQ(FindText("文本"), "a3/1");
  EXPECT_EQ(FindText("W"), "a3/1");
  EXPECT_EQ(FindHolder("上"), "a3/1");
  EXPECT_EQ(Find(Q().Text("新").Industry("Q").Statuses({"revoked"})), "a3/1");
  put(a3);  // the same again: nothing changes
  EXPECT_EQ(FindText("文本"), "a3/1");
  {
    // Put and removed in one transaction; and a listing added and changed in another.
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->RemoveListing("a3").ok());
    ASSERT_TRUE(tx->PutListing(Make("c1", "notice", "A", "乙", "甲", 1)).ok());
    ASSERT_TRUE(tx->PutListing(Make("c1", "notice", "A", "丁", "丙", 1)).ok());
    ASSERT_TRUE(tx->RemoveListing("c1").ok());
    ASSERT_TRUE(tx->PutListing(Make("c2", "notice", "A", "乙", "甲", 1)).ok());
    ASSERT_TRUE(tx->PutListing(Make("c2", "registered", "B", "丁", "丙", 1)).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(FindText("文本"), "/0");
  EXPECT_EQ(FindText("新"), "/0");
  EXPECT_EQ(FindHolder("上"), "/0");
  EXPECT_EQ(Find(Q().Industry("A")), "/0");
  EXPECT_EQ(Find(Q().Industry("B")), "c2/1");
  EXPECT_EQ(Find(Q().Statuses({"revoked"})), "a5/1");
  EXPECT_EQ(Find({}), "c2,a2,a4,a1,a5/5");
  EXPECT_EQ(FindText("甲"), "/0");
  EXPECT_EQ(FindHolder("乙"), "/0");
  EXPECT_EQ(FindText("丙"), "c2/1");
  EXPECT_EQ(Find(Q().Holder("丁").Industry("B").Statuses({"registered"})), "c2/1");
  EXPECT_EQ(Find(Q().Holder("丁").Industry("A")), "/0");
  EXPECT_EQ(Find(Q().Holder("丁").Statuses({"notice"})), "/0");
}

// Random listings over a small alphabet and random queries of 1 to 3 characters with random
// filters and pages, against the answer worked out here from the rows themselves: every way a
// backend may go through the rows must give exactly the same totals and pages. Then again after
// random changes.
TEST_P(ListingSearch, RandomQueriesFindWhatASubstringScanFinds) {
  const std::vector<std::string> alphabet = {"交", "通", "数", "据", "a", "A", "b",  "Z",
                                             " ", "\n", "é", "É", "%", "_", "\\", "z"};
  const std::vector<std::string> statuses = {"notice", "registered", "revoked"};
  std::mt19937 rng(20240611);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  auto random_text = [&](size_t max_chars) {
    std::string s;
    for (size_t i = rng() % (max_chars + 1); i > 0; --i) s += pick(alphabet);
    return s;
  };
  std::map<std::string, Listing> rows;  // what the store holds, by id
  std::map<std::string, int> places;     // and when each was first put (since last removed)
  int puts_so_far = 0;
  auto random_listing = [&](const std::string& id) {
    return Make(id, pick(statuses), std::string(1, static_cast<char>('A' + rng() % 3)),
                random_text(6) + "\n" + random_text(6), random_text(24),
                static_cast<int64_t>(rng() % 50));
  };
  auto change = [&](int puts, int removes) {
    auto tx = std::move(store_->BeginWrite()).value();
    for (int i = 0; i < puts; ++i) {
      std::string id = fmt::format("r{:03d}", rng() % 400);
      Listing l = random_listing(id);
      ASSERT_TRUE(tx->PutListing(l).ok());
      rows[id] = l;
      places.emplace(id, ++puts_so_far);
    }
    for (int i = 0; i < removes; ++i) {
      std::string id = fmt::format("r{:03d}", rng() % 400);
      ASSERT_TRUE(tx->RemoveListing(id).ok());
      rows.erase(id);
      places.erase(id);
    }
    ASSERT_TRUE(tx->Commit().ok());
  };
  {
    auto tx = std::move(store_->BeginWrite()).value();
    for (const Listing& l : Listings()) ASSERT_TRUE(tx->RemoveListing(l.application_id).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto check = [&](int queries) {
    for (int i = 0; i < queries; ++i) {
      ListingQuery q;
      int kind = static_cast<int>(rng() % 8);
      if (kind < 6) q.text = random_text(3);
      if (kind >= 4) q.holder = random_text(2);
      if (kind == 5) {  // trigrams and a gram together
        q.text.clear();
        for (int k = 0; k < 3; ++k) q.text += pick(alphabet);
      }
      if (rng() % 3 == 0) q.statuses = {pick(statuses)};
      if (rng() % 5 == 0) q.statuses.push_back(pick(statuses));
      if (rng() % 5 == 0) q.industry = std::string(1, static_cast<char>('A' + rng() % 3));
      q.offset = rng() % 3 == 0 ? rng() % 60 : 0;
      if (rng() % 10 == 0) q.offset = 300 + rng() % 200;  // beyond most totals
      q.limit = 1 + rng() % 25;
      const uint64_t limits[] = {0, 1, 3, 40, 1000, UINT64_MAX};
      q.count_limit = limits[rng() % 6];
      // What it should find: substrings of the ASCII-lower-cased columns, newest first.
      std::vector<const Listing*> want;
      auto has = [](const std::string& in, const std::string& s) {
        return FoldAsciiCase(in).find(FoldAsciiCase(s)) != std::string::npos;
      };
      for (const auto& [id, l] : rows) {
        if (has(l.text, q.text) && has(l.holders, q.holder) &&
            (q.industry.empty() || l.industry == q.industry) &&
            (q.statuses.empty() ||
             std::find(q.statuses.begin(), q.statuses.end(), l.status) != q.statuses.end())) {
          want.push_back(&l);
        }
      }
      std::sort(want.begin(), want.end(), [&](const Listing* a, const Listing* b) {
        return places[a->application_id] > places[b->application_id];
      });
      std::vector<std::string> want_items;
      for (size_t k = q.offset; k < want.size() && k < q.offset + q.limit; ++k) {
        want_items.push_back(want[k]->item);
      }
      auto page = store_->SearchListings(q);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      SCOPED_TRACE(fmt::format("text \"{}\" holder \"{}\" statuses {} industry {} page {}+{}",
                               q.text, q.holder, fmt::join(q.statuses, ","), q.industry, q.offset,
                               q.limit));
      SCOPED_TRACE(fmt::format("count limit {}", q.count_limit));
      bool counted = !q.text.empty() || !q.holder.empty();  // else counted exactly
      if (counted && want.size() > q.count_limit) {
        EXPECT_EQ(page->total, q.count_limit);
        EXPECT_FALSE(page->total_exact);
      } else {
        EXPECT_EQ(page->total, want.size());
        EXPECT_TRUE(page->total_exact);
      }
      EXPECT_EQ(page->items, want_items);
    }
  };
  auto settle = [&] {
    if (GetParam().settle) GetParam().settle(dir_);
  };
  change(300, 0);
  check(150);
  settle();
  check(150);
  change(150, 60);
  check(150);
  settle();
  check(150);
}

// --- schema version 5: the term index, filled for the listings already there ---

// Listings for a store of schema version 4, more than the backfill takes per batch.
std::vector<Listing> ListingsBeforeTheTermIndex() {
  std::vector<Listing> out;
  for (int i = 0; i < 1200; ++i) {
    std::string id = fmt::format("m{:04d}", i);
    out.push_back(Listing{id, "", i % 3 == 0 ? "registered" : "notice", i % 2 ? "I" : "C",
                          fmt::format("Holder {}\n{}", i % 7, i % 5 == 0 ? "杭州" : "北京"),
                          fmt::format("{} {}", i % 4 == 0 ? "交通" : "通信", i),
                          R"({"id":")" + id + R"("})"});
  }
  return out;
}

// SQL that puts them in a store of schema version 4, listed at times 0, 1, ...
std::string InsertBeforeTheTermIndex() {
  std::string sql;
  auto quote = [](const std::string& v) {
    std::string q = "'";
    for (char ch : v) q += ch == '\'' ? std::string("''") : std::string(1, ch);
    return q + "'";
  };
  // Two listed at each time (lists then went by application id); m0000 and m0001 have records
  // whose history says the log put them last (m0000 after m0001), whatever their times.
  int i = 0;
  for (const Listing& l : ListingsBeforeTheTermIndex()) {
    sql += fmt::format(
        "INSERT INTO listings(application_id, number, status, industry, holders, text, listed, "
        "item) VALUES({}, {}, {}, {}, {}, {}, {}, {});\n",
        quote(l.application_id), quote(l.number), quote(l.status), quote(l.industry),
        quote(l.holders), quote(l.text), i++ / 2, quote(l.item));
  }
  for (auto [id, accepted] : {std::pair{"m0000", 9000}, std::pair{"m0001", 8000}}) {
    std::string doc = fmt::format(
        R"({{"id":"{}","history":[{{"index":{},"type":"application.created"}},)"
        R"({{"index":{},"type":"application.examined","decision":"correct"}},)"
        R"({{"index":{},"type":"application.examined","decision":"accept"}},)"
        R"({{"index":{},"type":"registration.change_examined","decision":"accept"}}]}})",
        id, accepted - 20, accepted - 10, accepted, accepted + 5000);
    sql += fmt::format(
        "INSERT INTO records(kind, id, owner, parent, status, number, doc, version) "
        "VALUES('application', '{}', 'u1', '', 'registered', '', {}, {});\n",
        id, quote(doc), accepted + 5000);
  }
  return sql;
}

void PutAll(Store& store, const std::vector<Listing>& listings) {
  auto tx = std::move(store.BeginWrite()).value();
  for (const Listing& l : listings) ASSERT_TRUE(tx->PutListing(l).ok());
  ASSERT_TRUE(tx->Commit().ok());
}

// The short queries find what they should in the store, after it went through migration 5; and
// the backfilled terms are exactly the ones later writes take out again.
void ExpectTheTermIndexFilled(Store& store) {
  auto total = [&](ListingQuery q) {
    q.count_limit = 100000;
    auto page = store.SearchListings(q);
    return page.ok() ? page->total : 999999;
  };
  EXPECT_EQ(total(Q().Text("交通")), 300u);
  EXPECT_EQ(total(Q().Text("通")), 1200u);
  EXPECT_EQ(total(Q().Holder("杭")), 240u);
  EXPECT_EQ(total(Q().Holder("r 3")), 171u);
  EXPECT_EQ(total(Q().Holder("杭").Statuses({"registered"})), 80u);
  EXPECT_EQ(total(Q().Text("交").Industry("C")), 300u);
  // Counted by status and industry, and listed in the order the log put them: those whose
  // history says so by it (m0000 last), the others as lists had them (the latest first, then by
  // application id).
  EXPECT_EQ(total(Q().Statuses({"registered"})), 400u);
  EXPECT_EQ(total(Q().Statuses({"notice"}).Industry("I")), 400u);
  auto first = store.SearchListings(Q().Page(0, 5));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->items,
            (std::vector<std::string>{R"({"id":"m0000"})", R"({"id":"m0001"})",
                                      R"({"id":"m1198"})", R"({"id":"m1199"})",
                                      R"({"id":"m1196"})"}));
  std::vector<Listing> changed = ListingsBeforeTheTermIndex();
  changed.resize(100);
  for (Listing& l : changed) l.text = "新";
  PutAll(store, changed);
  {
    auto tx = std::move(store.BeginWrite()).value();
    for (int i = 100; i < 200; ++i) ASSERT_TRUE(tx->RemoveListing(fmt::format("m{:04d}", i)).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(total(Q().Text("交通")), 250u);
  EXPECT_EQ(total(Q().Text("通")), 1000u);
  EXPECT_EQ(total(Q().Text("新")), 100u);
  EXPECT_EQ(total(Q().Holder("杭")), 220u);
  EXPECT_EQ(total(Q().Statuses({"registered"})), 367u);  // 33 of the removed were registered
  // A changed listing kept its place.
  auto ends = store.SearchListings(Q().Page(0, 1));
  ASSERT_TRUE(ends.ok());
  EXPECT_EQ(ends->items, std::vector<std::string>{R"({"id":"m0000"})"});
  ends = store.SearchListings(Q().Page(1098, 5));
  ASSERT_TRUE(ends.ok());
  EXPECT_EQ(ends->items, (std::vector<std::string>{R"({"id":"m0002"})", R"({"id":"m0003"})"}));
}

std::unique_ptr<Store> OpenSqliteForTest(const std::string& dir) {
  auto s = OpenSqliteStore(dir + "/dipr.db");
  if (!s.ok()) {
    ADD_FAILURE() << s.status().ToString();
    return nullptr;
  }
  return std::move(s).value();
}

std::unique_ptr<Store> OpenPostgresForTest(const std::string& dir) {
  auto conninfo = PostgresServer::Get().Database(dir);
  if (!conninfo.ok()) {
    ADD_FAILURE() << "no PostgreSQL server for the tests: " << conninfo.status().ToString();
    return nullptr;
  }
  auto s = OpenPostgresStore(*conninfo);
  if (!s.ok()) {
    ADD_FAILURE() << s.status().ToString();
    return nullptr;
  }
  return std::move(s).value();
}

// A StoreWrapper (and WriteTxWrapper) that owns the store it forwards to: run over SQLite, the
// suite checks that the wrappers forward every call.
class OwningWrapper final : public StoreWrapper {
 public:
  explicit OwningWrapper(std::unique_ptr<Store> base) : StoreWrapper(*base), owned_(std::move(base)) {}
  Result<std::unique_ptr<WriteTx>> BeginWrite() override {
    ASSIGN_OR_RETURN(auto tx, StoreWrapper::BeginWrite());
    return std::unique_ptr<WriteTx>(std::make_unique<WriteTxWrapper>(std::move(tx)));
  }

 private:
  std::unique_ptr<Store> owned_;
};

std::unique_ptr<Store> OpenWrappedSqliteForTest(const std::string& dir) {
  auto s = OpenSqliteForTest(dir);
  if (s == nullptr) return nullptr;
  return std::make_unique<OwningWrapper>(std::move(s));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance,
                         ::testing::Values(Backend{"sqlite", OpenSqliteForTest, nullptr},
                                           Backend{"wrapped_sqlite", OpenWrappedSqliteForTest,
                                                   nullptr},
                                           Backend{"postgres", OpenPostgresForTest,
                                                   [](const std::string& dir) {
                                                     PostgresServer::Get().Drop(dir);
                                                   }}),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Backends, ListingSearch,
                         ::testing::Values(Backend{"sqlite", OpenSqliteForTest, nullptr},
                                           Backend{"postgres", OpenPostgresForTest,
                                                   [](const std::string& dir) {
                                                     PostgresServer::Get().Drop(dir);
                                                   },
                                                   [](const std::string& dir) {
                                                     auto c = PostgresServer::Get().Database(dir);
                                                     ASSERT_TRUE(c.ok());
                                                     ASSERT_TRUE(RunSql(*c, "VACUUM ANALYZE").ok());
                                                   }}),
                         [](const auto& info) { return info.param.name; });

// --- PostgreSQL only: what the shared suite cannot express ---

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ =
        std::string("pg-only-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    auto c = PostgresServer::Get().Database(key_);
    ASSERT_TRUE(c.ok()) << "no PostgreSQL server for the tests: " << c.status().ToString();
    conninfo_ = *c;
  }
  void TearDown() override { PostgresServer::Get().Drop(key_); }

  // Ends every server session of the test's database but the one asking.
  void KillSessions() {
    auto killed = RunSql(conninfo_,
                         "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    ASSERT_TRUE(killed.ok()) << killed.status().ToString();
    // pg_terminate_backend only signals; wait until the sessions are gone.
    for (int i = 0; i < 100; ++i) {
      auto left = RunSql(conninfo_,
                         "SELECT count(*) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid()");
      if (left.ok() && *left == "0") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL() << "sessions did not end";
  }

  std::string key_;
  std::string conninfo_;
};

TEST_F(PostgresStoreTest, NodesStartingTogetherMigrateOnce) {
  std::vector<std::thread> nodes;
  std::vector<Status> results(8);
  for (size_t i = 0; i < results.size(); ++i) {
    nodes.emplace_back([&, i] { results[i] = OpenPostgresStore(conninfo_).status(); });
  }
  for (auto& n : nodes) n.join();
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.ToString();
  // Each migration ran exactly once: as many rows as the highest version.
  auto count = RunSql(conninfo_, "SELECT count(*) FROM schema_migrations");
  auto max = RunSql(conninfo_, "SELECT max(version) FROM schema_migrations");
  ASSERT_TRUE(count.ok() && max.ok());
  EXPECT_EQ(*count, *max);
  EXPECT_GE(std::stoi(*max), 4);
}

TEST_F(PostgresStoreTest, RefusesASchemaNewerThanItself) {
  ASSERT_TRUE(OpenPostgresStore(conninfo_).ok());
  ASSERT_TRUE(RunSql(conninfo_, "INSERT INTO schema_migrations VALUES (99, 0)").ok());
  auto s = OpenPostgresStore(conninfo_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("newer than this dipr"), std::string::npos)
      << s.status().ToString();
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsUnavailable) {
  auto s = OpenPostgresStore("postgres://postgres@127.0.0.1:1/dipr?connect_timeout=2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kUnavailable) << s.status().ToString();
}

TEST_F(PostgresStoreTest, ReadsAndWritesGoOnAfterTheServerDropsEveryConnection) {
  auto store = std::move(OpenPostgresStore(conninfo_)).value();
  {
    auto tx = std::move(store->BeginWrite()).value();
    ASSERT_TRUE(tx->AppendEntry(0, "x").ok());
    ASSERT_TRUE(tx->PutTile(0, 0, "t").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  // Fill the pool with several connections, then have the server end all of them.
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) readers.emplace_back([&] { (void)store->ReadTile(0, 0); });
  for (auto& r : readers) r.join();
  KillSessions();
  for (int i = 0; i < 8; ++i) {
    auto tile = store->ReadTile(0, 0);
    ASSERT_TRUE(tile.ok()) << i << ": " << tile.status().ToString();
    EXPECT_EQ(*tile, "t");
  }
  auto tx = store->BeginWrite();
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  ASSERT_TRUE((*tx)->AppendEntry(1, "y").ok());
  ASSERT_TRUE((*tx)->Commit().ok());
  EXPECT_EQ(*store->EntryCount(), 2u);
}

TEST_F(PostgresStoreTest, AWriterLosingItsConnectionFailsAndTheNextOneWorks) {
  auto store = std::move(OpenPostgresStore(conninfo_)).value();
  {
    auto tx = std::move(store->BeginWrite()).value();
    ASSERT_TRUE(tx->AppendEntry(0, "x").ok());
    KillSessions();
    Status st = tx->InsertDeposit(DepositRecord{1, "u1", std::string(64, 'a'), 1, "t", Time()});
    EXPECT_EQ(st.code(), Code::kUnavailable) << st.ToString();
    EXPECT_FALSE(tx->AppendEntry(1, "y").ok());  // the transaction stays failed
    EXPECT_EQ(tx->Commit().code(), Code::kUnavailable);
  }
  EXPECT_EQ(*store->EntryCount(), 0u);
  auto tx = store->BeginWrite();
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  ASSERT_TRUE((*tx)->AppendEntry(0, "z").ok());
  ASSERT_TRUE((*tx)->Commit().ok());
  EXPECT_EQ((*store->ReadEntries(0, 1))[0], "z");
}

// Connections (the writer's and the readers') live across transactions and reads: reconnecting
// and re-preparing every time would cost more than the work itself.
TEST_F(PostgresStoreTest, ConnectionsAreReusedAndThePoolIsBounded) {
  PostgresStoreOptions options;
  options.max_readers = 2;
  auto store = std::move(OpenPostgresStore(conninfo_, options)).value();
  auto sessions = [&] {
    auto pids = RunSql(conninfo_,
                       "SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    return pids.ok() ? *pids : pids.status().ToString();
  };
  auto work = [&](uint64_t first) {
    for (uint64_t i = first; i < first + 10; ++i) {
      auto tx = std::move(store->BeginWrite()).value();
      ASSERT_TRUE(tx->AppendEntry(i, "e").ok());
      ASSERT_TRUE(tx->Commit().ok());
    }
    std::vector<std::thread> readers;
    std::atomic<int> ok{0};
    for (int t = 0; t < 8; ++t) {
      readers.emplace_back([&] {
        for (int i = 0; i < 20; ++i) ok += store->ReadEntries(0, first + 10).ok() ? 1 : 0;
      });
    }
    for (auto& r : readers) r.join();
    EXPECT_EQ(ok.load(), 160);
  };
  work(0);
  std::string before = sessions();
  // One writer and at most two readers, however many threads read.
  EXPECT_LE(std::count(before.begin(), before.end(), ',') + 1, 3) << before;
  work(10);
  EXPECT_EQ(sessions(), before);
}

TEST_F(PostgresStoreTest, TheUnpipelinedWriterBehavesTheSame) {
  PostgresStoreOptions options;
  options.pipeline_writes = false;
  auto store = std::move(OpenPostgresStore(conninfo_, options)).value();
  auto tx = std::move(store->BeginWrite()).value();
  ASSERT_TRUE(tx->AppendEntry(0, "a").ok());
  ASSERT_TRUE(tx->InsertDeposit(DepositRecord{0, "u1", std::string(64, 'a'), 1, "t", Time()}).ok());
  EXPECT_EQ(tx->InsertDeposit(DepositRecord{1, "u1", std::string(64, 'a'), 1, "t", Time()}).code(),
            Code::kConflict);
  ASSERT_TRUE(tx->PutTile(0, 0, "tile").ok());
  ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a1", "u1", 0)).ok());
  EXPECT_TRUE(tx->GetRecord("application", "a1")->has_value());
  ASSERT_TRUE(tx->ClaimNumber("DJ-1", "a1").ok());
  EXPECT_EQ(tx->ClaimNumber("DJ-1", "a2").code(), Code::kConflict);
  ASSERT_TRUE(tx->PutTreeHead({1, crypto::Sha256Of("r"), "n"}).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(*store->EntryCount(), 1u);
  EXPECT_EQ(*store->ReadTile(0, 0), "tile");
  EXPECT_EQ(*store->MaxNumber("DJ-"), "DJ-1");
}

// The search's LIKE expressions are the ones the trigram indexes were built on (else every
// search reads the whole table), and the server splits Chinese text into trigrams, which
// takes a UTF-8 LC_CTYPE (scripts/pg.sh; docs/DEPLOY.md).
TEST_F(PostgresStoreTest, TheTrigramIndexesServeTheSearch) {
  ASSERT_TRUE(OpenPostgresStore(conninfo_).ok());
  for (const char* column : {"text", "holders"}) {
    auto plan = RunSql(conninfo_, fmt::format("SET enable_seqscan = off; EXPLAIN (FORMAT JSON) "
                                              "SELECT count(*) FROM listings WHERE "
                                              "lower({} COLLATE \"C\") LIKE '%交通流量%'",
                                              column));
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_NE(plan->find(fmt::format("listings_{}_trgm", column)), std::string::npos) << *plan;
  }
  EXPECT_EQ(*RunSql(conninfo_, "SELECT array_length(show_trgm('交通流量'), 1)"), "5")
      << "LC_CTYPE " << *RunSql(conninfo_, "SHOW lc_ctype")
      << " drops Chinese characters from trigrams";
}

TEST_F(PostgresStoreTest, MigrationsFiveAndSixIndexCountAndOrderTheListingsAlreadyThere) {
  ASSERT_TRUE(MigratePostgresSchema(conninfo_, 4).ok());
  auto inserted = RunSql(conninfo_, InsertBeforeTheTermIndex() + "SELECT count(*) FROM listings");
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  auto store = OpenPostgresStore(conninfo_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*RunSql(conninfo_, "SELECT count(*) FROM listings_terms"), "1200");
  ExpectTheTermIndexFilled(**store);
}

// Schema version 6 takes the status out of the terms of listings already there, and puts it (and
// the rid) beside them.
TEST_F(PostgresStoreTest, MigrationSixMovesTheStatusOutOfTheTerms) {
  ASSERT_TRUE(MigratePostgresSchema(conninfo_, 5).ok());
  auto put = RunSql(conninfo_,
                    "INSERT INTO listings(application_id, number, status, industry, holders, "
                    "text, listed, item) VALUES ('a1', '', 'in_notice', 'I', 'h', '交通', 1, "
                    "'{\"id\":\"a1\"}'), ('a2', 'N2', 'registered', 'I', 'h', '交通', 2, "
                    "'{\"id\":\"a2\"}');"
                    "INSERT INTO listings_terms(application_id, terms) VALUES "
                    "('a1', '{t交,t交通,t通,h h,sin_notice,iI}'), "
                    "('a2', '{t交,t交通,t通,h h,sregistered,iI}');"
                    "SELECT count(*) FROM listings_terms");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  auto store = OpenPostgresStore(conninfo_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*RunSql(conninfo_, "SELECT string_agg(application_id || ' ' || rid || ' ' || status || "
                               "' ' || array_to_string(terms, ','), '; ' ORDER BY rid) "
                               "FROM listings_terms"),
            "a1 1 in_notice t交,t交通,t通,h h,iI; a2 2 registered t交,t交通,t通,h h,iI");
  auto page = (*store)->SearchListings(Q().Text("交通").Statuses({"registered"}));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items, std::vector<std::string>{R"({"id":"a2"})"});
  // A status change reaches the terms' row.
  {
    auto tx = std::move((*store)->BeginWrite()).value();
    ASSERT_TRUE(tx->PutListing(Listing{"a1", "N1", "registered", "I", "h", "交通",
                                       R"({"id":"a1"})"})
                    .ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  page = (*store)->SearchListings(Q().Text("交通").Statuses({"registered"}));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items, (std::vector<std::string>{R"({"id":"a2"})", R"({"id":"a1"})"}));
  EXPECT_EQ(*RunSql(conninfo_, "SELECT status FROM listings_terms WHERE application_id = 'a1'"),
            "registered");
}

// Counting what a term finds reads the GIN index (and the small rows of listings_terms), never
// the terms themselves.
TEST_F(PostgresStoreTest, TheTermIndexServesShortSearches) {
  ASSERT_TRUE(OpenPostgresStore(conninfo_).ok());
  auto plan = RunSql(conninfo_, "SET enable_seqscan = off; EXPLAIN (FORMAT JSON) "
                                "SELECT count(*) FROM (SELECT 1 FROM listings_terms "
                                "WHERE terms @> '{t交通,iI}' AND status IN ('registered', "
                                "'revoked') LIMIT 1001) found");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_NE(plan->find("listings_terms_gin"), std::string::npos) << *plan;
}

// --- SQLite only ---

// The full-text index holds the listings' trigrams apart from their text (external content):
// after upserts, removals and a rollback it must still match the rows exactly.
TEST(SqliteStoreTest, TheFullTextIndexStaysInStepWithTheListings) {
  auto dir = std::filesystem::temp_directory_path() /
             ("dipr-store-" + std::to_string(::getpid()) + "-fts");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = (dir / "dipr.db").string();
  {
    auto store = std::move(OpenSqliteStore(path)).value();
    auto listing = [](int id, std::string text) {
      return Listing{"a" + std::to_string(id), "", "notice", "I", "holder " + std::to_string(id),
                     std::move(text), "{}"};
    };
    for (int round = 0; round < 3; ++round) {
      auto tx = std::move(store->BeginWrite()).value();
      for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(tx->PutListing(listing(i, fmt::format("交通 {} round {}", i, round))).ok());
      }
      for (int i = round; i < 50; i += 7) {
        ASSERT_TRUE(tx->RemoveListing("a" + std::to_string(i)).ok());
      }
      if (round == 1) continue;  // rolled back
      ASSERT_TRUE(tx->Commit().ok());
    }
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc =
      sqlite3_exec(db, "INSERT INTO listings_fts(listings_fts, rank) VALUES('integrity-check', 1)",
                   nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  // The term index has no content to compare with (its structure is checked); the search tests
  // compare what it finds with the rows.
  rc = sqlite3_exec(db, "INSERT INTO listings_terms(listings_terms) VALUES('integrity-check')",
                    nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
  std::filesystem::remove_all(dir);
}
TEST(SqliteStoreTest, MigrationsFiveAndSixIndexCountAndOrderTheListingsAlreadyThere) {
  auto dir = std::filesystem::temp_directory_path() /
             ("dipr-store-" + std::to_string(::getpid()) + "-migration5");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = (dir / "dipr.db").string();
  ASSERT_TRUE(MigrateSqliteSchema(path, 4).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  // In an order other than listed, so that the rows' rids are not the list order.
  std::string sql = InsertBeforeTheTermIndex();
  std::vector<std::string> statements;
  for (size_t at = 0, end; (end = sql.find(");\n", at)) != std::string::npos; at = end + 3) {
    statements.push_back(sql.substr(at, end + 2 - at));
  }
  std::reverse(statements.begin(), statements.end());
  for (const std::string& st : statements) {
    ASSERT_EQ(sqlite3_exec(db, st.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << st;
  }
  sqlite3_close(db);
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ExpectTheTermIndexFilled(**store);
  }
  std::filesystem::remove_all(dir);
}

// Schema version 8 (disabled accounts, token expiries) keeps each account's one token and makes
// it its creation's sidecar, which a migration reads to replay the account's tokens.
TEST(SqliteStoreTest, MigrationEightKeepsTheTokensAndMakesThemSidecars) {
  auto dir = std::filesystem::temp_directory_path() /
             ("dipr-store-" + std::to_string(::getpid()) + "-migration8");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = (dir / "dipr.db").string();
  ASSERT_TRUE(MigrateSqliteSchema(path, 7).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string sql = "INSERT INTO accounts VALUES('u1', 'n', 'holder', 1, 4);"
                    "INSERT INTO credentials VALUES(x'" + std::string(64, 'a') + "', 'u1');";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto a = *(*store)->AccountById("u1");
    ASSERT_TRUE(a.has_value());
    EXPECT_FALSE(a->disabled);
    auto creds = *(*store)->CredentialsOf("u1");
    ASSERT_EQ(creds.size(), 1u);
    EXPECT_FALSE(creds[0].expires.has_value());
    EXPECT_EQ(**(*store)->SidecarOf(4), std::string(crypto::HashChars(creds[0].token_hash)));
  }
  std::filesystem::remove_all(dir);
}

TEST_F(PostgresStoreTest, MigrationEightKeepsTheTokensAndMakesThemSidecars) {
  ASSERT_TRUE(MigratePostgresSchema(conninfo_, 7).ok());
  auto put = RunSql(conninfo_,
                    "INSERT INTO accounts(created, log_index, id, name, role) "
                    "VALUES (1, 4, 'u1', 'n', 'holder');"
                    "INSERT INTO credentials VALUES ('\\x" + std::string(64, 'a') +
                        "', 'u1'); SELECT 1");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  auto store = OpenPostgresStore(conninfo_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_FALSE((*(*store)->AccountById("u1"))->disabled);
  auto creds = *(*store)->CredentialsOf("u1");
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(**(*store)->SidecarOf(4), std::string(crypto::HashChars(creds[0].token_hash)));
}


// --- the term index's grams ---

TEST(ShortGrams, AreTheDistinctOneAndTwoCharacterSubstringsSorted) {
  EXPECT_EQ(ShortGrams(""), std::vector<std::string>{});
  EXPECT_EQ(ShortGrams("a"), std::vector<std::string>{"a"});
  EXPECT_EQ(ShortGrams("abab"), (std::vector<std::string>{"a", "ab", "b", "ba"}));
  EXPECT_EQ(ShortGrams("交通a"), (std::vector<std::string>{"a", "交", "交通", "通", "通a"}));
  EXPECT_EQ(ShortGrams("x\ny"), (std::vector<std::string>{"\n", "\ny", "x", "x\n", "y"}));
  EXPECT_EQ(ShortGrams("é𝄞"), (std::vector<std::string>{"é", "é𝄞", "𝄞"}));
  EXPECT_EQ(FoldAsciiCase("AbÉÀ-Z"), "abÉÀ-z");
  EXPECT_TRUE(IsGramQuery("交"));
  EXPECT_TRUE(IsGramQuery("交通"));
  EXPECT_TRUE(IsGramQuery("ab"));
  EXPECT_FALSE(IsGramQuery("abc"));
  EXPECT_FALSE(IsGramQuery("交通流"));
  EXPECT_FALSE(IsGramQuery(""));
  EXPECT_FALSE(IsGramQuery("\xff"));
}

TEST(ShortGrams, AListingsTermsAreTaggedByWhatTheyComeFrom) {
  Listing l;
  l.text = "Ab";
  l.holders = "交";
  l.status = "registered";
  l.industry = "I";
  EXPECT_EQ(ListingTerms(l), (std::vector<std::string>{"ta", "tab", "tb", "h交", "iI"}));
}


// --- issue 11: tree heads gaining signatures, and followers (log/follower.h) ---

class Cosigning : public StoreConformance {
 protected:
  // A checkpoint of size 1 signed by the log, put as the latest head.
  void SetUp() override {
    StoreConformance::SetUp();
    body_ = "example.com/log\n1\n" + std::string(44, 'A') + "\n";
    note_ = crypto::SignNote(body_, log_);
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->AppendEntry(0, "e").ok());
    ASSERT_TRUE(tx->PutTreeHead({1, H("r1"), note_}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  Status Add(uint64_t size, const std::string& checkpoint) {
    auto tx = std::move(store_->BeginWrite()).value();
    Status st = tx->AddTreeHeadSignatures(size, checkpoint);
    if (st.ok()) st = tx->Commit();
    return st;
  }
  std::string Stored() { return (*store_->LatestTreeHead())->checkpoint; }

  crypto::NoteSigner log_{"example.com/log", crypto::Ed25519PrivateKey::Generate()};
  crypto::NoteSigner witness_{"witness.example", crypto::Ed25519PrivateKey::Generate()};
  crypto::NoteSigner other_{"other.example", crypto::Ed25519PrivateKey::Generate()};
  std::string body_, note_;
};

TEST_P(Cosigning, ATreeHeadGainsSignaturesAndKeepsThemAcrossReopen) {
  std::string cosigned = note_ + witness_.SignatureLine(body_);
  ASSERT_TRUE(Add(1, cosigned).ok());
  EXPECT_EQ(Stored(), cosigned);
  // Another one later, in any order of lines, as long as the stored ones stay.
  std::string twice = body_ + "\n" + other_.SignatureLine(body_) +
                      cosigned.substr(body_.size() + 1);
  ASSERT_TRUE(Add(1, twice).ok());
  Reopen();
  auto head = *store_->LatestTreeHead();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->checkpoint, twice);
  EXPECT_EQ(head->size, 1u);
  EXPECT_EQ(head->root, H("r1"));
  EXPECT_TRUE(crypto::OpenNote(head->checkpoint, log_.verifier()).ok());
  EXPECT_TRUE(crypto::OpenNote(head->checkpoint, witness_.verifier()).ok());
}

TEST_P(Cosigning, ANoteThatDoesNotExtendTheStoredOneIsRefusedAndChangesNothing) {
  std::string other_body = "example.com/log\n1\n" + std::string(44, 'B') + "\n";
  // Another text (another tree of the same size): Conflict.
  EXPECT_EQ(Add(1, crypto::SignNote(other_body, log_) + witness_.SignatureLine(other_body)).code(),
            Code::kConflict);
  // The stored signature dropped: Conflict.
  EXPECT_EQ(Add(1, crypto::SignNote(body_, witness_)).code(), Code::kConflict);
  // The same text with a trailing byte more: Conflict.
  EXPECT_EQ(Add(1, body_ + "x\n\n" + log_.SignatureLine(body_)).code(), Code::kConflict);
  // Not a signed note at all: InvalidArgument.
  EXPECT_EQ(Add(1, "not a note").code(), Code::kInvalidArgument);
  EXPECT_EQ(Add(1, body_ + "\n").code(), Code::kInvalidArgument);
  // No head of that size: NotFound.
  EXPECT_EQ(Add(2, note_ + witness_.SignatureLine(body_)).code(), Code::kNotFound);
  EXPECT_EQ(Stored(), note_);
  // The same note again changes nothing and is fine.
  EXPECT_TRUE(Add(1, note_).ok());
  EXPECT_EQ(Stored(), note_);
}

TEST_P(Cosigning, ARefusedCosignatureLeavesTheTransactionUsable) {
  auto tx = std::move(store_->BeginWrite()).value();
  EXPECT_EQ(tx->AddTreeHeadSignatures(1, crypto::SignNote(body_, witness_)).code(),
            Code::kConflict);
  ASSERT_TRUE(tx->AppendEntry(1, "f").ok());
  ASSERT_TRUE(tx->AddTreeHeadSignatures(1, note_ + witness_.SignatureLine(body_)).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(*store_->EntryCount(), 2u);
  EXPECT_EQ(Stored(), note_ + witness_.SignatureLine(body_));
}

TEST_P(Cosigning, AnUncommittedCosignatureLeavesNothing) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->AddTreeHeadSignatures(1, note_ + witness_.SignatureLine(body_)).ok());
  }
  EXPECT_EQ(Stored(), note_);
}

TEST_P(StoreConformance, AFollowersCursorAndCountersCommitTogether) {
  EXPECT_EQ(*store_->FollowerCursor("stats"), 0u);
  {
    auto tx = std::move(store_->BeginFollower("stats", 0)).value();
    ASSERT_TRUE(tx->AddToCounter("stats/a", 2).ok());
    ASSERT_TRUE(tx->AddToCounter("stats/a", 3).ok());
    ASSERT_TRUE(tx->SetCounter("stats/b", -7).ok());
    EXPECT_EQ(*tx->Counter("stats/a"), 5);  // its own writes
    EXPECT_EQ(*tx->Counter("stats/none"), 0);
    ASSERT_TRUE(tx->Commit(10).ok());
  }
  EXPECT_EQ(*store_->FollowerCursor("stats"), 10u);
  EXPECT_EQ(*store_->FollowerCursor("other"), 0u);  // cursors are per follower
  {
    auto tx = std::move(store_->BeginFollower("stats", 10)).value();
    ASSERT_TRUE(tx->AddToCounter("stats/a", 1).ok());
    ASSERT_TRUE(tx->AddToCounter("statt", 1).ok());  // past the prefix "stats/"
    ASSERT_TRUE(tx->SetCounter("stats/b", 4).ok());
    ASSERT_TRUE(tx->Commit(12).ok());
  }
  Reopen();
  EXPECT_EQ(*store_->FollowerCursor("stats"), 12u);
  using Counts = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(*store_->Counters("stats/"), (Counts{{"stats/a", 6}, {"stats/b", 4}}));
  EXPECT_EQ(*store_->Counters(""), (Counts{{"stats/a", 6}, {"stats/b", 4}, {"statt", 1}}));
  EXPECT_EQ(*store_->Counters("x"), Counts{});
}

TEST_P(StoreConformance, AnUncommittedOrStaleFollowerTransactionLeavesNothing) {
  {
    auto tx = std::move(store_->BeginFollower("stats", 0)).value();
    ASSERT_TRUE(tx->AddToCounter("stats/a", 1).ok());
  }  // destroyed without Commit
  EXPECT_EQ(*store_->FollowerCursor("stats"), 0u);
  EXPECT_TRUE(store_->Counters("stats/")->empty());
  // A runner that read the cursor before another moved it is refused at once.
  {
    auto tx = std::move(store_->BeginFollower("stats", 0)).value();
    ASSERT_TRUE(tx->Commit(3).ok());
  }
  EXPECT_EQ(store_->BeginFollower("stats", 0).status().code(), Code::kConflict);
  EXPECT_EQ(store_->BeginFollower("stats", 5).status().code(), Code::kConflict);
  // And the store goes on: the log's writer and the follower both.
  auto w = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(w->AppendEntry(0, "e").ok());
  ASSERT_TRUE(w->Commit().ok());
  auto tx = store_->BeginFollower("stats", 3);
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  ASSERT_TRUE((*tx)->AddToCounter("stats/a", 1).ok());
  ASSERT_TRUE((*tx)->Commit(4).ok());
  EXPECT_EQ(*store_->Counters("stats/"),
            (std::vector<std::pair<std::string, int64_t>>{{"stats/a", 1}}));
}

// Two runners of one follower (two nodes on one database): the second waits for the first's
// transaction, then finds the cursor moved; an entry is never counted twice.
TEST_P(StoreConformance, TwoRunnersOfOneFollowerApplyEachRunOnce) {
  std::unique_ptr<Store> second = GetParam().name == "sqlite" ? nullptr : GetParam().open(dir_);
  Store& other = second ? *second : *store_;  // SQLite: one process per file
  constexpr int kRuns = 40;
  auto run = [&](Store& s) {
    for (int done = 0; done < kRuns;) {
      uint64_t from = *s.FollowerCursor("stats");
      if (from >= kRuns) return;
      auto tx = s.BeginFollower("stats", from);
      if (!tx.ok()) {
        ASSERT_EQ(tx.status().code(), Code::kConflict) << tx.status().ToString();
        continue;  // the other one was first: read the cursor again
      }
      ASSERT_TRUE((*tx)->AddToCounter("stats/n", 1).ok());
      Status st = (*tx)->Commit(from + 1);
      ASSERT_TRUE(st.ok() || st.code() == Code::kConflict) << st.ToString();
      ++done;
    }
  };
  std::thread a([&] { run(*store_); });
  std::thread b([&] { run(other); });
  a.join();
  b.join();
  EXPECT_EQ(*store_->FollowerCursor("stats"), uint64_t{kRuns});
  EXPECT_EQ(*store_->Counters("stats/"),
            (std::vector<std::pair<std::string, int64_t>>{{"stats/n", kRuns}}));
}

INSTANTIATE_TEST_SUITE_P(Backends, Cosigning,
                         ::testing::Values(Backend{"sqlite", OpenSqliteForTest, nullptr},
                                           Backend{"postgres", OpenPostgresForTest,
                                                   [](const std::string& dir) {
                                                     PostgresServer::Get().Drop(dir);
                                                   }}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace dipr::storage
