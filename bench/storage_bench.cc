// Storage backends compared: SQLite and PostgreSQL behind the same Store interface.
//
//  1. Sequencer-shaped commits: per transaction 256 deposits (InsertDeposit + AppendEntry of a
//     ~350-byte entry), 4 tiles of 16 KiB and 1 tree head; entries per second and batch latency.
//  2. ReadTile, the proof path: latency from one thread, throughput from several.
//  3. Bytes stored per entry in PostgreSQL after --size-entries realistic entries (deposit rows,
//     and the tiles the real TreeAppender writes: ~64 bytes of tile per entry plus the rewrites
//     of partial tiles), before and after VACUUM FULL; the SQLite file for comparison.
//  4. SearchListings over --search-listings public register rows (~300-500 bytes of mixed
//     Chinese and English text each): latency of a page of 20 with its total, for text queries
//     of 3 characters or more (the trigram indexes), of 1 and 2 characters (the term index),
//     holder, status and industry filters, deep pages, and the searches the public register
//     sends (always with statuses), from one thread. Then PutListing and RemoveListing one per
//     transaction into the filled register, and the sizes of the listings' tables and indexes.
//
// A standalone timing program (not Google Benchmark: setup and the size report do not fit its
// loop); it ignores --benchmark_* flags so bench/run.sh may run it. PostgreSQL: --pg URI (a user
// that may CREATE DATABASE; one is created and dropped), else a throwaway cluster started with
// scripts/pg.sh (found through DIPR_SOURCE_DIR or the compiled-in DIPR_SOURCE_DIR_DEFAULT).
//
//   storage_bench [--pg URI] [--batches N] [--reads N] [--size-entries N] [--skip-size]
//                 [--search-listings N] [--search-runs N] [--skip-search] [--only-search]
//                 [--keep-search-data]
#include <fmt/format.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/bytes.h"
#include "common/hex.h"
#include "log/appender.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/store.h"
#include "verify/hasher.h"

namespace dipr {
namespace {

void IgnoreNotice(void*, const char*) {}

using storage::Store;
using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "storage_bench: %s\n", msg.c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}
void Must(const Status& st, const char* what) {
  if (!st.ok()) Die(std::string(what) + ": " + st.ToString());
}

double Us(SteadyClock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

// --- realistic data ---

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  std::string Bytes(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; i += 8) {
      uint64_t v = rng_();
      std::memcpy(&s[i], &v, std::min<size_t>(8, n - i));
    }
    return s;
  }
  std::string Hex(size_t bytes) { return HexEncode(AsBytes(Bytes(bytes))); }
  uint64_t Next() { return rng_(); }

 private:
  std::mt19937_64 rng_;
};

struct Deposit {
  std::string entry;  // what the log stores (~350 bytes of JSON)
  storage::DepositRecord record;
};

// A deposit as the registry logs it: a JSON event with actor, digest, chunking and title.
Deposit MakeDeposit(Gen& g, uint64_t index) {
  Deposit d;
  std::string actor = "u" + g.Hex(8);
  std::string digest = g.Hex(32);
  uint64_t size = 1 + g.Next() % (uint64_t{1} << 34);
  std::string title = "dataset " + std::to_string(index) + " " + g.Hex(6);
  d.entry = "{\"type\":\"deposit\",\"time\":\"2026-11-26T01:53:46.123Z\",\"actor\":\"" + actor +
            "\",\"fingerprint\":{\"algorithm\":\"dipr-fp-v1\",\"chunk_size\":1048576,"
            "\"chunks\":" +
            std::to_string(size >> 20) + ",\"digest\":\"" + digest +
            "\",\"size\":" + std::to_string(size) + "},\"title\":\"" + title +
            "\",\"v\":1,\"pad\":\"" + std::string(60, 'x') + "\"}";
  d.record = {index, actor, digest, size, title, Time(dipr::Micros(1764121000000000 + index))};
  return d;
}

std::string FakeCheckpoint(uint64_t size) {
  return "registry.example/log\n" + std::to_string(size) +
         "\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
         "\xE2\x80\x94 registry.example/log AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
}

// --- PostgreSQL plumbing ---

Status PgExec(const std::string& conninfo, const std::string& sql, std::string* first = nullptr) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  PQsetNoticeProcessor(c, IgnoreNotice, nullptr);
  Status st;
  if (PQstatus(c) != CONNECTION_OK) {
    st = Unavailable(PQerrorMessage(c));
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
      st = Internal(sql + ": " + PQresultErrorMessage(r));
    } else if (first && PQntuples(r) > 0) {
      *first = PQgetvalue(r, 0, 0);
    }
    PQclear(r);
  }
  PQfinish(c);
  return st;
}

std::string WithDatabase(const std::string& conninfo, const std::string& db) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (!opts) Die("bad conninfo " + conninfo);
  std::string out;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (std::string(o->keyword) == "dbname" || !o->val) continue;
    out += std::string(o->keyword) + "='" + o->val + "' ";
  }
  PQconninfoFree(opts);
  return out + "dbname='" + db + "'";
}

// A throwaway cluster from scripts/pg.sh, destroyed with the object.
class Cluster {
 public:
  Cluster() {
    const char* src = std::getenv("DIPR_SOURCE_DIR");
#ifdef DIPR_SOURCE_DIR_DEFAULT
    if (!src) src = DIPR_SOURCE_DIR_DEFAULT;
#endif
    if (!src) Die("no --pg URI, and neither DIPR_SOURCE_DIR nor a compiled-in source dir");
    script_ = std::string(src) + "/scripts/pg.sh";
    char templ[] = "/tmp/dipr-bench-pg-XXXXXX";
    if (!::mkdtemp(templ)) Die("mkdtemp");
    dir_ = templ;
    std::string cmd = "'" + script_ + "' start '" + dir_ + "' " + std::to_string(::getpid());
    FILE* f = ::popen(cmd.c_str(), "r");
    std::array<char, 256> buf;
    while (size_t n = std::fread(buf.data(), 1, buf.size(), f)) uri_.append(buf.data(), n);
    if (::pclose(f) != 0) Die("could not start PostgreSQL: " + cmd);
    while (!uri_.empty() && uri_.back() == '\n') uri_.pop_back();
  }
  ~Cluster() {
    std::string cmd = "'" + script_ + "' destroy '" + dir_ + "'";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not stop %s\n", dir_.c_str());
  }
  const std::string& uri() const { return uri_; }

 private:
  std::string script_, dir_, uri_;
};

// A fresh database on the server, dropped with the object.
class PgDatabase {
 public:
  PgDatabase(std::string admin_uri, const std::string& tag)
      : admin_(std::move(admin_uri)),
        name_("dipr_bench_" + tag + "_" + std::to_string(::getpid())) {
    Must(PgExec(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"), "drop database");
    Must(PgExec(admin_, "CREATE DATABASE " + name_), "create database");
  }
  ~PgDatabase() {
    if (!keep_) (void)PgExec(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  std::string conninfo() const { return WithDatabase(admin_, name_); }
  void Keep() { keep_ = true; }

 private:
  std::string admin_, name_;
  bool keep_ = false;
};

// --- 1. batch commits ---

struct BatchStats {
  double entries_per_sec = 0;
  double batch_p50_ms = 0, batch_p99_ms = 0, commit_p50_ms = 0;
};

BatchStats RunBatches(Store& store, int batches, uint64_t seed) {
  constexpr int kBatch = 256;
  Gen g(seed);
  // Data prepared up front: only the store is timed.
  std::vector<std::vector<Deposit>> data(batches + 2);
  uint64_t index = Must(store.EntryCount(), "count");
  for (auto& b : data) {
    for (int i = 0; i < kBatch; ++i) b.push_back(MakeDeposit(g, index++));
  }
  std::vector<std::string> tiles;
  for (int i = 0; i < 4; ++i) tiles.push_back(g.Bytes(16 * 1024));

  std::vector<double> batch_ms, commit_ms;
  auto start = SteadyClock::now();
  for (size_t b = 0; b < data.size(); ++b) {
    if (b == 2) start = SteadyClock::now();  // two warm-up batches
    auto t0 = SteadyClock::now();
    auto tx = Must(store.BeginWrite(), "begin");
    for (const Deposit& d : data[b]) {
      Must(tx->InsertDeposit(d.record), "deposit");
      Must(tx->AppendEntry(d.record.index, d.entry), "append");
    }
    uint64_t size = data[b].back().record.index + 1;
    // As the sequencer does: the bottom tile being filled, and the partial tiles above it.
    for (int t = 0; t < 4; ++t) {
      Must(tx->PutTile(static_cast<uint8_t>(t), (size - 1) >> (8 * (t + 1)), tiles[t]), "tile");
    }
    Must(tx->PutTreeHead({size, crypto::Sha256Of(std::to_string(size)), FakeCheckpoint(size)}),
         "head");
    auto t1 = SteadyClock::now();
    Must(tx->Commit(), "commit");
    auto t2 = SteadyClock::now();
    if (b >= 2) {
      batch_ms.push_back(Us(t2 - t0) / 1000);
      commit_ms.push_back(Us(t2 - t1) / 1000);
    }
  }
  double secs = std::chrono::duration<double>(SteadyClock::now() - start).count();
  return {batches * kBatch / secs, Percentile(batch_ms, 0.5), Percentile(batch_ms, 0.99),
          Percentile(commit_ms, 0.5)};
}

// --- 2. ReadTile ---

struct ReadStats {
  double p50_us = 0, p99_us = 0, mean_us = 0;
  std::vector<std::pair<int, double>> per_sec_by_threads;
};

ReadStats RunReads(Store& store, int reads) {
  // Tiles as a grown log has them: many full level-0 tiles of 16 KiB.
  constexpr int kTiles = 512;
  {
    Gen g(7);
    auto tx = Must(store.BeginWrite(), "begin");
    for (int i = 0; i < kTiles; ++i) Must(tx->PutTile(0, 100000 + i, g.Bytes(16320)), "tile");
    Must(tx->Commit(), "commit");
  }
  ReadStats out;
  std::mt19937_64 rng(1);
  std::vector<double> us;
  us.reserve(reads);
  for (int i = 0; i < reads; ++i) {
    uint64_t idx = 100000 + rng() % kTiles;
    auto t0 = SteadyClock::now();
    auto tile = store.ReadTile(0, idx);
    us.push_back(Us(SteadyClock::now() - t0));
    if (!tile.ok() || tile->size() != 16320) Die("bad tile read");
  }
  double sum = 0;
  for (double u : us) sum += u;
  out.p50_us = Percentile(us, 0.5);
  out.p99_us = Percentile(us, 0.99);
  out.mean_us = sum / static_cast<double>(us.size());
  for (int threads : {2, 4, 8}) {
    std::atomic<int> done{0};
    std::vector<std::thread> ts;
    auto t0 = SteadyClock::now();
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        std::mt19937_64 r(t + 10);
        for (int i = 0; i < reads / threads; ++i) {
          if (!store.ReadTile(0, 100000 + r() % kTiles).ok()) Die("tile read failed");
          ++done;
        }
      });
    }
    for (auto& t : ts) t.join();
    double secs = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    out.per_sec_by_threads.push_back({threads, done.load() / secs});
  }
  return out;
}

// --- 3. bytes per entry ---

// Appends n realistic entries in batches of 256 with the real tree appender's tiles.
void Fill(Store& store, uint64_t n) {
  Gen g(99);
  log::TreeAppender appender;
  uint64_t index = 0;
  while (index < n) {
    auto tx = Must(store.BeginWrite(), "begin");
    std::vector<crypto::Hash> leaves;
    for (int i = 0; i < 256 && index < n; ++i, ++index) {
      Deposit d = MakeDeposit(g, index);
      Must(tx->InsertDeposit(d.record), "deposit");
      Must(tx->AppendEntry(index, d.entry), "append");
      leaves.push_back(log::HashLeaf(d.entry));
    }
    for (const auto& w : appender.Append(leaves)) {
      Must(tx->PutTile(w.id.level, w.id.index, w.data), "tile");
    }
    Must(tx->PutTreeHead({appender.size(), appender.root(), FakeCheckpoint(appender.size())}),
         "head");
    Must(tx->Commit(), "commit");
  }
}

void ReportPgSize(const std::string& conninfo, uint64_t n, const char* when) {
  std::printf("  %s:\n", when);
  uint64_t total = 0;
  for (const char* t : {"entries", "deposits", "tiles", "tree_heads", "accounts", "credentials"}) {
    std::string v;
    Must(PgExec(conninfo, std::string("SELECT pg_total_relation_size('") + t + "')", &v), "size");
    uint64_t b = std::strtoull(v.c_str(), nullptr, 10);
    total += b;
    std::printf("    %-12s %10.1f MiB  %7.1f B/entry\n", t, b / 1048576.0,
                static_cast<double>(b) / static_cast<double>(n));
  }
  std::printf("    %-12s %10.1f MiB  %7.1f B/entry\n", "total", total / 1048576.0,
              static_cast<double>(total) / static_cast<double>(n));
}

// --- 4. SearchListings ---

// Public register rows as a registry holds them: a title and a description in Chinese with
// English mixed in, built from templates over a domain vocabulary, so that common words
// ("数据", "data") are in nearly every row and domain terms in a few percent of them.
class ListingGen {
 public:
  explicit ListingGen(uint64_t seed) : rng_(seed) {}

  storage::Listing Make(uint64_t i) {
    const Domain& d = Pick(kDomains);
    const char* city = Pick(kCities);
    const char* city2 = Pick(kCities);
    const char* object = Pick(d.objects);
    const char* metric = Pick(d.metrics);
    int from = 2015 + static_cast<int>(rng_() % 8);
    std::string text = fmt::format(
        "{city}{domain}{object}{metric}数据集（{from}—{to}） {en_city} {en} {en_object} dataset. "
        "本数据集包含{city}及{city2}{domain}领域的{object}{metric}数据，覆盖{from}年至{to}年，"
        "重点指标为{domain}{metric}。共{rows}条记录，按{freq}更新，经过{process}处理。"
        "数据来源于{source}，适用于{use}等场景。"
        "Contains {rows} records of {en} {en_object} for {en_city}, "
        "updated {en_freq}; fields: {field1}, {field2}, {field3}.",
        fmt::arg("city", city), fmt::arg("city2", city2), fmt::arg("domain", d.name),
        fmt::arg("object", object), fmt::arg("metric", metric), fmt::arg("from", from),
        fmt::arg("to", from + 1 + static_cast<int>(rng_() % 6)),
        fmt::arg("en_city", EnglishCity(city)), fmt::arg("en", d.english),
        fmt::arg("en_object", Pick(d.english_objects)), fmt::arg("rows", 1000 + rng_() % 9000000),
        fmt::arg("freq", Pick(kFrequencies)), fmt::arg("process", Pick(kProcesses)),
        fmt::arg("source", Pick(kSources)), fmt::arg("use", Pick(kUses)),
        fmt::arg("en_freq", Pick(kEnglishFrequencies)), fmt::arg("field1", Pick(kFields)),
        fmt::arg("field2", Pick(kFields)), fmt::arg("field3", Pick(kFields)));
    std::string company = fmt::format("{}{}{}", Pick(kCities), Pick(kNames), Pick(kSuffixes));
    std::string code =
        fmt::format("913{:05d}MA{:08X}", rng_() % 100000, static_cast<uint32_t>(rng_()));
    std::string holders = company + "\n" + code;
    if (rng_() % 5 == 0) {  // a fifth have a second holder
      holders += fmt::format("\n{}{}{}\n913{:05d}MA{:08X}", Pick(kCities), Pick(kNames),
                             Pick(kSuffixes), rng_() % 100000, static_cast<uint32_t>(rng_()));
    }
    std::string id = fmt::format("a{:016x}", i * 0x9E3779B97F4A7C15ULL);
    bool registered = rng_() % 4 != 0;
    std::string item = fmt::format(
        R"({{"id":"{}","number":"{}","status":"{}","title":"{}{}{}","holders":["{}"]}})", id,
        registered ? fmt::format("DJ{}-{:06d}", 2020 + i % 6, i) : "",
        registered ? "registered" : "notice", city, d.name, object, company);
    return storage::Listing{id,
                            registered ? fmt::format("DJ{}-{:06d}", 2020 + i % 6, i) : "",
                            registered ? "registered" : "notice",
                            std::string(1, static_cast<char>('A' + rng_() % 20)),
                            std::move(holders),
                            std::move(text),
                            std::move(item)};
  }

 private:
  struct Domain {
    const char* name;
    const char* english;
    std::vector<const char*> objects, metrics, english_objects;
  };
  static inline const std::vector<Domain> kDomains = {
      {"交通",
       "traffic",
       {"道路", "路口", "公交", "地铁", "车辆"},
       {"流量", "速度", "拥堵指数", "客流"},
       {"road", "vehicle", "bus", "metro"}},
      {"医疗",
       "medical",
       {"医院", "门诊", "影像", "病历"},
       {"就诊量", "费用", "诊断结果"},
       {"imaging", "clinic", "patient"}},
      {"金融",
       "finance",
       {"企业", "个人", "贷款", "交易"},
       {"信用评分", "风险指标", "流水"},
       {"credit", "loan", "transaction"}},
      {"电力",
       "power",
       {"变电站", "用户", "电网", "电表"},
       {"负荷", "用电量", "电压"},
       {"grid", "meter", "load"}},
      {"气象",
       "weather",
       {"站点", "雷达", "卫星"},
       {"温度", "降水", "风速"},
       {"station", "radar", "satellite"}},
      {"物流",
       "logistics",
       {"仓库", "快递", "货车", "港口"},
       {"吞吐量", "时效", "轨迹"},
       {"warehouse", "parcel", "port"}},
      {"零售",
       "retail",
       {"门店", "商品", "会员"},
       {"销售额", "客单价", "库存"},
       {"store", "product", "member"}},
      {"农业",
       "agriculture",
       {"农田", "土壤", "作物"},
       {"产量", "含水率", "病虫害"},
       {"farmland", "soil", "crop"}},
      {"工业",
       "industrial",
       {"设备", "传感器", "产线"},
       {"能耗", "故障", "良品率"},
       {"equipment", "sensor", "production line"}},
      {"教育",
       "education",
       {"学校", "学生", "课程"},
       {"成绩", "出勤", "评价"},
       {"school", "student", "course"}},
      {"政务",
       "government",
       {"办事大厅", "企业登记", "许可"},
       {"办件量", "时长", "满意度"},
       {"service", "registration", "permit"}},
      {"旅游",
       "tourism",
       {"景区", "酒店", "游客"},
       {"客流", "入住率", "消费"},
       {"scenic area", "hotel", "visitor"}},
      {"环境",
       "environment",
       {"水质", "空气", "噪声"},
       {"监测值", "超标次数", "浓度"},
       {"water quality", "air", "noise"}},
      {"通信",
       "telecom",
       {"基站", "用户", "网络"},
       {"信令", "流量", "覆盖率"},
       {"base station", "subscriber", "network"}},
      {"能源",
       "energy",
       {"充电桩", "光伏", "储能"},
       {"发电量", "利用率", "充电量"},
       {"charging pile", "photovoltaic", "storage"}},
  };
  static inline const std::vector<const char*> kCities = {
      "北京", "上海", "广州", "深圳",     "杭州", "宁波", "温州",     "南京",
      "苏州", "无锡", "成都", "重庆",     "武汉", "西安", "郑州",     "长沙",
      "合肥", "福州", "厦门", "济南",     "青岛", "天津", "石家庄",   "太原",
      "沈阳", "大连", "长春", "哈尔滨",   "南昌", "南宁", "昆明",     "贵阳",
      "兰州", "西宁", "银川", "乌鲁木齐", "拉萨", "海口", "呼和浩特", "鄂尔多斯"};
  static const char* EnglishCity(const char* city) {
    static const std::vector<std::pair<std::string, const char*>> kNamesEn = {
        {"北京", "Beijing"},  {"上海", "Shanghai"}, {"广州", "Guangzhou"}, {"深圳", "Shenzhen"},
        {"杭州", "Hangzhou"}, {"宁波", "Ningbo"},   {"南京", "Nanjing"},   {"成都", "Chengdu"},
        {"武汉", "Wuhan"},    {"西安", "Xi'an"}};
    for (const auto& [zh, en] : kNamesEn) {
      if (zh == city) return en;
    }
    return "China";
  }
  static inline const std::vector<const char*> kNames = {
      "云帆", "数智", "星河", "海纳", "天擎", "华信", "卓越", "鼎盛", "博远", "恒通",
      "瑞达", "启明", "众联", "汇智", "蓝海", "金桥", "远景", "同创", "正源", "新元",
      "弘毅", "泰和", "长风", "明德", "聚点", "万象", "千帆", "九州", "智联", "数衡"};
  static inline const std::vector<const char*> kSuffixes = {
      "数据科技有限公司", "信息技术有限公司", "大数据有限公司",   "科技股份有限公司",
      "数字科技有限公司", "研究院",           "交通科技有限公司", "医疗科技有限公司"};
  static inline const std::vector<const char*> kFrequencies = {"日",   "周", "月",
                                                               "季度", "年", "小时"};
  static inline const std::vector<const char*> kEnglishFrequencies = {"daily", "weekly", "monthly",
                                                                      "quarterly", "hourly"};
  static inline const std::vector<const char*> kProcesses = {"脱敏", "清洗", "去标识化",
                                                             "聚合", "标注", "质量校验"};
  static inline const std::vector<const char*> kSources = {
      "政府公开数据", "企业自有系统", "物联网传感器", "合作机构", "公开网络", "业务系统日志"};
  static inline const std::vector<const char*> kUses = {
      "城市规划", "风险控制", "精准营销", "模型训练", "学术研究", "运营优化", "应急管理"};
  static inline const std::vector<const char*> kFields = {
      "timestamp", "region_code", "station_id", "value",    "category", "lat",
      "lng",       "user_hash",   "amount",     "duration", "count",    "level"};

  template <typename V>
  auto Pick(const V& v) -> decltype(v[0]) {
    return v[rng_() % v.size()];
  }

  std::mt19937_64 rng_;
};

void FillListings(Store& store, uint64_t n) {
  ListingGen g(42);
  size_t bytes = 0;
  auto t0 = SteadyClock::now();
  for (uint64_t i = 0; i < n;) {
    auto tx = Must(store.BeginWrite(), "begin");
    for (int k = 0; k < 1000 && i < n; ++k, ++i) {
      storage::Listing l = g.Make(i);
      bytes += l.text.size() + l.holders.size();
      Must(tx->PutListing(l), "listing");
    }
    Must(tx->Commit(), "commit");
  }
  std::printf("    (mean text + holders: %.0f bytes; %.0f us per listing, 1000 per transaction)\n",
              static_cast<double>(bytes) / static_cast<double>(n),
              Us(SteadyClock::now() - t0) / static_cast<double>(n));
}

// PutListing as the registry does it, one listing per transaction (a notice starts, a
// registration is made), into the filled register: a new listing, one whose text changed, one
// whose status alone changed, and a removal; `runs` transactions of each.
void RunListingWrites(const char* backend, Store& store, uint64_t n, int runs) {
  std::vector<storage::Listing> filled;  // the fill's first listings, as it made them
  ListingGen same(42);
  for (int i = 0; i < 3 * runs; ++i) filled.push_back(same.Make(i));
  ListingGen other(7);
  std::printf("  %s, one listing per transaction%*s %9s %9s %9s\n", backend,
              static_cast<int>(24 - std::strlen(backend)), "", "call us", "p50 ms", "p99 ms");
  auto run = [&](const char* name, const std::function<void(storage::WriteTx&, int)>& write) {
    std::vector<double> call_us, tx_ms;
    for (int i = 0; i < runs; ++i) {
      auto t0 = SteadyClock::now();
      auto tx = Must(store.BeginWrite(), "begin");
      auto t1 = SteadyClock::now();
      write(*tx, i);
      auto t2 = SteadyClock::now();
      Must(tx->Commit(), "commit");
      call_us.push_back(Us(t2 - t1));
      tx_ms.push_back(Us(SteadyClock::now() - t0) / 1000);
    }
    std::printf("    %-46s %9.1f %9.2f %9.2f\n", name, Percentile(call_us, 0.5),
                Percentile(tx_ms, 0.5), Percentile(tx_ms, 0.99));
  };
  run("PutListing, new", [&](storage::WriteTx& tx, int i) {
    Must(tx.PutListing(other.Make(n + static_cast<uint64_t>(i))), "put");
  });
  run("PutListing, text changed", [&](storage::WriteTx& tx, int i) {
    storage::Listing l = other.Make(static_cast<uint64_t>(i));  // listing i's id, other text
    Must(tx.PutListing(l), "put");
  });
  run("PutListing, status changed (same text)", [&](storage::WriteTx& tx, int i) {
    storage::Listing l = filled[runs + i];
    l.status = l.status == "registered" ? "notice" : "registered";
    Must(tx.PutListing(l), "put");
  });
  run("PutListing, nothing changed", [&](storage::WriteTx& tx, int i) {
    Must(tx.PutListing(filled[runs + i]), "put");  // back as filled: no term changes after this
    Must(tx.PutListing(filled[runs + i]), "put");
  });
  run("RemoveListing", [&](storage::WriteTx& tx, int i) {
    Must(tx.RemoveListing(filled[2 * runs + i].application_id), "remove");
  });
}

// The search's share of the SQLite file: the listings, their indexes and the full-text tables.
void ReportSqliteSearchSize(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return;
  }
  sqlite3_stmt* s = nullptr;
  const char* sql =
      "SELECT CASE WHEN name LIKE 'listings_fts%' THEN 'listings_fts (trigrams)' "
      "WHEN name LIKE 'listings_terms%' THEN 'listings_terms (terms)' ELSE name END, "
      "sum(pgsize) FROM dbstat WHERE name LIKE '%listings%' GROUP BY 1 ORDER BY 1";
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK) {
    std::printf("  sqlite sizes:");
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::printf("  %s %.1f MiB", reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                  static_cast<double>(sqlite3_column_int64(s, 1)) / 1048576.0);
    }
    std::printf("\n");
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
}

void ReportPgSearchSize(const std::string& conninfo) {
  std::string v;
  Must(PgExec(conninfo,
              "SELECT string_agg(format('%s %s MiB', c.relname, "
              "round(pg_relation_size(c.oid) / 1048576.0, 1)) || CASE WHEN c.reltoastrelid <> 0 "
              "THEN format(' (+toast %s MiB)', round(pg_total_relation_size(c.reltoastrelid) / "
              "1048576.0, 1)) ELSE '' END, '  ' ORDER BY c.relname) FROM pg_class c "
              "WHERE c.relname LIKE 'listings%' AND c.relkind IN ('r', 'i')",
              &v),
       "sizes");
  std::printf("  postgres sizes: %s\n", v.c_str());
}

struct SearchCase {
  const char* name;
  storage::ListingQuery query;
};

std::vector<SearchCase> SearchCases() {
  auto q = [](std::string text, std::string holder = "", std::vector<std::string> statuses = {},
              std::string industry = "", size_t offset = 0) {
    storage::ListingQuery out;
    out.text = std::move(text);
    out.holder = std::move(holder);
    out.statuses = std::move(statuses);
    out.industry = std::move(industry);
    out.offset = offset;
    return out;
  };
  // What the public register sends (registry/registrar.cc): every search has the register's
  // statuses, or the notices' (in_notice there, "notice" here).
  const std::vector<std::string> pub = {"registered", "expired", "cancelled", "revoked"};
  return {
      {"text 交通流量 (4 chars)", q("交通流量")},
      {"text 传感器 (3)", q("传感器")},
      {"text 鄂尔多斯 (4)", q("鄂尔多斯")},
      {"text traffic", q("traffic")},
      {"text Production Line", q("Production Line")},
      {"text 不存在的词 (no match)", q("不存在的词")},
      {"text 交通 (2 chars)", q("交通")},
      {"text 拉萨 (2)", q("拉萨")},
      {"text 数据 (2, in every row)", q("数据")},
      {"text 鄂 (1)", q("鄂")},
      {"text zz (2, no match)", q("zz")},
      {"text Tr (2, ASCII, any case)", q("Tr")},
      {"text 交通, page 50", q("交通", "", {}, "", 980)},
      {"text 数据, page 50", q("数据", "", {}, "", 980)},
      {"text 交通 + holder 杭州", q("交通", "杭州")},
      {"text 交通 + industry C", q("交通", "", {}, "C")},
      {"holder 云帆数据 (4)", q("", "云帆数据")},
      {"holder 913000 (code prefix)", q("", "913000")},
      {"holder 杭州 (2)", q("", "杭州")},
      {"holder 云帆 + registered", q("", "云帆", {"registered"})},
      {"text 传感器 + holder 杭州", q("传感器", "杭州")},
      {"no filter", q("")},
      {"status notice", q("", "", {"notice"})},
      {"public: no text", q("", "", pub)},
      {"public: text 交通", q("交通", "", pub)},
      {"public: text 数据", q("数据", "", pub)},
      {"public: text 鄂", q("鄂", "", pub)},
      {"public: holder 杭州", q("", "杭州", pub)},
      {"public: text 交通流量", q("交通流量", "", pub)},
      {"public: text 传感器", q("传感器", "", pub)},
      {"public: text traffic", q("traffic", "", pub)},
      {"notices: text 数据", q("数据", "", {"notice"})},
      {"notices: text 交通", q("交通", "", {"notice"})},
  };
}

void RunSearches(const char* backend, Store& store, int runs) {
  std::printf("  %s%*s %8s %9s %9s %9s\n", backend, static_cast<int>(32 - std::strlen(backend)), "",
              "matches", "p50 ms", "p99 ms", "max ms");
  for (const SearchCase& c : SearchCases()) {
    std::vector<double> ms;
    uint64_t total = 0;
    for (int r = 0; r < runs + 2; ++r) {
      auto t0 = SteadyClock::now();
      storage::ListingPage page = Must(store.SearchListings(c.query), "search");
      if (r >= 2) ms.push_back(Us(SteadyClock::now() - t0) / 1000);  // two warm-up runs
      total = page.total;
      uint64_t want = total > c.query.offset ? std::min<uint64_t>(total - c.query.offset, 20) : 0;
      if (page.items.size() != want) Die(std::string("short page: ") + c.name);
    }
    // The name's width in columns, not bytes: a Chinese character is 3 bytes and 2 columns.
    int width = 0;
    for (const char* p = c.name; *p; ++p) {
      auto b = static_cast<unsigned char>(*p);
      if ((b & 0xC0) != 0x80) width += b >= 0xE0 ? 2 : 1;
    }
    std::printf("    %s%*s %8llu %9.2f %9.2f %9.2f\n", c.name, std::max(0, 30 - width), "",
                static_cast<unsigned long long>(total), Percentile(ms, 0.5), Percentile(ms, 0.99),
                *std::max_element(ms.begin(), ms.end()));
  }
}

}  // namespace
}  // namespace dipr

int main(int argc, char** argv) {
  using namespace dipr;
  std::string pg_uri;
  int batches = 40, reads = 20000;
  uint64_t size_entries = 200000;
  bool skip_size = false, skip_search = false, only_search = false, keep_search = false;
  uint64_t search_listings = 100000;
  int search_runs = 100;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--pg")
      pg_uri = next();
    else if (a == "--batches")
      batches = std::stoi(next());
    else if (a == "--reads")
      reads = std::stoi(next());
    else if (a == "--size-entries")
      size_entries = std::stoull(next());
    else if (a == "--skip-size")
      skip_size = true;
    else if (a == "--search-listings")
      search_listings = std::stoull(next());
    else if (a == "--search-runs")
      search_runs = std::stoi(next());
    else if (a == "--skip-search")
      skip_search = true;
    else if (a == "--only-search")
      only_search = true;
    else if (a == "--keep-search-data")
      keep_search = true;  // for looking into query plans afterwards
    else if (a.rfind("--benchmark_", 0) == 0)
      continue;  // bench/run.sh passes these
    else
      Die("unknown flag " + a);
  }
  std::unique_ptr<Cluster> cluster;
  if (pg_uri.empty()) {
    cluster = std::make_unique<Cluster>();
    pg_uri = cluster->uri();
  }
  char sqlite_templ[] = "/tmp/dipr-bench-sqlite-XXXXXX";
  if (!::mkdtemp(sqlite_templ)) Die("mkdtemp");
  const std::string sqlite_dir = sqlite_templ;
  std::printf("storage_bench: PostgreSQL at %s, SQLite in %s\n\n", pg_uri.c_str(),
              sqlite_dir.c_str());

  if (!only_search) {
    std::printf(
        "1. commits of 256 deposits (entry ~%zu B + deposit row) + 4 tiles of 16 KiB + "
        "1 tree head, %d batches\n",
        MakeDeposit(*std::make_unique<Gen>(1), 0).entry.size(), batches);
    auto print_batches = [](const char* name, const BatchStats& s) {
      std::printf(
          "  %-22s %9.0f entries/s   batch p50 %6.2f ms  p99 %6.2f ms   commit p50 %6.2f ms\n",
          name, s.entries_per_sec, s.batch_p50_ms, s.batch_p99_ms, s.commit_p50_ms);
    };
    std::unique_ptr<Store> sqlite =
        Must(storage::OpenSqliteStore(sqlite_dir + "/batch.db"), "sqlite");
    print_batches("sqlite", RunBatches(*sqlite, batches, 1));
    {
      PgDatabase db(pg_uri, "batch");
      auto pg = Must(storage::OpenPostgresStore(db.conninfo()), "postgres");
      print_batches("postgres (pipelined)", RunBatches(*pg, batches, 1));
    }
    {
      PgDatabase db(pg_uri, "batch_nopipe");
      storage::PostgresStoreOptions o;
      o.pipeline_writes = false;
      auto pg = Must(storage::OpenPostgresStore(db.conninfo(), o), "postgres");
      print_batches("postgres (unpipelined)", RunBatches(*pg, batches, 1));
    }

    std::printf("\n2. ReadTile of a 16 KiB tile (%d reads; threads: reads/s)\n", reads);
    auto print_reads = [](const char* name, const ReadStats& s) {
      std::printf("  %-10s 1 thread: p50 %6.1f us  p99 %6.1f us  mean %6.1f us |", name, s.p50_us,
                  s.p99_us, s.mean_us);
      for (auto [t, r] : s.per_sec_by_threads) std::printf("  %d: %7.0f", t, r);
      std::printf("\n");
    };
    print_reads("sqlite", RunReads(*sqlite, reads));
    {
      PgDatabase db(pg_uri, "read");
      auto pg = Must(storage::OpenPostgresStore(db.conninfo()), "postgres");
      print_reads("postgres", RunReads(*pg, reads));
    }
    sqlite.reset();

    if (!skip_size) {
      std::printf(
          "\n3. bytes per entry after %llu realistic entries (deposit rows, real tiles, a "
          "tree head per 256)\n",
          static_cast<unsigned long long>(size_entries));
      PgDatabase db(pg_uri, "size");
      {
        auto pg = Must(storage::OpenPostgresStore(db.conninfo()), "postgres");
        auto t0 = SteadyClock::now();
        Fill(*pg, size_entries);
        double secs = std::chrono::duration<double>(SteadyClock::now() - t0).count();
        std::printf("  postgres: filled in %.1f s (%.0f entries/s)\n", secs, size_entries / secs);
      }
      ReportPgSize(db.conninfo(), size_entries, "postgres as written (incl. dead tile versions)");
      Must(PgExec(db.conninfo(), "VACUUM FULL"), "vacuum");
      ReportPgSize(db.conninfo(), size_entries, "postgres after VACUUM FULL");
      {
        auto lite = Must(storage::OpenSqliteStore(sqlite_dir + "/size.db"), "sqlite");
        Fill(*lite, size_entries);
      }
      uint64_t bytes = 0;
      for (const auto& f : std::filesystem::directory_iterator(sqlite_dir)) {
        if (f.path().filename().string().rfind("size.db", 0) == 0) bytes += f.file_size();
      }
      std::printf("  sqlite size.db (+wal): %.1f MiB, %.1f B/entry\n", bytes / 1048576.0,
                  static_cast<double>(bytes) / static_cast<double>(size_entries));
    }
  }

  if (!skip_search) {
    std::printf(
        "\n4. SearchListings over %llu listings: a page of 20 and the total (%d runs "
        "each)\n",
        static_cast<unsigned long long>(search_listings), search_runs);
    {
      auto lite = Must(storage::OpenSqliteStore(sqlite_dir + "/search.db"), "sqlite");
      auto t0 = SteadyClock::now();
      FillListings(*lite, search_listings);
      std::printf("  sqlite: filled in %.1f s\n",
                  std::chrono::duration<double>(SteadyClock::now() - t0).count());
      RunSearches("sqlite", *lite, search_runs);
      RunListingWrites("sqlite", *lite, search_listings, 200);
    }
    ReportSqliteSearchSize(sqlite_dir + "/search.db");
    PgDatabase db(pg_uri, "search");
    {
      auto pg = Must(storage::OpenPostgresStore(db.conninfo()), "postgres");
      auto t0 = SteadyClock::now();
      FillListings(*pg, search_listings);
      // What autovacuum does soon after a bulk load: statistics for the planner, and the
      // visibility map.
      Must(PgExec(db.conninfo(), "VACUUM ANALYZE"), "vacuum");
      std::printf("  postgres: filled (and vacuumed) in %.1f s\n",
                  std::chrono::duration<double>(SteadyClock::now() - t0).count());
      RunSearches("postgres", *pg, search_runs);
      RunListingWrites("postgres", *pg, search_listings, 200);
    }
    Must(PgExec(db.conninfo(), "VACUUM ANALYZE"), "vacuum");
    ReportPgSearchSize(db.conninfo());
    if (keep_search) {
      db.Keep();
      std::printf("  kept: %s/search.db and %s\n", sqlite_dir.c_str(), db.conninfo().c_str());
      return 0;
    }
  }
  std::filesystem::remove_all(sqlite_dir);
  return 0;
}
