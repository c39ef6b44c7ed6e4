// The node role alone: one node of those on a database holds the lease; a following node's
// entries reach the leader through the durable queue and are answered from its results, or
// Unavailable once queue_timeout has passed on the (stepped) clock.
#include "log/node_role.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "log/integrator.h"
#include "log/sequencer_pieces_testing.h"

namespace dipr::log {
namespace {

class NodeRoleTest : public StoreDirTest {
 protected:
  std::deque<Pending> One(const std::string& entry) {
    std::deque<Pending> batch;
    batch.push_back({entry, "sidecar", nullptr, std::make_unique<Recorder>(got_)});
    return batch;
  }

  crypto::NoteSigner signer_{"test.example/log", crypto::Ed25519PrivateKey::Generate()};
  FakeMonotonicClock clock_;
  std::vector<Result<Appended>> got_;
};

TEST_F(NodeRoleTest, OneNodeHoldsTheLeaseUntilItGoes) {
  auto store1 = OpenStore(), store2 = OpenStore();
  CheckpointPublisher p1(signer_, {}), p2(signer_, {});
  {
    NodeRole first(*store1, p1, clock_, {});
    NodeRole second(*store2, p2, clock_, {});
    EXPECT_TRUE(first.TryLead());
    EXPECT_FALSE(second.TryLead());
    EXPECT_FALSE(first.leading()) << "leading only once told (after the caller caught up)";
  }
  store1.reset();  // the leader's node is gone, and with it its lease
  NodeRole second(*store2, p2, clock_, {});
  EXPECT_TRUE(second.TryLead());
}

TEST_F(NodeRoleTest, ForwardedEntriesAreAnsweredFromTheLeadersResults) {
  auto leader_store = OpenStore(), follower_store = OpenStore();
  CheckpointPublisher leader_pub(signer_, {}), follower_pub(signer_, {});
  Integrator::Options options;
  std::string sidecar_seen;
  options.apply_queued = [&](storage::WriteTx&, uint64_t, std::string_view,
                             std::string_view sidecar) {
    sidecar_seen = sidecar;
    return Status::Ok();
  };
  Integrator leader(*leader_store, leader_pub, clock_, options);
  ASSERT_TRUE(leader.Load().ok());
  NodeRole follower(*follower_store, follower_pub, clock_, {});
  auto batch = One("forwarded");
  follower.Forward(batch);
  EXPECT_TRUE(follower.waiting());
  EXPECT_EQ(follower.stats().forwarded, 1u);
  follower.CollectResults();  // not integrated yet: still waiting
  EXPECT_TRUE(got_.empty());

  std::deque<Pending> none;
  leader.Integrate(none, /*look_at_queue=*/true);
  EXPECT_EQ(sidecar_seen, "sidecar");  // the sidecar travels with the entry
  follower.CollectResults();
  ASSERT_EQ(got_.size(), 1u);
  ASSERT_TRUE(got_[0].ok()) << got_[0].status().ToString();
  EXPECT_EQ(got_[0]->index, 0u);
  EXPECT_EQ(got_[0]->head->size, 1u);  // the follower read the covering head from the store
  EXPECT_EQ(got_[0]->head->checkpoint, leader_pub.Latest()->checkpoint);
  EXPECT_FALSE(follower.waiting());
}

TEST_F(NodeRoleTest, AForwardedEntryNoLeaderTakesTimesOut) {
  auto store = OpenStore();
  CheckpointPublisher pub(signer_, {});
  NodeRole::Options options;
  options.queue_timeout = std::chrono::milliseconds(30000);
  NodeRole follower(*store, pub, clock_, options);
  auto batch = One("nobody integrates this");
  follower.Forward(batch);
  clock_.Advance(std::chrono::milliseconds(29999));
  follower.CollectResults();
  EXPECT_TRUE(got_.empty());
  clock_.Advance(std::chrono::milliseconds(2));
  follower.CollectResults();
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].status().code(), Code::kUnavailable);
  EXPECT_FALSE(follower.waiting());
}

}  // namespace
}  // namespace dipr::log
