#include "workflow_data.h"

#include <fmt/format.h>

#include <array>

#include "registry/numbers.h"
#include "registry/uscc.h"

namespace dipr::bench {
namespace {

struct Word {
  const char* zh;
  const char* en;
};

struct City {
  const char* zh;
  const char* en;
  const char* division;  // administrative division code, USCC positions 3-8
};

constexpr City kCities[] = {
    {"杭州", "Hangzhou", "330100"}, {"上海", "Shanghai", "310000"},  {"北京", "Beijing", "110000"},
    {"深圳", "Shenzhen", "440300"}, {"广州", "Guangzhou", "440100"}, {"成都", "Chengdu", "510100"},
    {"武汉", "Wuhan", "420100"},    {"南京", "Nanjing", "320100"},   {"苏州", "Suzhou", "320500"},
    {"宁波", "Ningbo", "330200"},   {"温州", "Wenzhou", "330300"},   {"合肥", "Hefei", "340100"},
    {"西安", "Xi'an", "610100"},    {"重庆", "Chongqing", "500000"}, {"天津", "Tianjin", "120000"},
    {"青岛", "Qingdao", "370200"},
};

// Topics by GB/T 4754 section, A to T.
constexpr std::array<std::array<Word, 3>, 20> kTopics = {{
    {{{"农作物产量", "crop yield"},
      {"土壤墒情", "soil moisture"},
      {"畜牧养殖", "livestock farming"}}},
    {{{"矿山安全", "mine safety"}, {"地质勘探", "geological survey"}, {"煤炭产量", "coal output"}}},
    {{{"产线质检", "production line inspection"},
      {"工业设备运行", "industrial equipment telemetry"},
      {"供应链库存", "supply chain inventory"}}},
    {{{"电力负荷", "power load"}, {"光伏发电", "solar generation"}, {"燃气管网", "gas network"}}},
    {{{"工程造价", "construction cost"},
      {"建筑能耗", "building energy use"},
      {"施工进度", "construction progress"}}},
    {{{"零售交易", "retail transactions"},
      {"商品价格", "commodity prices"},
      {"门店客流", "store footfall"}}},
    {{{"交通流量", "traffic flow"},
      {"物流轨迹", "logistics tracks"},
      {"公交客流", "bus ridership"}}},
    {{{"酒店入住", "hotel occupancy"},
      {"餐饮消费", "restaurant spending"},
      {"外卖订单", "food delivery orders"}}},
    {{{"用户行为", "user behaviour"}, {"网络日志", "network logs"}, {"应用下载", "app downloads"}}},
    {{{"信贷风险", "credit risk"},
      {"支付交易", "payment transactions"},
      {"保险理赔", "insurance claims"}}},
    {{{"房产交易", "property transactions"},
      {"租赁价格", "rental prices"},
      {"物业服务", "property management"}}},
    {{{"企业征信", "business credit"},
      {"广告投放", "advertising placements"},
      {"会展客流", "exhibition visitors"}}},
    {{{"气象观测", "weather observations"},
      {"科研文献", "research literature"},
      {"基因测序", "gene sequencing"}}},
    {{{"水质监测", "water quality"}, {"空气质量", "air quality"}, {"垃圾分类", "waste sorting"}}},
    {{{"家政服务", "home services"},
      {"维修工单", "repair orders"},
      {"社区服务", "community services"}}},
    {{{"学业测评", "student assessments"},
      {"在线课程", "online courses"},
      {"招生就业", "admissions and employment"}}},
    {{{"医疗影像", "medical imaging"},
      {"电子病历", "electronic health records"},
      {"养老照护", "elderly care"}}},
    {{{"影视票房", "box office"}, {"体育赛事", "sports events"}, {"图书借阅", "library loans"}}},
    {{{"政务服务", "government services"},
      {"社保缴纳", "social insurance payments"},
      {"人口统计", "population statistics"}}},
    {{{"国际贸易", "international trade"},
      {"跨境物流", "cross-border logistics"},
      {"援助项目", "aid projects"}}},
}};

constexpr Word kKinds[] = {
    {"数据集", "dataset"},           {"数据库", "database"},       {"统计数据", "statistics"},
    {"监测数据", "monitoring data"}, {"样本库", "sample library"}, {"时序数据", "time series"},
    {"画像数据", "profiles"},        {"指标体系", "indicators"},
};
constexpr Word kScenarios[] = {
    {"城市规划", "urban planning"},      {"风险控制", "risk control"},
    {"精准营销", "precision marketing"}, {"模型训练", "model training"},
    {"学术研究", "academic research"},   {"政府决策", "policy making"},
    {"保险定价", "insurance pricing"},   {"运营优化", "operations optimisation"},
};
constexpr Word kCollection[] = {
    {"传感器每五分钟采集", "sensors sampled every five minutes"},
    {"业务系统日志实时汇聚", "business system logs aggregated in real time"},
    {"问卷调查与访谈", "surveys and interviews"},
    {"合作方授权接口", "partner APIs under licence"},
    {"卫星遥感影像", "satellite remote sensing"},
    {"交易流水按日导出", "transaction records exported daily"},
};
constexpr Word kProcessing[] = {
    {"脱敏、去重、清洗", "de-identified, deduplicated, cleaned"},
    {"中位数滤波与异常值剔除", "median filter and outlier removal"},
    {"按网格聚合", "aggregated by grid cell"},
    {"人工标注两轮复核", "labelled by hand, reviewed twice"},
};
constexpr Word kStructure[] = {
    {"CSV 表：时间、编号、数值", "CSV: time, id, value"},
    {"Parquet 分区表", "partitioned Parquet tables"},
    {"JSON Lines 事件流", "JSON Lines event stream"},
    {"关系型数据库 12 张表", "relational database, 12 tables"},
};
constexpr Word kFrequency[] = {
    {"每日", "daily"},     {"每小时", "hourly"},  {"每月", "monthly"},
    {"实时", "real time"}, {"一次性", "one-off"},
};
constexpr const char* kSourceKinds[] = {"self_collected", "licensed", "purchased",
                                        "public_authorized"};
constexpr Word kSourceDescriptions[] = {
    {"自有业务系统", "our own business systems"},
    {"政府公共数据授权运营", "public data under government authorisation"},
    {"向数据交易所采购", "bought on a data exchange"},
    {"合作医院授权", "licensed by partner hospitals"},
};

constexpr const char* kBrands[] = {"数智", "云图", "星河", "天衡", "海纳", "智联", "恒信",
                                   "博远", "华数", "中科", "领航", "万象", "同舟", "明镜"};
constexpr const char* kCompanySuffixes[] = {"数据科技有限公司", "信息技术有限公司",
                                            "大数据有限公司", "智能科技股份有限公司"};
constexpr const char* kInstitutionSuffixes[] = {"大数据研究院", "数据交易中心", "信息中心"};
constexpr const char* kForeign[] = {"Northwind Analytics GmbH", "Blue Harbor Data Ltd",
                                    "Meridian Insights Pte. Ltd.", "Sakura Mobility K.K."};
constexpr const char* kForeignCountries[] = {"DE", "GB", "SG", "JP"};
constexpr const char* kSurnames[] = {"张", "王", "李", "赵", "陈", "刘", "杨", "黄", "周", "吴"};
constexpr const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军"};

constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

template <typename T, size_t N>
constexpr size_t Size(const T (&)[N]) {
  return N;
}

std::string Uscc(std::mt19937_64& rng, bool institution, const char* division) {
  std::string s = institution ? "12" : "91";
  s += division;
  std::uniform_int_distribution<size_t> d(0, kUsccAlphabet.size() - 1);
  for (int i = 0; i < 9; ++i) s += kUsccAlphabet[d(rng)];
  return s + *registry::UsccCheckCharacter(s);
}

}  // namespace

std::vector<Holder> MakeHolders(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x5eed'4011'de25ULL);
  std::vector<Holder> out;
  for (size_t i = 0; i < n; ++i) {
    Holder h;
    if (i % 10 == 9) {  // one in ten abroad
      size_t f = (i / 10) % Size(kForeign);
      h.name = kForeign[f];
      if (i >= 10 * Size(kForeign)) h.name += fmt::format(" ({})", i);
      h.type = "enterprise";
      h.country = kForeignCountries[f];
      h.id = fmt::format("REG-{}-{:06d}", h.country, 100000 + i * 7919 % 900000);
      out.push_back(std::move(h));
      continue;
    }
    const City& c = kCities[i % Size(kCities)];
    const char* brand = kBrands[(i * 5 + i / Size(kCities)) % Size(kBrands)];
    bool institution = i % 7 == 3;
    h.name = std::string(c.zh) + brand +
             (institution ? kInstitutionSuffixes[i % Size(kInstitutionSuffixes)]
                          : kCompanySuffixes[i % Size(kCompanySuffixes)]);
    h.type = institution ? "institution" : "enterprise";
    h.country = "CN";
    h.id = Uscc(rng, institution, c.division);
    out.push_back(std::move(h));
  }
  return out;
}

std::string WorkflowData::Individual(std::string& id) {
  std::string name = std::string(kSurnames[Pick(Size(kSurnames))]) + kGiven[Pick(Size(kGiven))];
  if (Chance(0.5)) name += kGiven[Pick(Size(kGiven))];
  std::string body =
      fmt::format("{}{:04d}{:02d}{:02d}{:03d}", kCities[Pick(Size(kCities))].division,
                  1960 + Pick(45), 1 + Pick(12), 1 + Pick(28), Pick(1000));
  id = body + *registry::Mod11_2Check(body);
  return name;
}

nlohmann::json WorkflowData::Application(const Holder& holder, uint64_t deposit,
                                         uint64_t deposit_bytes) {
  size_t industry = Pick(20);
  const Word& topic = kTopics[industry][Pick(3)];
  const City& city = kCities[Pick(Size(kCities))];
  const Word& kind = kKinds[Pick(Size(kKinds))];
  int year = 2019 + static_cast<int>(Pick(8));
  std::string name;
  switch (Pick(4)) {
    case 0:  // Chinese only
      name = fmt::format("{}{}{}（{}年）", city.zh, topic.zh, kind.zh, year);
      break;
    case 1:  // English only
      name = fmt::format("{} {} {} {}", city.en, topic.en, kind.en, year);
      break;
    default:  // both, as most registrations are filed
      name = fmt::format("{}{}{} {} {} {} {}", city.zh, topic.zh, kind.zh, city.en, topic.en,
                         kind.en, year);
  }
  nlohmann::json holders = nlohmann::json::array();
  holders.push_back({{"name", holder.name},
                     {"type", holder.type},
                     {"id", holder.id},
                     {"country", holder.country},
                     {"share", 1 + Pick(9)}});
  if (Chance(0.2)) {
    std::string id;
    std::string who = Individual(id);
    holders.push_back(
        {{"name", who}, {"type", "individual"}, {"id", id}, {"country", "CN"}, {"share", 1}});
  }
  auto both = [&](const Word& w) { return fmt::format("{} {}", w.zh, w.en); };
  const Word& sc = kScenarios[Pick(Size(kScenarios))];
  const Word& sc2 = kScenarios[Pick(Size(kScenarios))];
  nlohmann::json body = {
      {"data_name", name},
      {"holders", std::move(holders)},
      {"industry", std::string(1, static_cast<char>('A' + industry))},
      {"scenarios", fmt::format("{}、{}；{} and {}", sc.zh, sc2.zh, sc.en, sc2.en)},
      {"collection_rules",
       fmt::format("{}：{}{}", both(kCollection[Pick(Size(kCollection))]), city.zh, topic.zh)},
      {"processing_rules", both(kProcessing[Pick(Size(kProcessing))])},
      {"structure", both(kStructure[Pick(Size(kStructure))])},
      {"update_frequency", both(kFrequency[Pick(Size(kFrequency))])},
      {"source",
       {{"kind", kSourceKinds[Pick(Size(kSourceKinds))]},
        {"description", both(kSourceDescriptions[Pick(Size(kSourceDescriptions))])}}},
      {"scale", {{"records", 1000 + Pick(100000000)}, {"bytes", deposit_bytes}}},
      {"deposits", {deposit}},
  };
  nlohmann::json confidential = nlohmann::json::array();
  if (Chance(0.6)) confidential.push_back("processing_rules");
  if (Chance(0.2)) confidential.push_back("collection_rules");
  body["confidential"] = std::move(confidential);
  return body;
}

nlohmann::json WorkflowData::Deposit() {
  std::string digest;
  for (int i = 0; i < 4; ++i) digest += fmt::format("{:016x}", rng_());
  return {{"fingerprint",
           {{"algorithm", "rfc6962-sha256-64k"},
            {"chunk_size", 65536},
            {"chunks", 1},
            {"digest", digest},
            {"size", 1000 + Pick(60000)}}},
          {"title", "数据存证 evidence deposit"}};
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::vector<SearchQuery> WorkflowData::Queries(size_t n, const std::vector<Holder>& holders) {
  // Weights: what a public register's search box mostly gets (names and topics, 3+ characters),
  // then the short Chinese words people type (2 characters, which the trigram index cannot
  // answer), holder and industry filters, and plain browsing of the newest registrations.
  struct Weighted {
    const char* kind;
    int weight;
  };
  constexpr Weighted kMix[] = {{"zh3", 25},    {"en", 20},       {"zh2", 15},
                               {"holder", 15}, {"industry", 15}, {"browse", 10}};
  int total = 0;
  for (const auto& w : kMix) total += w.weight;
  std::vector<SearchQuery> out;
  const std::string base = "/v1/registrations?";
  for (size_t i = 0; i < n; ++i) {
    int r = static_cast<int>(Pick(total));
    const char* kind = kMix[0].kind;
    for (const auto& w : kMix) {
      if (r < w.weight) {
        kind = w.kind;
        break;
      }
      r -= w.weight;
    }
    std::string k = kind, q;
    size_t ind = Pick(20);
    const Word& topic = kTopics[ind][Pick(3)];
    const City& city = kCities[Pick(Size(kCities))];
    if (k == "zh3") {
      switch (Pick(4)) {
        case 0:
          q = "q=" + UrlEncode(topic.zh);
          break;  // 交通流量
        case 1:
          q = "q=" + UrlEncode(kKinds[Pick(Size(kKinds))].zh);
          break;  // 数据集
        case 2:
          q = "q=" + UrlEncode(std::string(city.zh) + topic.zh);
          break;  // 杭州交通流量
        default:
          q = "q=" + UrlEncode(kScenarios[Pick(Size(kScenarios))].zh);  // 风险控制
      }
    } else if (k == "en") {
      switch (Pick(3)) {
        case 0:
          q = "q=" + UrlEncode(topic.en);
          break;
        case 1:
          q = "q=" + UrlEncode(city.en);
          break;
        default:
          q = "q=" + UrlEncode(fmt::format("{} {}", topic.en, 2019 + Pick(8)));
      }
    } else if (k == "zh2") {
      std::string t = topic.zh;
      switch (Pick(3)) {
        case 0:
          q = "q=" + UrlEncode(t.substr(0, 6));
          break;  // first two characters: 交通
        case 1:
          q = "q=" + UrlEncode(city.zh);
          break;  // 杭州
        default:
          q = "q=" + UrlEncode(t.substr(t.size() - 6));  // last two: 流量
      }
    } else if (k == "holder") {
      const Holder& h = holders[Pick(holders.size())];
      switch (Pick(4)) {
        case 0:
          q = "holder=" + UrlEncode(h.name);
          break;
        case 1:
          q = "holder=" + UrlEncode(h.id);
          break;
        case 2:
          q = "holder=" + UrlEncode(h.name.substr(0, 12));
          break;  // 杭州数智 / 4 chars
        default:
          q = "holder=" + UrlEncode(h.name.substr(0, 6));  // 杭州 (2 characters)
      }
    } else if (k == "industry") {
      q = fmt::format("industry={}", static_cast<char>('A' + ind));
      if (Chance(0.5)) q += "&q=" + UrlEncode(topic.zh);
    } else {  // browse: the newest registrations, a few pages deep
      q = fmt::format("page={}", 1 + Pick(Chance(0.8) ? 1 : 10));
    }
    out.push_back({k, base + q});
  }
  return out;
}

}  // namespace dipr::bench
