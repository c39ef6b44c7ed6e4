// The follower runner (log/follower.h) over a real SQLite file: what it applies, when, and what a
// failed run leaves. The cursor's compare-and-set on both backends is in the storage conformance
// suite; the statistics follower's tests (registry/statistics_test.cc) run it on both.
#include "log/follower.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "crypto/sha256.h"
#include "storage/sqlite/sqlite_store.h"

namespace dipr::log {
namespace {

// Counts entries in "count/n"; with fail_runs > 0, writes and then fails that many runs.
class CountingFollower final : public Follower {
 public:
  std::string_view name() const override { return "count"; }
  Status Apply(storage::FollowerTx& tx, uint64_t, std::span<const std::string> entries) override {
    RETURN_IF_ERROR(tx.AddToCounter("count/n", static_cast<int64_t>(entries.size())));
    if (fail_runs > 0) {
      --fail_runs;
      return Internal("injected: this run fails after writing");
    }
    return Status::Ok();
  }
  void CaughtUp(storage::Store&, uint64_t cursor) override { caught_up = cursor; }
  std::atomic<int> fail_runs{0};
  std::atomic<uint64_t> caught_up{0};
};

class FollowerRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dipr-follower-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(storage::OpenSqliteStore((dir_ / "dipr.db").string())).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // Appends n entries; with a tree head of the new size unless `signed_head` is false.
  void Append(int n, bool signed_head = true) {
    auto tx = std::move(store_->BeginWrite()).value();
    uint64_t size = tx->EntryCount();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(tx->AppendEntry(size++, "e").ok());
    if (signed_head) {
      ASSERT_TRUE(tx->PutTreeHead({size, crypto::Sha256Of("r"), "head"}).ok());
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  // Polls (up to a deadline) until pred holds.
  template <typename Pred>
  static bool Eventually(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return pred();
  }
  int64_t Count() {
    auto c = *store_->Counters("count/");
    return c.empty() ? 0 : c[0].second;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  FollowerRunner::Options options_{.max_batch = 3,
                                   .poll_interval = std::chrono::milliseconds(20),
                                   .min_interval = std::chrono::milliseconds(0)};
};

TEST_F(FollowerRunnerTest, AppliesOnlyWhatASignedTreeHeadCovers) {
  CountingFollower f;
  FollowerRunner r(*store_, f, options_);
  Append(4);
  Append(2, /*signed_head=*/false);  // committed, but no checkpoint says so yet
  r.Start();
  ASSERT_TRUE(Eventually([&] { return r.progress().cursor == 4; }));
  EXPECT_EQ(f.caught_up, 4u);
  Append(1);  // its head covers all 7
  r.Notify(7);
  ASSERT_TRUE(Eventually([&] { return r.progress().cursor == 7; }));
  EXPECT_EQ(Count(), 7);
  EXPECT_EQ(*store_->FollowerCursor("count"), 7u);
  EXPECT_EQ(r.progress().lag(), 0u);
}

TEST_F(FollowerRunnerTest, AFailedRunLeavesNothingAndIsTriedAgain) {
  CountingFollower f;
  f.fail_runs = 2;
  FollowerRunner r(*store_, f, options_);
  Append(5);
  r.Start();
  ASSERT_TRUE(Eventually([&] { return r.progress().cursor == 5; }));
  EXPECT_EQ(Count(), 5);  // the failed runs' writes were rolled back
  EXPECT_EQ(r.progress().failures, 2u);
  EXPECT_EQ(r.progress().applied, 5u);
}

TEST_F(FollowerRunnerTest, ItGoesOnFromWhereAnotherNodesRunnerLeftTheCursor) {
  Append(6);
  {
    // Another node's runner applied the first four.
    auto tx = std::move(store_->BeginFollower("count", 0)).value();
    ASSERT_TRUE(tx->AddToCounter("count/n", 4).ok());
    ASSERT_TRUE(tx->Commit(4).ok());
  }
  CountingFollower f;
  FollowerRunner r(*store_, f, options_);
  r.Start();
  ASSERT_TRUE(Eventually([&] { return r.progress().cursor == 6; }));
  EXPECT_EQ(Count(), 6);
  EXPECT_EQ(r.progress().applied, 2u);
}

}  // namespace
}  // namespace dipr::log
