// What one backend does that the conformance suites (store_conformance.h) cannot express: its
// migrations, connection handling and query plans.
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
#include <span>
#include <thread>

#include "common/hex.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "pg_testing.h"
#include "storage/grams.h"
#include "storage/migration_sql.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/store.h"
#include "storage/store_conformance.h"
#include "storage/store_wrapper.h"

namespace dipr::storage {
namespace {

using testenv::PostgresServer;
using testenv::RunSql;

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
            (std::vector<std::string>{R"({"id":"m0000"})", R"({"id":"m0001"})", R"({"id":"m1198"})",
                                      R"({"id":"m1199"})", R"({"id":"m1196"})"}));
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
    EXPECT_TRUE(PollUntil([&] {
      auto left = RunSql(conninfo_,
                         "SELECT count(*) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid()");
      return left.ok() && *left == "0";
    })) << "sessions did not end";
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
  EXPECT_EQ(*RunSql(conninfo_,
                    "SELECT string_agg(application_id || ' ' || rid || ' ' || status || "
                    "' ' || array_to_string(terms, ','), '; ' ORDER BY rid) "
                    "FROM listings_terms"),
            "a1 1 in_notice t交,t交通,t通,h h,iI; a2 2 registered t交,t交通,t通,h h,iI");
  auto page = (*store)->SearchListings(Q().Text("交通").Statuses({"registered"}));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items, std::vector<std::string>{R"({"id":"a2"})"});
  // A status change reaches the terms' row.
  {
    auto tx = std::move((*store)->BeginWrite()).value();
    ASSERT_TRUE(
        tx->PutListing(Listing{"a1", "N1", "registered", "I", "h", "交通", R"({"id":"a1"})"}).ok());
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
  auto plan = RunSql(conninfo_,
                     "SET enable_seqscan = off; EXPLAIN (FORMAT JSON) "
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
      return Listing{"a" + std::to_string(id), "",  "notice", "I", "holder " + std::to_string(id),
                     std::move(text),          "{}"};
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
  std::string sql =
      "INSERT INTO accounts VALUES('u1', 'n', 'holder', 1, 4);"
      "INSERT INTO credentials VALUES(x'" +
      std::string(64, 'a') + "', 'u1');";
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
                    "INSERT INTO credentials VALUES ('\\x" +
                        std::string(64, 'a') + "', 'u1'); SELECT 1");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  auto store = OpenPostgresStore(conninfo_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_FALSE((*(*store)->AccountById("u1"))->disabled);
  auto creds = *(*store)->CredentialsOf("u1");
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(**(*store)->SidecarOf(4), std::string(crypto::HashChars(creds[0].token_hash)));
}

// --- migration 10: records' parties ---

// Records of schema version 9, whose parties migration 10 fills from their owners.
constexpr const char* kRecordsBeforeParties =
    "INSERT INTO records(kind, id, owner, parent, status, number, doc, version) VALUES "
    "('application', 'a1', 'u1', '', 'registered', 'DJ-1', '{}', 5), "
    "('application', 'a2', 'u1', '', 'submitted', '', '{}', 8), "
    "('objection', 'o1', 'u2', 'a1', 'open', '', '{}', 7), "
    "('settings', 'registrar', 'u3', '', 'in_force', '', '{}', 1);";

void ExpectThePartiesBackfilled(Store& store) {
  auto parties = [&](std::string_view kind, std::string_view id) {
    auto r = store.RecordById(kind, id);
    return r.ok() && r->has_value() ? (*r)->parties : std::vector<Party>{{"error", ""}};
  };
  EXPECT_EQ(parties("application", "a1"), (std::vector<Party>{{"holder", "u1"}}));
  EXPECT_EQ(parties("objection", "o1"), (std::vector<Party>{{"objector", "u2"}}));
  EXPECT_EQ(parties("settings", "registrar"), std::vector<Party>{});
  EXPECT_EQ(Ids(store.RecordsByParty("application", "holder", "u1", 0, 10)),
            (std::vector<std::string>{"a2", "a1"}));
  EXPECT_EQ(Ids(store.RecordsByParty("objection", "objector", "u2", 0, 10)),
            (std::vector<std::string>{"o1"}));
}

TEST(SqliteStoreTest, MigrationTenGivesEachRecordItsOwnerAsParty) {
  auto dir = std::filesystem::temp_directory_path() /
             ("dipr-store-" + std::to_string(::getpid()) + "-migration10");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = (dir / "dipr.db").string();
  ASSERT_TRUE(MigrateSqliteSchema(path, 9).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, kRecordsBeforeParties, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ExpectThePartiesBackfilled(**store);
  }
  std::filesystem::remove_all(dir);
}

TEST_F(PostgresStoreTest, MigrationTenGivesEachRecordItsOwnerAsParty) {
  ASSERT_TRUE(MigratePostgresSchema(conninfo_, 9).ok());
  auto put = RunSql(conninfo_, std::string(kRecordsBeforeParties) + " SELECT 1");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  auto store = OpenPostgresStore(conninfo_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ExpectThePartiesBackfilled(**store);
}

// A failed sqlite3_bind_* is an error of the statement's Step or Run, not a parameter left NULL.
TEST(SqliteStoreTest, AFailedBindIsAnErrorAndTheStatementRunsNot) {
  auto dir = std::filesystem::temp_directory_path() /
             ("dipr-store-" + std::to_string(::getpid()) + "-bind");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    auto c = std::move(sqlite::Connection::Open((dir / "t.db").string(), false)).value();
    ASSERT_TRUE(c->Exec("CREATE TABLE t(v)").ok());
    sqlite3_limit(c->raw(), SQLITE_LIMIT_LENGTH, 16);
    auto* insert = *c->Prepare("INSERT INTO t(v) VALUES(?)");
    insert->Bind(1, std::string_view("longer than sixteen bytes"));
    EXPECT_EQ(insert->Run().code(), Code::kInvalidArgument);
    insert->Reset();
    insert->BindBlob(1, std::string(17, 'b'));
    EXPECT_EQ(insert->Run().code(), Code::kInvalidArgument);
    insert->Reset();
    insert->Bind(2, int64_t{1});  // no such parameter
    EXPECT_EQ(insert->Run().code(), Code::kInternal);
    insert->Reset();
    insert->Bind(1, std::string_view("short"));  // a Reset forgets the failure
    EXPECT_TRUE(insert->Run().ok());
    auto* select = *c->Prepare("SELECT count(*) FROM t WHERE v = ?");
    select->Bind(1, std::string_view("longer than sixteen bytes, too"));
    EXPECT_EQ(select->Step().status().code(), Code::kInvalidArgument);
    select->Reset();
    ASSERT_TRUE(*select->Bind(1, std::string_view("short")).Step());
    EXPECT_EQ(select->Int(0), 1);
    select->Reset();
    auto* all = *c->Prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(*all->Step());
    EXPECT_EQ(all->Int(0), 1);  // only the last insert ran
    c->ResetActive();
  }
  std::filesystem::remove_all(dir);
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

// --- the migrations' SQL (migration_sql.h) ---

// A migration as it shipped: its number, name, and the SHA-256 of its SQL and of its .then.sql
// ("" if none).
struct ShippedMigration {
  int number;
  const char* name;
  const char* sql_sha256;
  const char* then_sha256;
};

// Every migration is there, in order, byte for byte what shipped (a database that ran one must
// not differ from one that runs it now); a new migration appends a line here.
void ExpectTheMigrationsShipped(std::span<const MigrationSql> embedded,
                                const std::vector<ShippedMigration>& shipped) {
  ASSERT_EQ(embedded.size(), shipped.size());
  auto sha256 = [](const char* s) {
    return s == nullptr ? std::string() : HexEncode(crypto::Sha256Of(std::string_view(s)));
  };
  for (size_t i = 0; i < shipped.size(); ++i) {
    EXPECT_EQ(embedded[i].number, static_cast<int>(i) + 1);
    EXPECT_EQ(embedded[i].number, shipped[i].number);
    EXPECT_STREQ(embedded[i].name, shipped[i].name);
    EXPECT_EQ(sha256(embedded[i].sql), shipped[i].sql_sha256) << embedded[i].name;
    EXPECT_EQ(sha256(embedded[i].then), shipped[i].then_sha256) << embedded[i].name;
  }
}

TEST(SqliteStoreTest, TheEmbeddedMigrationsAreCompleteInOrderAndAsShipped) {
  ExpectTheMigrationsShipped(
      SqliteMigrationSql(),
      {
          {1, "log_accounts_deposits",
           "849fae74b812f327760bd50d92142b54fc1bab02090f6f2fbf655428f366ae81", ""},
          {2, "queue", "4e71d95e7d14968f7f45adb5bdf1b758f5ecae6def0c7087e069f75dcd6382ac", ""},
          {3, "register", "a52fcfa740fc27e157276cced2cfe4f6ed38d2f51934b3d1f2b181fdd6d5b02d", ""},
          {4, "records_by_status",
           "105ff76bfb2eef1f357ce58dd820fa219880f5df32f15782ff9fffc4d5ad9c1b", ""},
          {5, "listing_terms", "c4c23d9c91e26288ffedf2ead77d0d1df0edd7de913c91251644607ce0359388",
           ""},
          {6, "listings_in_log_order",
           "e4270c5e8c6f062c3ebba1a1e327c63cedbbfaca24b47d06d87d59c355c5af07", ""},
          {7, "listings_by_industry",
           "ade9efa160f2cc2d7d1a43344071f714d7201dc8325398b5de1139154b14635d", ""},
          {8, "credentials", "ad0876744eb61d8d173cc9728ca8558c32a035707ef5330e4a561a308562c446",
           ""},
          {9, "followers", "bde90cd5f22408419b8625458593595f70eb89bce5fd8b3351f1b1e8567626ac", ""},
          {10, "record_parties", "9fdb2f23b0e33e07e88876f3e57efa30a8c1d95d974b4c5cc620f7b370eb317d",
           ""},
      });
}

TEST(PostgresMigrations, TheEmbeddedMigrationsAreCompleteInOrderAndAsShipped) {
  ExpectTheMigrationsShipped(
      PostgresMigrationSql(),
      {
          {1, "log_accounts_deposits",
           "3948f94c237fb79c4f3823fd6ab70b2b8f231841bebe1661d7a8accb7b27919d", ""},
          {2, "queue", "ceafdfaa4c8dc929bada4f5b4752e2aa44bd796a6048804931556e926868cd15", ""},
          {3, "register", "64eae2ba7b18f653d87259224e21d59feb4e0ecc058667a0cf5b39e9864bc3af", ""},
          {4, "records_by_status",
           "105ff76bfb2eef1f357ce58dd820fa219880f5df32f15782ff9fffc4d5ad9c1b", ""},
          {5, "listing_terms", "b60221b879f3f1746dd23d32d51a4af91903571edb79b045a4def2b8e7e5a9d3",
           "94126d49bd83fcb51361489e123a0c73e8f2cb251fd1b972cd0fbc98ce81d9b1"},
          {6, "listings_in_log_order",
           "06d46524ba843d7b28b682a25a9a69dddffc53f5dce9f7015ba520df7791f222", ""},
          {7, "listings_by_industry",
           "bf3fedce7b48162c0f3d57c7668530232dc572445de4c710a595bdc7f8704e87", ""},
          {8, "credentials", "8d7d8306b34a1da681f71d61de5589e9d127875c31ea2024728358e4e645291c",
           ""},
          {9, "followers", "aba21dd771a3996493ddd35e6f5ec5bac60301056fceafcc45b94c884c3c4c98", ""},
          {10, "record_parties", "f11e96fa7e60cab4d8c1970ea82b589a07d69e8d78d99e414e2cf5fc44771648",
           ""},
      });
}

}  // namespace
}  // namespace dipr::storage
