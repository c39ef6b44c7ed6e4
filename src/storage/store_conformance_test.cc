// The storage conformance suite: what every backend must do, run over each of them.
//
// PostgreSQL: the server is DIPR_TEST_PG_URI when set (a libpq URI whose user may create
// databases), else one this process starts with scripts/pg.sh in a temporary directory on first
// use and stops at exit (tests/pg_testing.h). Each test gets a database of its own, dropped
// afterwards. A server that cannot be had fails the PostgreSQL tests; it never skips them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "crypto/sha256.h"
#include "pg_testing.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/store.h"

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
  EXPECT_EQ(**store_->TokenHashOf("u1"), H("token-1"));
  EXPECT_FALSE(store_->TokenHashOf("u9")->has_value());
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

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance,
                         ::testing::Values(Backend{"sqlite", OpenSqliteForTest, nullptr},
                                           Backend{"postgres", OpenPostgresForTest,
                                                   [](const std::string& dir) {
                                                     PostgresServer::Get().Drop(dir);
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
  EXPECT_EQ(*RunSql(conninfo_, "SELECT count(*) FROM schema_migrations"), "2");
  EXPECT_EQ(*RunSql(conninfo_, "SELECT max(version) FROM schema_migrations"), "2");
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
  ASSERT_TRUE(tx->PutTreeHead({1, crypto::Sha256Of("r"), "n"}).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(*store->EntryCount(), 1u);
  EXPECT_EQ(*store->ReadTile(0, 0), "tile");
}

}  // namespace
}  // namespace dipr::storage
