// RegisterStore's conformance suite, run over every backend (store_conformance.h): deposits,
// records and their lookups, numbers, sidecars, and the public listings' search (ListingSearch).
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

// What RegisterStore and the register's half of WriteTx promise.
class RegisterStoreConformance : public StoreConformance {};

TEST_P(RegisterStoreConformance, DepositsAreUniquePerDepositorAndFoundByDigest) {
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

// The sequencer's pattern: a projection that finds its key taken drops one entry of the batch,
// and the rest of the batch commits.
TEST_P(RegisterStoreConformance, ConflictInsideATransactionLeavesTheRestUsable) {
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

TEST_P(RegisterStoreConformance, RecordsAreUpsertedAndATransactionSeesItsOwnWrites) {
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

TEST_P(RegisterStoreConformance, AnUncommittedRegisterTransactionLeavesNothing) {
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

TEST_P(RegisterStoreConformance, RecordsAreFoundByNumber) {
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

TEST_P(RegisterStoreConformance, RecordsByOwnerAreNewestFirstAndPaged) {
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
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u1", 0, SIZE_MAX)), (V{"a2", "a3", "a1"}));
  EXPECT_EQ(Ids(store_->RecordsByOwner("objection", "u1", 0, 10)), (V{"o1"}));
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u2", 0, 10)), (V{"a4"}));
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u3", 0, 10)), V{});
  // A change makes a record the newest.
  auto tx = std::move(store_->BeginWrite()).value();
  ASSERT_TRUE(tx->PutRecord(MakeRecord("application", "a1", "u1", 10)).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(Ids(store_->RecordsByOwner("application", "u1", 0, 10)), (V{"a1", "a2", "a3"}));
}

TEST_P(RegisterStoreConformance, RecordsByParentAreInIdOrder) {
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

TEST_P(RegisterStoreConformance, RecordsDueAreEarliestFirstUpToTheTimeGiven) {
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

TEST_P(RegisterStoreConformance, NumberClaimedSeesCommittedAndOwnClaims) {
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

TEST_P(RegisterStoreConformance, RecordsByStatusIsAQueueOldestFirst) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    for (auto [id, version, st] :
         std::vector<std::tuple<std::string, uint64_t, std::string>>{{"a1", 9, "submitted"},
                                                                     {"a2", 3, "submitted"},
                                                                     {"a3", 5, "draft"},
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

TEST_P(RegisterStoreConformance, CountByStatusCountsOneKindPerStatus) {
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

TEST_P(RegisterStoreConformance, ATakenNumberIsAConflictAndTheRestOfTheTransactionCommits) {
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

TEST_P(RegisterStoreConformance, MaxNumberIsTheGreatestClaimedWithThePrefix) {
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
  EXPECT_EQ(*store_->MaxNumber(""), "登讱");               // byte order: UTF-8 after ASCII
  EXPECT_EQ(store_->MaxNumber("\xe7\x99").status().code(), Code::kInvalidArgument);
}

TEST_P(RegisterStoreConformance, SidecarsAreKeptByEntryIndex) {
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
  static Listing Make(std::string id, std::string status, std::string industry, std::string holders,
                      std::string text, int64_t n) {
    std::string item = R"({"id":")" + id + R"(","n":)" + std::to_string(n) + "}";
    return Listing{id,
                   status == "registered" ? "DJ-" + id : "",
                   status,
                   std::move(industry),
                   std::move(holders),
                   std::move(text),
                   std::move(item)};
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
      ASSERT_TRUE(
          tx->PutListing(Make(id, i % 3 == 0 ? "registered" : "notice", i % 5 == 0 ? "C" : "I",
                              fmt::format("holder {}", i % 7), text, i))
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
  for (auto [offset, limit, count_limit] : {std::tuple<size_t, size_t, uint64_t>{0, 20, 700},
                                            {1000, 25, 700},
                                            {2590, 20, 700},
                                            {0, 20, 10},
                                            {1000, 25, 10}}) {
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
                                             " ",  "\n", "é",  "É",  "%", "_", "\\", "z"};
  const std::vector<std::string> statuses = {"notice", "registered", "revoked"};
  std::mt19937 rng(20240611);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  auto random_text = [&](size_t max_chars) {
    std::string s;
    for (size_t i = rng() % (max_chars + 1); i > 0; --i) s += pick(alphabet);
    return s;
  };
  std::map<std::string, Listing> rows;  // what the store holds, by id
  std::map<std::string, int> places;    // and when each was first put (since last removed)
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

// --- parties (issue 11) ---

// The parties, as "role:id" in the order read.
std::vector<std::string> PartiesOf(const std::optional<Record>& r) {
  std::vector<std::string> out;
  if (!r) return {"no record"};
  for (const Party& p : r->parties) out.push_back(p.role + ":" + p.id);
  return out;
}

TEST_P(RegisterStoreConformance, ARecordKeepsItsPartiesAndPutRecordReplacesThem) {
  Record a = MakeRecord("application", "a1", "u1", 10, 5);
  a.number = "DJ-1";
  a.parties = {{"holder", "u2"}, {"holder", "u1"}, {"licensee", "u3"}, {"holder", "u1"}};
  const std::vector<std::string> set = {"holder:u1", "holder:u2", "licensee:u3"};
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutRecord(a).ok());
    EXPECT_EQ(PartiesOf(*tx->GetRecord("application", "a1")), set);  // a set, in byte order
    ASSERT_TRUE(tx->Commit().ok());
  }
  // Every read fills them.
  EXPECT_EQ(PartiesOf(*store_->RecordById("application", "a1")), set);
  EXPECT_EQ(PartiesOf(*store_->RecordByNumber("DJ-1")), set);
  EXPECT_EQ(PartiesOf(store_->RecordsByOwner("application", "u1", 0, 10)->at(0)), set);
  EXPECT_EQ(PartiesOf(store_->RecordsByStatus("application", "submitted", 0, 10)->at(0)), set);
  EXPECT_EQ(PartiesOf(store_->RecordsByParent("application", "")->at(0)), set);
  EXPECT_EQ(PartiesOf(store_->RecordsDue(Time(Micros(5)), 10)->at(0)), set);
  EXPECT_EQ(PartiesOf(store_->RecordsByParty("application", "licensee", "u3", 0, 10)->at(0)), set);
  // Unchanged, changed, rolled back, removed.
  a.version = 11;
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutRecord(a).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(PartiesOf(*store_->RecordById("application", "a1")), set);
  a.parties = {{"holder", "u1"}, {"pledgee", "b1"}};
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutRecord(a).ok());
    EXPECT_EQ(PartiesOf(*tx->GetRecord("application", "a1")),
              (std::vector<std::string>{"holder:u1", "pledgee:b1"}));
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(PartiesOf(*store_->RecordById("application", "a1")),
            (std::vector<std::string>{"holder:u1", "pledgee:b1"}));
  {
    auto tx = std::move(store_->BeginWrite()).value();
    a.parties = {{"holder", "u9"}};
    ASSERT_TRUE(tx->PutRecord(a).ok());
  }  // rolled back
  EXPECT_EQ(PartiesOf(*store_->RecordById("application", "a1")),
            (std::vector<std::string>{"holder:u1", "pledgee:b1"}));
  a.parties.clear();
  {
    auto tx = std::move(store_->BeginWrite()).value();
    ASSERT_TRUE(tx->PutRecord(a).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(PartiesOf(*store_->RecordById("application", "a1")), std::vector<std::string>{});
  EXPECT_TRUE(store_->RecordsByParty("application", "holder", "u1", 0, 10)->empty());
}

TEST_P(RegisterStoreConformance, RecordsByPartyAreOneKindRoleAndPartyNewestFirstAndPaged) {
  {
    auto tx = std::move(store_->BeginWrite()).value();
    for (auto [id, version] :
         {std::pair{"a1", 5}, std::pair{"a2", 9}, std::pair{"a3", 7}, std::pair{"a4", 9}}) {
      Record r = MakeRecord("application", id, "u1", version);
      r.parties = {{"holder", "u1"}};
      ASSERT_TRUE(tx->PutRecord(r).ok());
    }
    Record other = MakeRecord("application", "a5", "u2", 20);  // u1 in another role
    other.parties = {{"holder", "u2"}, {"licensee", "u1"}};
    ASSERT_TRUE(tx->PutRecord(other).ok());
    Record objection = MakeRecord("objection", "o1", "u1", 30);  // another kind
    objection.parties = {{"holder", "u1"}};
    ASSERT_TRUE(tx->PutRecord(objection).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(Ids(store_->RecordsByParty("application", "holder", "u1", 0, 10)),
            (std::vector<std::string>{"a2", "a4", "a3", "a1"}));  // as RecordsByOwner: ties by id
  EXPECT_EQ(Ids(store_->RecordsByParty("application", "holder", "u1", 1, 2)),
            (std::vector<std::string>{"a4", "a3"}));
  EXPECT_EQ(Ids(store_->RecordsByParty("application", "licensee", "u1", 0, 10)),
            (std::vector<std::string>{"a5"}));
  EXPECT_EQ(Ids(store_->RecordsByParty("application", "holder", "u2", 0, 10)),
            (std::vector<std::string>{"a5"}));
  EXPECT_EQ(Ids(store_->RecordsByParty("objection", "holder", "u1", 0, 10)),
            (std::vector<std::string>{"o1"}));
  EXPECT_TRUE(store_->RecordsByParty("application", "holder", "u", 0, 10)->empty());
  EXPECT_TRUE(store_->RecordsByParty("application", "pledgee", "u1", 0, 10)->empty());
  // The same as RecordsByOwner where the owner is the one holder.
  EXPECT_EQ(Ids(store_->RecordsByParty("application", "holder", "u1", 0, 10)),
            Ids(store_->RecordsByOwner("application", "u1", 0, 10)));
}

TEST_P(RegisterStoreConformance, APartyWithASeparatorIsRefusedAndWritesNothing) {
  auto tx = std::move(store_->BeginWrite()).value();
  for (Party bad :
       {Party{"holder", std::string("u\x1e") + "1"}, Party{std::string("hol\x1f") + "der", "u1"}}) {
    Record r = MakeRecord("application", "a1", "u1", 1);
    r.parties = {{"holder", "u2"}, bad};
    EXPECT_EQ(tx->PutRecord(r).code(), Code::kInvalidArgument);
    EXPECT_FALSE(tx->GetRecord("application", "a1")->has_value());
  }
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_FALSE(store_->RecordById("application", "a1")->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, RegisterStoreConformance, ::testing::ValuesIn(Backends()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, ListingSearch, ::testing::ValuesIn(Backends()), BackendName);

}  // namespace
}  // namespace dipr::storage
