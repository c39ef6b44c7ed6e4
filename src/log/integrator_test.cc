// The integrator alone, on the sequencer's thread's calls: a batch is one transaction and one
// commit; its entries get dense indexes and every completion the one head that covers them,
// which is published only once committed; a failed commit stops it.
#include "log/integrator.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "log/faulty_store_testing.h"
#include "log/sequencer_pieces_testing.h"
#include "verify/hasher.h"

namespace dipr::log {
namespace {

class IntegratorTest : public StoreDirTest {
 protected:
  void SetUp() override {
    StoreDirTest::SetUp();
    store_ = OpenStore();
    faulty_ = std::make_unique<FaultyStore>(*store_);
  }
  void TearDown() override {
    faulty_.reset();
    store_.reset();
    StoreDirTest::TearDown();
  }
  std::deque<Pending> Batch(int n, const std::string& prefix) {
    std::deque<Pending> batch;
    for (int i = 0; i < n; ++i) {
      batch.push_back({prefix + std::to_string(i), "", nullptr, std::make_unique<Recorder>(got_)});
    }
    return batch;
  }

  crypto::NoteSigner signer_{"test.example/log", crypto::Ed25519PrivateKey::Generate()};
  FakeMonotonicClock clock_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<FaultyStore> faulty_;
  std::vector<Result<Appended>> got_;
};

TEST_F(IntegratorTest, ABatchIsOneTransactionAndOneCommit) {
  CheckpointPublisher publisher(signer_, storage::TreeHead{});
  int on_commit = 0;
  Integrator::Options options;
  options.on_commit = [&](const std::vector<TileWrite>& tiles, const storage::TreeHead& head) {
    ++on_commit;
    EXPECT_FALSE(tiles.empty());
    EXPECT_EQ(head.size, 5u);
    EXPECT_EQ(publisher.Latest()->size, 0u) << "published before on_commit";
  };
  Integrator integrator(*faulty_, publisher, clock_, options);
  ASSERT_TRUE(integrator.Load().ok());  // first start: the empty tree, signed and stored
  const int before = faulty_->commits;
  auto batch = Batch(5, "e");
  integrator.Integrate(batch, /*look_at_queue=*/false);
  EXPECT_EQ(faulty_->commits - before, 1);
  EXPECT_EQ(on_commit, 1);
  ASSERT_EQ(got_.size(), 5u);
  for (size_t i = 0; i < got_.size(); ++i) {
    ASSERT_TRUE(got_[i].ok()) << got_[i].status().ToString();
    EXPECT_EQ(got_[i]->index, i);
    EXPECT_EQ(got_[i]->head, publisher.Latest());  // one head for the batch, the published one
  }
  EXPECT_EQ(publisher.Latest()->size, 5u);
  EXPECT_EQ(*store_->EntryCount(), 5u);
  EXPECT_EQ((*store_->LatestTreeHead())->checkpoint, publisher.Latest()->checkpoint);
  EXPECT_EQ(integrator.stats().batches, 1u);
  EXPECT_EQ(integrator.stats().entries, 5u);
  EXPECT_EQ(integrator.stats().max_batch, 5u);
}

TEST_F(IntegratorTest, AFailedCommitPublishesNothingAndStops) {
  CheckpointPublisher publisher(signer_, storage::TreeHead{});
  Integrator integrator(*faulty_, publisher, clock_, {});
  ASSERT_TRUE(integrator.Load().ok());
  auto empty = publisher.Latest();
  faulty_->fail_commits = true;
  auto batch = Batch(2, "lost");
  integrator.Integrate(batch, false);
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].status().code(), Code::kInternal);
  EXPECT_EQ(publisher.Latest(), empty);
  EXPECT_TRUE(integrator.stopped());
  Status health = integrator.WriteHealth(std::chrono::seconds(5), false);
  EXPECT_EQ(health.code(), Code::kUnavailable);
  EXPECT_NE(health.message().find("restart"), std::string::npos) << health.message();
}

TEST_F(IntegratorTest, WriteHealthReportsABatchStuckLongerThanTheStall) {
  CheckpointPublisher publisher(signer_, storage::TreeHead{});
  Integrator* self = nullptr;
  Status during;
  Integrator::Options options;
  Integrator integrator(*store_, publisher, clock_, options);
  self = &integrator;
  ASSERT_TRUE(integrator.Load().ok());
  std::deque<Pending> batch;
  batch.push_back({"slow", "",
                   [&](storage::WriteTx&, uint64_t) {
                     clock_.Advance(std::chrono::seconds(6));  // the store took 6 s
                     during = self->WriteHealth(std::chrono::seconds(5), false);
                     return Status::Ok();
                   },
                   std::make_unique<Recorder>(got_)});
  integrator.Integrate(batch, false);
  EXPECT_EQ(during.code(), Code::kUnavailable);
  EXPECT_NE(during.message().find("6000 ms"), std::string::npos) << during.message();
  EXPECT_TRUE(integrator.WriteHealth(std::chrono::seconds(5), false).ok());
}

TEST_F(IntegratorTest, BuildsOnWhatAnotherProcessAppended) {
  CheckpointPublisher publisher_a(signer_, storage::TreeHead{});
  Integrator a(*store_, publisher_a, clock_, {});
  ASSERT_TRUE(a.Load().ok());
  auto batch = Batch(3, "a");
  a.Integrate(batch, false);
  // A second node's integrator on the same file, with an empty tree: its transaction sees three
  // entries, so it catches up before it appends.
  auto store2 = OpenStore();
  CheckpointPublisher publisher_b(signer_, storage::TreeHead{});
  Integrator b(*store2, publisher_b, clock_, {});
  batch = Batch(1, "b");
  b.Integrate(batch, false);
  ASSERT_EQ(got_.size(), 4u);
  ASSERT_TRUE(got_[3].ok()) << got_[3].status().ToString();
  EXPECT_EQ(got_[3]->index, 3u);
  EXPECT_EQ(publisher_b.Latest()->size, 4u);
  EXPECT_EQ(b.size(), 4u);
}

}  // namespace
}  // namespace dipr::log
