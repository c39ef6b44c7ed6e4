// The sequencer against a real SQLite file: group commit, projections, restart checks.
#include "log/sequencer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "log/faulty_store_testing.h"
#include "log/log_reader.h"
#include "log/monotonic_clock.h"
#include "storage/sqlite/sqlite_store.h"
#include "verify/checkpoint.h"
#include "verify/hasher.h"
#include "verify/verify.h"

namespace dipr::log {
namespace {

class SequencerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dipr-seq-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Open();
  }
  void TearDown() override {
    seq_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open(Sequencer::Options options = {}) {
    seq_.reset();
    store_.reset();
    store_ = std::move(storage::OpenSqliteStore((dir_ / "dipr.db").string())).value();
    auto s = Sequencer::Start(*store_, signer_, options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    seq_ = std::move(s).value();
  }

  std::filesystem::path dir_;
  crypto::NoteSigner signer_{"test.example/log", crypto::Ed25519PrivateKey::Generate()};
  // For a test's seq_ to read (Options::clock): declared first, so it outlives seq_'s threads.
  FakeMonotonicClock fake_clock_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Sequencer> seq_;
};

TEST_F(SequencerTest, FirstStartSignsTheEmptyTree) {
  auto head = *seq_->Latest();
  EXPECT_EQ(head.size, 0u);
  auto cp = OpenCheckpoint(head.checkpoint, signer_.verifier());
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->root, EmptyRoot());
}

TEST_F(SequencerTest, ConcurrentAppendsGetDenseIndexesAndVerifiableProofs) {
  constexpr int kThreads = 8, kPer = 50;
  std::vector<std::thread> threads;
  std::vector<std::vector<Appended>> got(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        auto r = seq_->Append("entry " + std::to_string(t) + "/" + std::to_string(i), nullptr);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        got[t].push_back(*r);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<bool> seen(kThreads * kPer);
  LogReader reader(*store_);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPer; ++i) {
      const Appended& a = got[t][i];
      ASSERT_LT(a.index, seen.size());
      EXPECT_FALSE(seen[a.index]);
      seen[a.index] = true;
      ASSERT_GT(a.head->size, a.index);
      auto cp = OpenCheckpoint(a.head->checkpoint, signer_.verifier());
      ASSERT_TRUE(cp.ok());
      auto proof = reader.Inclusion(a.index, cp->size, *seq_->Latest());
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      std::string entry = "entry " + std::to_string(t) + "/" + std::to_string(i);
      EXPECT_TRUE(VerifyInclusion(a.index, cp->size, HashLeaf(entry), *proof, cp->root).ok());
    }
  }
  EXPECT_EQ(seq_->Latest()->size, static_cast<uint64_t>(kThreads * kPer));
}

TEST_F(SequencerTest, RejectedProjectionDropsOnlyThatEntry) {
  auto a = seq_->Append("one", nullptr);
  auto b = seq_->Append("two", [](storage::WriteTx&, uint64_t) { return Conflict("taken"); });
  auto c = seq_->Append("three", nullptr);
  ASSERT_TRUE(a.ok() && c.ok());
  EXPECT_EQ(b.status().code(), Code::kConflict);
  EXPECT_EQ(a->index, 0u);
  EXPECT_EQ(c->index, 1u);  // the dropped entry used no index
  EXPECT_EQ(*store_->ReadEntries(1, 2), std::vector<std::string>{"three"});
}

TEST_F(SequencerTest, OversizedEntryIsRefused) {
  auto r = seq_->Append(std::string(kMaxEntrySize + 1, 'x'), nullptr);
  EXPECT_EQ(r.status().code(), Code::kTooLarge);
  EXPECT_TRUE(seq_->Append(std::string(kMaxEntrySize, 'x'), nullptr).ok());
}

TEST_F(SequencerTest, RestartContinuesTheSameTreeConsistently) {
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(seq_->Append("e" + std::to_string(i), nullptr).ok());
  auto before = *seq_->Latest();
  Open();
  EXPECT_EQ(seq_->Latest()->size, before.size);
  EXPECT_EQ(seq_->Latest()->root, before.root);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(seq_->Append("f" + std::to_string(i), nullptr).ok());
  auto after = *seq_->Latest();
  LogReader reader(*store_);
  auto proof = reader.Consistency(before.size, after.size, after);
  ASSERT_TRUE(proof.ok()) << proof.status().ToString();
  EXPECT_TRUE(VerifyConsistency(before.size, after.size, *proof, before.root, after.root).ok());
}

TEST_F(SequencerTest, RefusesToStartWhenTheTreeDoesNotMatchItsCheckpoint) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(seq_->Append("e" + std::to_string(i), nullptr).ok());
  seq_.reset();
  {
    // Corrupt one leaf hash in the stored level-0 tile.
    std::string tile = *store_->ReadTile(0, 0);
    tile[40] ^= 1;
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutTile(0, 0, tile).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto s = Sequencer::Start(*store_, signer_);
  EXPECT_EQ(s.status().code(), Code::kDataLoss);
}

TEST_F(SequencerTest, AFollowerHandsItsEntriesToTheLeader) {
  // A second store on the same file stands for a second node. The first holds the lease and
  // leads; the second follows: its entries travel through the store's queue, and every
  // checkpoint either signs agrees with the others.
  auto store2 = std::move(storage::OpenSqliteStore((dir_ / "dipr.db").string())).value();
  Sequencer::Options follower_opts;
  follower_opts.apply_queued = [](storage::WriteTx&, uint64_t, std::string_view, std::string_view) {
    return Status::Ok();
  };
  follower_opts.poll_interval = std::chrono::milliseconds(20);
  Open(follower_opts);  // the leader, able to project queued entries
  auto seq2 = std::move(Sequencer::Start(*store2, signer_, follower_opts)).value();
  EXPECT_TRUE(seq_->leading());
  EXPECT_FALSE(seq2->leading());
  std::vector<Appended> got[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      Sequencer& s = t == 0 ? *seq_ : *seq2;
      for (int i = 0; i < 60; ++i) {
        auto r = s.Append("node " + std::to_string(t) + " entry " + std::to_string(i), nullptr);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        got[t].push_back(*r);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::map<uint64_t, Hash> root_at_size;
  std::set<uint64_t> indexes;
  for (int t = 0; t < 2; ++t) {
    for (const Appended& a : got[t]) {
      EXPECT_TRUE(indexes.insert(a.index).second) << "index " << a.index << " given twice";
      auto [it, fresh] = root_at_size.emplace(a.head->size, a.head->root);
      EXPECT_EQ(it->second, a.head->root) << "two roots signed for size " << a.head->size;
    }
  }
  EXPECT_EQ(indexes.size(), 120u);
  EXPECT_EQ(*indexes.rbegin(), 119u);
  auto final_head = *store_->LatestTreeHead();
  ASSERT_TRUE(final_head.has_value());
  EXPECT_EQ(final_head->size, 120u);
  LogReader reader(*store_);
  for (const auto& [size, root] : root_at_size) {
    if (size == final_head->size) continue;
    auto proof = reader.Consistency(size, final_head->size, *final_head);
    ASSERT_TRUE(proof.ok());
    EXPECT_TRUE(VerifyConsistency(size, final_head->size, *proof, root, final_head->root).ok())
        << "checkpoint at size " << size << " is not consistent with the final one";
  }
}

// A follower queued an entry and died before it took the result: the leader integrates the
// entry, and once the result has waited result_ttl for its node, removes it (the table of
// results no longer grows by one row per follower death or timeout, forever).
TEST_F(SequencerTest, ResultsOfADeadFollowerAreSweptAfterTheirTtl) {
  Sequencer::Options opts;
  opts.apply_queued = [](storage::WriteTx&, uint64_t, std::string_view, std::string_view) {
    return Status::Ok();
  };
  opts.poll_interval = std::chrono::milliseconds(20);
  opts.result_ttl = std::chrono::milliseconds(1000);
  opts.result_sweep_interval = std::chrono::milliseconds(50);
  FakeMonotonicClock& clock = fake_clock_;
  opts.clock = &clock;
  Open(opts);
  // Time passes in steps of the sweep interval; each waits for the sequencer's thread and its
  // lease watch to be back waiting, their work for that moment done.
  auto step = [&] {
    clock.Advance(opts.result_sweep_interval);
    clock.AwaitWaiters(2);
  };
  // The dead follower: its entry queued on a store of its own, then nothing.
  auto store2 = std::move(storage::OpenSqliteStore((dir_ / "dipr.db").string())).value();
  uint64_t id = *store2->Enqueue("queued by a node that died", "");
  ASSERT_TRUE(store2->Signal("queued").ok());
  store2.reset();
  for (int i = 0; i < 100 && seq_->stats().results_swept == 0; ++i) step();
  EXPECT_EQ(seq_->stats().queued_integrated, 1u);
  EXPECT_EQ(seq_->stats().results_swept, 1u) << "the uncollected result was not swept";
  EXPECT_FALSE((*store_->TakeResult(id)).has_value());
  // A live node's result is still there for it within the ttl: a fresh one is not swept at once.
  uint64_t id2 = *store_->Enqueue("queued by a live node", "");
  ASSERT_TRUE(store_->Signal("queued").ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (seq_->stats().queued_integrated < 2 && std::chrono::steady_clock::now() < deadline) {
    clock.Advance(opts.poll_interval);  // a poll, if the signal was missed: well within the ttl
    clock.AwaitWaiters(2);
  }
  auto taken = store_->TakeResult(id2);
  ASSERT_TRUE(taken.ok() && taken->has_value()) << "a result younger than its ttl was swept";
  EXPECT_EQ((*taken)->index, 1u);
}

TEST_F(SequencerTest, AFollowerTakesOverWhenTheLeaderGoes) {
  Sequencer::Options opts;
  opts.apply_queued = [](storage::WriteTx&, uint64_t, std::string_view, std::string_view) {
    return Status::Ok();
  };
  opts.lease_interval = std::chrono::milliseconds(50);
  opts.poll_interval = std::chrono::milliseconds(20);
  FakeMonotonicClock& clock = fake_clock_;
  opts.clock = &clock;
  Open(opts);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(seq_->Append("a" + std::to_string(i), nullptr).ok());
  auto store2 = std::move(storage::OpenSqliteStore((dir_ / "dipr.db").string())).value();
  auto seq2 = std::move(Sequencer::Start(*store2, signer_, opts)).value();
  ASSERT_FALSE(seq2->leading());
  auto before = *seq_->Latest();
  seq_.reset();
  store_.reset();  // the leader's node is gone, and with it its lease
  // One lease interval later the follower tries the lease, and takes it. Its threads must be
  // waiting for their next tries first, or the time moved on before they counted from it.
  clock.AwaitWaiters(2);
  clock.Advance(opts.lease_interval);
  clock.AwaitWaiters(2);  // seq2's thread and lease watch
  ASSERT_TRUE(seq2->leading()) << "no takeover one lease interval after the leader went";
  auto r = seq2->Append("after takeover", nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->index, 10u);
  LogReader reader(*store2);
  auto proof = reader.Consistency(before.size, r->head->size, *r->head);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(
      VerifyConsistency(before.size, r->head->size, *proof, before.root, r->head->root).ok());
}

// Regression (review): after a failed commit the in-memory tree is ahead of the store; the
// sequencer must stop, not go on integrating (a poll or a signal once restarted Integrate).
TEST_F(SequencerTest, AFailedCommitStopsTheSequencerForGood) {
  seq_.reset();
  FaultyStore faulty(*store_);
  Sequencer::Options opts;
  opts.poll_interval = std::chrono::milliseconds(10);
  FakeMonotonicClock clock;
  opts.clock = &clock;
  auto seq = std::move(Sequencer::Start(faulty, signer_, opts)).value();
  ASSERT_TRUE(seq->Append("before", nullptr).ok());
  auto head = *seq->Latest();
  faulty.fail_commits = true;
  EXPECT_EQ(seq->Append("lost", nullptr).status().code(), Code::kInternal);
  EXPECT_FALSE(seq->healthy());
  faulty.fail_commits = false;   // the disk is back: still nothing until a restart
  for (int i = 0; i < 5; ++i) {  // several polls
    clock.Advance(opts.poll_interval);
    clock.AwaitWaiters(2);  // the sequencer's thread and its lease watch, the poll done
  }
  EXPECT_EQ(seq->Append("after", nullptr).status().code(), Code::kUnavailable);
  EXPECT_EQ(seq->Latest()->size, head.size);
  EXPECT_EQ(*store_->EntryCount(), head.size);
  seq.reset();
  auto restarted = Sequencer::Start(*store_, signer_);  // re-checks the stored tree, goes on
  ASSERT_TRUE(restarted.ok()) << restarted.status().ToString();
  EXPECT_EQ((*restarted)->Latest()->root, head.root);
  EXPECT_TRUE((*restarted)->Append("after restart", nullptr).ok());
}

// /healthz reads WriteHealth: after a failed commit it must say writes are blocked, and why.
TEST_F(SequencerTest, WriteHealthSaysWritesStoppedAfterAFailedCommit) {
  seq_.reset();
  FaultyStore faulty(*store_);
  auto seq = std::move(Sequencer::Start(faulty, signer_)).value();
  EXPECT_TRUE(seq->WriteHealth(std::chrono::seconds(5)).ok());
  faulty.fail_commits = true;
  EXPECT_FALSE(seq->Append("lost", nullptr).ok());
  faulty.fail_commits = false;
  Status health = seq->WriteHealth(std::chrono::seconds(5));
  EXPECT_EQ(health.code(), Code::kUnavailable);
  EXPECT_NE(health.message().find("injected: the disk is gone"), std::string::npos)
      << health.message();
  EXPECT_NE(health.message().find("restart"), std::string::npos) << health.message();
}

TEST_F(SequencerTest, RefusesToStartWithAnotherKey) {
  ASSERT_TRUE(seq_->Append("e", nullptr).ok());
  seq_.reset();
  crypto::NoteSigner other("test.example/log", crypto::Ed25519PrivateKey::Generate());
  EXPECT_EQ(Sequencer::Start(*store_, other).status().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace dipr::log
