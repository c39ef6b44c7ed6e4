// Checkpoint publication: heads signed with the log's key, Latest() moving only forwards, and a
// stored head that gains signatures (WriteTx::AddTreeHeadSignatures) reaching Latest() on the
// node that added them and, through Refresh, on a node that reads the store.
#include "log/checkpoint_publisher.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "log/sequencer_pieces_testing.h"
#include "verify/checkpoint.h"

namespace dipr::log {
namespace {

class CheckpointPublisherTest : public StoreDirTest {
 protected:
  void SetUp() override {
    StoreDirTest::SetUp();
    store_ = OpenStore();
  }
  void TearDown() override {
    store_.reset();
    StoreDirTest::TearDown();
  }
  // Signs and stores the head of the empty tree.
  storage::TreeHead StoreEmptyHead(const CheckpointPublisher& p) {
    auto head = std::move(p.Sign(0, EmptyRoot())).value();
    auto tx = std::move(store_->BeginWrite()).value();
    EXPECT_TRUE(tx->PutTreeHead(head).ok());
    EXPECT_TRUE(tx->Commit().ok());
    return head;
  }

  crypto::NoteSigner signer_{"test.example/log", crypto::Ed25519PrivateKey::Generate()};
  crypto::NoteSigner witness_{"witness.example/w", crypto::Ed25519PrivateKey::Generate()};
  std::unique_ptr<storage::Store> store_;
};

TEST_F(CheckpointPublisherTest, SignsHeadsThatOnlyItsKeyPasses) {
  CheckpointPublisher p(signer_, storage::TreeHead{});
  auto head = p.Sign(0, EmptyRoot());
  ASSERT_TRUE(head.ok());
  EXPECT_TRUE(p.Check(*head).ok());
  auto cp = OpenCheckpoint(head->checkpoint, signer_.verifier());
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->size, 0u);
  crypto::NoteSigner other("test.example/log", crypto::Ed25519PrivateKey::Generate());
  CheckpointPublisher q(other, storage::TreeHead{});
  EXPECT_EQ(q.Check(*head).code(), Code::kDataLoss);
}

TEST_F(CheckpointPublisherTest, RefreshPublishesOnlyANewerHead) {
  CheckpointPublisher p(signer_, storage::TreeHead{});
  auto stored = StoreEmptyHead(p);
  auto newer = std::make_shared<const storage::TreeHead>(
      std::move(p.Sign(1, HashLeaf("not stored"))).value());
  p.Publish(newer);
  p.Refresh(*store_);  // the store's head is older: Latest() stays
  EXPECT_EQ(p.Latest(), newer);
  CheckpointPublisher reader(signer_, storage::TreeHead{});
  reader.Refresh(*store_);
  EXPECT_EQ(reader.Latest()->checkpoint, stored.checkpoint);
}

TEST_F(CheckpointPublisherTest, AddedSignaturesReachLatest) {
  CheckpointPublisher p(signer_, storage::TreeHead{});
  auto stored = StoreEmptyHead(p);
  p.Publish(std::make_shared<const storage::TreeHead>(stored));
  CheckpointPublisher other_node(signer_, storage::TreeHead{});
  other_node.Refresh(*store_);
  ASSERT_EQ(other_node.Latest()->checkpoint, stored.checkpoint);

  auto cp = std::move(OpenCheckpoint(stored.checkpoint, signer_.verifier())).value();
  const std::string cosigned = stored.checkpoint + witness_.SignatureLine(cp.Body());
  ASSERT_TRUE(p.AddSignatures(*store_, 0, cosigned).ok());
  EXPECT_EQ(p.Latest()->checkpoint, cosigned);
  EXPECT_EQ(p.Latest()->root, stored.root);
  EXPECT_EQ((*store_->LatestTreeHead())->checkpoint, cosigned);
  other_node.Refresh(*store_);  // a node that reads the store sees the added signature too
  EXPECT_EQ(other_node.Latest()->checkpoint, cosigned);

  // A note that drops a stored signature is refused, and Latest() keeps what it had.
  EXPECT_EQ(p.AddSignatures(*store_, 0, stored.checkpoint).code(), Code::kConflict);
  EXPECT_EQ(p.Latest()->checkpoint, cosigned);
}

}  // namespace
}  // namespace dipr::log
