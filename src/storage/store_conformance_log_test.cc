// LogStore's conformance suite, run over every backend (store_conformance.h): entries, tiles and
// tree heads (and their signatures), write transactions, the queue and its results, signals, the
// lease, and the followers' cursors and counters.
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

// What LogStore and the log's half of WriteTx promise.
class LogStoreConformance : public StoreConformance {};

TEST_P(LogStoreConformance, EmptyStoreHasNoTreeHeadAndNoEntries) {
  auto head = store_->LatestTreeHead();
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_FALSE(head->has_value());
  EXPECT_EQ(*store_->EntryCount(), 0u);
  EXPECT_EQ(store_->ReadEntries(0, 1).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->ReadTile(0, 0).status().code(), Code::kNotFound);
}

TEST_P(LogStoreConformance, CommittedWritesSurviveReopen) {
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

TEST_P(LogStoreConformance, UncommittedTransactionLeavesNothing) {
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

TEST_P(LogStoreConformance, DuplicateEntryIndexIsRejected) {
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->AppendEntry(0, "x").ok());
  EXPECT_FALSE(tx->AppendEntry(0, "y").ok());
}

TEST_P(LogStoreConformance, ReadersRunWhileAWriterIsOpen) {
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

TEST_P(LogStoreConformance, RejectedAppendLeavesTheTransactionUsable) {
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

TEST_P(LogStoreConformance, FailedTransactionLeavesNothingAndTheStoreGoesOn) {
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
TEST_P(LogStoreConformance, LargeBatchesOfBinaryDataSurviveReopen) {
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

TEST_P(LogStoreConformance, ASecondWriterWaitsForTheFirst) {
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
TEST_P(LogStoreConformance, ManyReadersSeeOnlyWholeBatches) {
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

TEST_P(LogStoreConformance, WriteTransactionsSeeTheEntryCountTheyBuildOn) {
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

TEST_P(LogStoreConformance, QueuedEntriesAreResolvedOnceAndInOrder) {
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
TEST_P(LogStoreConformance, SweepingResultsRemovesOnlyThoseUpToTheIdGiven) {
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

TEST_P(LogStoreConformance, TheLeaseHasOneHolderAndPassesOnWhenItGoes) {
  auto other = GetParam().open(dir_);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(*store_->TryAcquireLease());
  EXPECT_TRUE(*store_->TryAcquireLease());  // holding it already
  EXPECT_TRUE(store_->LeaseHeld());
  EXPECT_FALSE(*other->TryAcquireLease());
  EXPECT_FALSE(other->LeaseHeld());
  store_.reset();  // the holder goes away (a node killed: its session or lock file closes)
  // The server (or the kernel, for a lock file) frees it when it notices the session gone.
  EXPECT_TRUE(PollUntil([&] {
    auto taken = other->TryAcquireLease();
    return taken.ok() && *taken;
  }));
  EXPECT_TRUE(other->LeaseHeld());
}

TEST_P(LogStoreConformance, SignalsReachSubscribersOnlyForCommittedTransactions) {
  std::mutex mu;
  std::vector<std::string> got;
  ASSERT_TRUE(store_
                  ->Subscribe([&](std::string_view sig) {
                    std::lock_guard<std::mutex> g(mu);
                    got.emplace_back(sig);
                  })
                  .ok());
  auto arrived = [&](std::string_view signal) {
    return PollUntil([&] {
      std::lock_guard<std::mutex> g(mu);
      return std::find(got.begin(), got.end(), signal) != got.end();
    });
  };
  // Subscribe returned: the subscription is active, so a signal sent now reaches it.
  ASSERT_TRUE(store_->Signal("queued").ok());
  ASSERT_TRUE(arrived("queued"));
  {
    auto tx = std::move(store_->BeginWrite()).value();
    tx->SignalOnCommit("rolled-back");
  }
  {
    auto tx = std::move(store_->BeginWrite()).value();
    tx->SignalOnCommit("integrated");
    ASSERT_TRUE(tx->Commit().ok());
  }
  ASSERT_TRUE(arrived("integrated"));
  // Signals arrive in the order they were sent (committed): once a last one is there, so is
  // anything the rolled-back transaction might have sent.
  ASSERT_TRUE(store_->Signal("last").ok());
  ASSERT_TRUE(arrived("last"));
  std::lock_guard<std::mutex> g(mu);
  std::vector<std::string> real;
  for (auto& s : got) {
    if (s != "resync") real.push_back(s);
  }
  EXPECT_EQ(real, (std::vector<std::string>{"queued", "integrated", "last"}));
}

TEST_P(LogStoreConformance, AFollowersCursorAndCountersCommitTogether) {
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

TEST_P(LogStoreConformance, AnUncommittedOrStaleFollowerTransactionLeavesNothing) {
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
TEST_P(LogStoreConformance, TwoRunnersOfOneFollowerApplyEachRunOnce) {
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
  std::string twice =
      body_ + "\n" + other_.SignatureLine(body_) + cosigned.substr(body_.size() + 1);
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

INSTANTIATE_TEST_SUITE_P(Backends, LogStoreConformance, ::testing::ValuesIn(Backends()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, Cosigning, ::testing::ValuesIn(Backends()), BackendName);

}  // namespace
}  // namespace dipr::storage
