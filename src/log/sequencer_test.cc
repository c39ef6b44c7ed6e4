// The sequencer against a real SQLite file: group commit, projections, restart checks.
#include "log/sequencer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <future>
#include <thread>

#include "verify/checkpoint.h"
#include "verify/hasher.h"
#include "log/log_reader.h"
#include "verify/verify.h"
#include "storage/sqlite/sqlite_store.h"

namespace dipr::log {
namespace {


// A store whose commits can be made to fail, over a real one: fault injection for the
// sequencer's fail-stop.
class FaultyStore final : public storage::Store {
 public:
  explicit FaultyStore(storage::Store& base) : base_(base) {}
  std::atomic<bool> fail_commits{false};

  class Tx final : public storage::WriteTx {
   public:
    Tx(std::unique_ptr<storage::WriteTx> base, FaultyStore& store)
        : base_(std::move(base)), store_(store) {}
    uint64_t EntryCount() const override { return base_->EntryCount(); }
    Status AppendEntry(uint64_t i, std::string_view d) override { return base_->AppendEntry(i, d); }
    Status PutTile(uint8_t l, uint64_t i, std::string_view b) override {
      return base_->PutTile(l, i, b);
    }
    Status PutTreeHead(const storage::TreeHead& h) override { return base_->PutTreeHead(h); }
    void SetDeferredChecks(bool on) override { base_->SetDeferredChecks(on); }
    Status CheckDeferred() override { return base_->CheckDeferred(); }
    Status InsertAccount(const storage::Account& a, const Hash& t) override {
      return base_->InsertAccount(a, t);
    }
    Status InsertDeposit(const storage::DepositRecord& d) override {
      return base_->InsertDeposit(d);
    }
    Result<std::optional<storage::Account>> GetAccount(std::string_view id) override {
      return base_->GetAccount(id);
    }
    Result<std::vector<storage::PendingEntry>> Pending(size_t n) override {
      return base_->Pending(n);
    }
    Status Resolve(uint64_t id, const storage::PendingResult& r) override {
      return base_->Resolve(id, r);
    }
    void SignalOnCommit(std::string_view s) override { base_->SignalOnCommit(s); }
    Result<std::optional<storage::Record>> GetRecord(std::string_view k,
                                                     std::string_view id) override {
      return base_->GetRecord(k, id);
    }
    Status PutRecord(const storage::Record& r) override { return base_->PutRecord(r); }
    Status PutListing(const storage::Listing& l) override { return base_->PutListing(l); }
    Status RemoveListing(std::string_view id) override { return base_->RemoveListing(id); }
    Status ClaimNumber(std::string_view n, std::string_view id) override {
      return base_->ClaimNumber(n, id);
    }
    Result<bool> NumberClaimed(std::string_view n) override { return base_->NumberClaimed(n); }
    Status PutSidecar(uint64_t i, std::string_view d) override { return base_->PutSidecar(i, d); }
    Status SetAccountDisabled(std::string_view id, bool d) override {
      return base_->SetAccountDisabled(id, d);
    }
    Status AddCredential(std::string_view id, const storage::Credential& c) override {
      return base_->AddCredential(id, c);
    }
    Status LimitCredentials(std::string_view id, const Hash& keep,
                            std::optional<Time> until) override {
      return base_->LimitCredentials(id, keep, until);
    }
    Status Commit() override {
      if (store_.fail_commits) return Internal("injected: the disk is gone");
      return base_->Commit();
    }
    Status AddTreeHeadSignatures(uint64_t n, std::string_view c) override {
      return base_->AddTreeHeadSignatures(n, c);
    }

   private:
    std::unique_ptr<storage::WriteTx> base_;
    FaultyStore& store_;
  };

  Result<std::optional<storage::TreeHead>> LatestTreeHead() override {
    return base_.LatestTreeHead();
  }
  Result<uint64_t> FollowerCursor(std::string_view n) override { return base_.FollowerCursor(n); }
  Result<std::unique_ptr<storage::FollowerTx>> BeginFollower(std::string_view n,
                                                             uint64_t from) override {
    return base_.BeginFollower(n, from);
  }
  Result<std::vector<std::pair<std::string, int64_t>>> Counters(std::string_view p) override {
    return base_.Counters(p);
  }
  Result<std::vector<std::string>> ReadEntries(uint64_t s, uint64_t e) override {
    return base_.ReadEntries(s, e);
  }
  Result<uint64_t> EntryCount() override { return base_.EntryCount(); }
  Result<std::string> ReadTile(uint8_t l, uint64_t i) override { return base_.ReadTile(l, i); }
  Result<std::optional<storage::TokenAccount>> AccountByTokenHash(const Hash& h) override {
    return base_.AccountByTokenHash(h);
  }
  Result<std::optional<storage::Account>> AccountById(const std::string& id) override {
    return base_.AccountById(id);
  }
  Result<std::vector<storage::Credential>> CredentialsOf(const std::string& id) override {
    return base_.CredentialsOf(id);
  }
  Result<std::vector<storage::Account>> ListAccounts(std::string_view r, size_t o,
                                                     size_t n) override {
    return base_.ListAccounts(r, o, n);
  }
  Result<std::optional<storage::DepositRecord>> DepositOf(const std::string& a,
                                                         const std::string& d) override {
    return base_.DepositOf(a, d);
  }
  Result<std::vector<storage::DepositRecord>> DepositsByDigest(const std::string& d,
                                                              size_t n) override {
    return base_.DepositsByDigest(d, n);
  }
  Result<std::optional<storage::Record>> RecordById(std::string_view k,
                                                    std::string_view id) override {
    return base_.RecordById(k, id);
  }
  Result<std::optional<storage::Record>> RecordByNumber(std::string_view n) override {
    return base_.RecordByNumber(n);
  }
  Result<std::vector<storage::Record>> RecordsByOwner(std::string_view k, std::string_view o,
                                                      size_t off, size_t lim) override {
    return base_.RecordsByOwner(k, o, off, lim);
  }
  Result<std::vector<storage::Record>> RecordsByParty(std::string_view k, std::string_view r,
                                                      std::string_view p, size_t off,
                                                      size_t lim) override {
    return base_.RecordsByParty(k, r, p, off, lim);
  }
  Result<std::vector<storage::Record>> RecordsByStatus(std::string_view k, std::string_view st,
                                                       size_t off, size_t lim) override {
    return base_.RecordsByStatus(k, st, off, lim);
  }
  Result<std::vector<std::pair<std::string, uint64_t>>> CountByStatus(
      std::string_view k) override {
    return base_.CountByStatus(k);
  }
  Result<std::vector<storage::Record>> RecordsByParent(std::string_view k,
                                                       std::string_view p) override {
    return base_.RecordsByParent(k, p);
  }
  Result<std::vector<storage::Record>> RecordsDue(Time until, size_t limit) override {
    return base_.RecordsDue(until, limit);
  }
  Result<storage::ListingPage> SearchListings(const storage::ListingQuery& q) override {
    return base_.SearchListings(q);
  }
  Result<std::string> MaxNumber(std::string_view prefix) override {
    return base_.MaxNumber(prefix);
  }
  Result<std::optional<std::string>> SidecarOf(uint64_t i) override { return base_.SidecarOf(i); }
  Result<uint64_t> Enqueue(std::string_view e, std::string_view s) override {
    return base_.Enqueue(e, s);
  }
  Result<std::optional<storage::PendingResult>> TakeResult(uint64_t id) override {
    return base_.TakeResult(id);
  }
  Status Subscribe(std::function<void(std::string_view)> f) override {
    return base_.Subscribe(std::move(f));
  }
  Status Signal(std::string_view s) override { return base_.Signal(s); }
  Result<bool> TryAcquireLease() override { return base_.TryAcquireLease(); }
  bool LeaseHeld() override { return base_.LeaseHeld(); }
  Result<std::unique_ptr<storage::WriteTx>> BeginWrite() override {
    ASSIGN_OR_RETURN(auto tx, base_.BeginWrite());
    return std::unique_ptr<storage::WriteTx>(new Tx(std::move(tx), *this));
  }
  Result<storage::ResultSweep> SweepResults(uint64_t through) override {
    return base_.SweepResults(through);
  }

 private:
  storage::Store& base_;
};

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
  follower_opts.apply_queued = [](storage::WriteTx&, uint64_t, std::string_view,
                                  std::string_view) { return Status::Ok(); };
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
  Open(opts);
  // The dead follower: its entry queued on a store of its own, then nothing.
  auto store2 = std::move(storage::OpenSqliteStore((dir_ / "dipr.db").string())).value();
  uint64_t id = *store2->Enqueue("queued by a node that died", "");
  ASSERT_TRUE(store2->Signal("queued").ok());
  store2.reset();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (seq_->stats().results_swept == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(seq_->stats().queued_integrated, 1u);
  EXPECT_EQ(seq_->stats().results_swept, 1u) << "the uncollected result was not swept";
  EXPECT_FALSE((*store_->TakeResult(id)).has_value());
  // A live node's result is still there for it within the ttl: a fresh one is not swept at once.
  uint64_t id2 = *store_->Enqueue("queued by a live node", "");
  ASSERT_TRUE(store_->Signal("queued").ok());
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (seq_->stats().queued_integrated < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
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
  Open(opts);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(seq_->Append("a" + std::to_string(i), nullptr).ok());
  auto store2 = std::move(storage::OpenSqliteStore((dir_ / "dipr.db").string())).value();
  auto seq2 = std::move(Sequencer::Start(*store2, signer_, opts)).value();
  ASSERT_FALSE(seq2->leading());
  auto before = *seq_->Latest();
  seq_.reset();
  store_.reset();  // the leader's node is gone, and with it its lease
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!seq2->leading() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(seq2->leading()) << "no takeover within 5 s";
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
  auto seq = std::move(Sequencer::Start(faulty, signer_, opts)).value();
  ASSERT_TRUE(seq->Append("before", nullptr).ok());
  auto head = *seq->Latest();
  faulty.fail_commits = true;
  EXPECT_EQ(seq->Append("lost", nullptr).status().code(), Code::kInternal);
  EXPECT_FALSE(seq->healthy());
  faulty.fail_commits = false;  // the disk is back: still nothing until a restart
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // several polls
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
