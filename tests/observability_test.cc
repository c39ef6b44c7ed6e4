// Logs and metrics (issue 10): a `dipr serve --log-format json` process leaves one JSON line per
// request, refusals, 401s, 403s and 503s included, each with its reason; /metrics counts requests
// by route and status with latency histograms and the node's gauges; DEPLOY.md's table lists
// exactly the metrics /metrics serves; the start-up warnings about the calendar and the zone.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/testing.h"
#include "fingerprint/fingerprint.h"
#include "raw_http.h"
#include "registry/calendar_schedule.h"
#include "server_process.h"
#include "test_registry.h"

namespace dipr {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testenv::RawConnection;

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  return {std::istreambuf_iterator<char>(f), {}};
}

// The JSON lines of the log from byte `from` on that are about a request or a connection.
std::vector<json> RequestLines(const std::string& log, size_t from) {
  std::vector<json> out;
  std::string text = log.substr(std::min(from, log.size()));
  text.erase(text.find_last_of('\n') == std::string::npos ? 0 : text.find_last_of('\n') + 1);
  std::istringstream in(text);  // whole lines only: the last may be half written
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not one JSON object: " << line;
    if (j.is_discarded()) continue;
    if (j.value("msg", "") == "request" || j.value("msg", "") == "connection refused") {
      out.push_back(j);
    }
  }
  return out;
}

// Regression: forty requests with refusals, 401s and 503s left six lines in the server log.
TEST(Observability, FortyRequestsWithRefusalsLeaveOneJsonLineEach) {
  auto dir = testenv::TestTempDir("dipr-obs");
  std::filesystem::remove_all(dir);
  testenv::ServerProcess server(dir.string(), {"--log-format", "json", "--max-connections", "1"});
  ASSERT_TRUE(server.Start()) << "see " << dir.string() << ".log";
  const std::string log_path = dir.string() + ".log";
  std::string admin = Slurp((dir / "admin.token").string());
  while (!admin.empty() && std::isspace(static_cast<unsigned char>(admin.back()))) admin.pop_back();
  // One kept-alive connection holds the only slot (--max-connections 1); until the server has
  // seen Start()'s last probe close, a new one is refused: retry (no sleeping).
  std::unique_ptr<RawConnection> held;
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline;) {
    held = std::make_unique<RawConnection>(server.port());
    auto r = held->Request("GET /log/key HTTP/1.1");
    if (r && r->status == 200) break;
    held.reset();
  }
  ASSERT_TRUE(held);
  RawConnection& k = *held;
  // The probes and the retries are requests too: count from the line of GET /log/key on.
  size_t from = 0;
  {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    std::string log;
    do {
      log = Slurp(log_path);
    } while (log.find("\"route\":\"/log/key\"") == std::string::npos &&
             std::chrono::steady_clock::now() < deadline);
    from = log.find('\n', log.find("\"route\":\"/log/key\"")) + 1;
  }

  auto req = [&](const std::string& line, const std::string& fields = "",
                 const std::string& body = "") {
    std::string f = "Host: t\r\n" + fields;
    if (!body.empty())
      f += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n";
    EXPECT_TRUE(k.Send(line + "\r\n" + f + "\r\n" + body));
    auto r = k.Read();
    EXPECT_TRUE(r) << line;
    return r ? r->status : 0;
  };
  auto created = [&] {
    std::string body = R"({"name":"Holder One","role":"holder"})";
    EXPECT_TRUE(k.Send("POST /v1/users HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + admin +
                       "\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body));
    auto r = k.Read();
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    return r ? json::parse(r->body, nullptr, false) : json();
  }();
  std::string holder = created.value("token", "");
  for (int i = 0; i < 9; ++i) EXPECT_EQ(req("GET /log/checkpoint HTTP/1.1"), 200);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(req("GET /v1/registrations/DJ-NOPE-" + std::to_string(i) + " HTTP/1.1"), 404);
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(req("GET /v1/applications HTTP/1.1",
                  "Authorization: Bearer forged-" + std::to_string(i) + "\r\n"),
              401);
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(req("POST /v1/users HTTP/1.1", "Authorization: Bearer " + holder + "\r\n",
                  R"({"name":"Mallory","role":"admin"})"),
              403);
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(req("GET /nope/" + std::to_string(i) + " HTTP/1.1"), 404);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(req("GET /log/checkpoint?x=" + std::to_string(i) + " HTTP/1.1"), 400);
  }
  // Over --max-connections while k is open. At most that many refusals are answered at once (a
  // refusal's connection lingers until the client closes it); one past them is closed unanswered
  // and unlogged: try again until five were answered.
  for (int answered = 0, tries = 0; answered < 5 && tries < 1000; ++tries) {
    RawConnection extra(server.port());
    if (auto r = extra.Read(); r) {
      EXPECT_EQ(r->status, 503);
      ++answered;
    }
  }

  // A line is written after its answer: wait for all forty (by reading, not by sleeping).
  std::vector<json> lines;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  do {
    lines = RequestLines(Slurp(log_path), from);
  } while (lines.size() < 40 && std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(lines.size(), 40u) << Slurp(log_path).substr(from);

  std::map<int, int> by_status;
  std::set<std::string> routes;
  for (const json& l : lines) {
    int status = l.value("status", 0);
    by_status[status]++;
    std::string ts = l.value("ts", "");
    EXPECT_TRUE(ts.size() == 24 && ts.back() == 'Z' && ParseRfc3339(ts).ok()) << l;
    EXPECT_EQ(l.value("client", ""), "127.0.0.1") << l;
    std::string level = l.value("level", "");
    if (status >= 500) {
      EXPECT_EQ(level, "error") << l;
    }
    if (status == 401 || status == 403) {
      EXPECT_EQ(level, "warn") << l;
    }
    if (status >= 400) {
      EXPECT_FALSE(l.value("error", "").empty()) << "the reason: " << l;
    }
    if (l.value("msg", "") == "connection refused") continue;
    EXPECT_TRUE(l.contains("duration_ms") && l.contains("bytes_in") && l.contains("bytes_out"))
        << l;
    routes.insert(l.value("route", ""));
    if (status == 403) {
      EXPECT_EQ(l.value("account", ""), created.value("id", "?")) << l;
    }
    if (status == 201) {
      EXPECT_FALSE(l.value("account", "").empty()) << l;
    }
    if (status == 401) {
      EXPECT_FALSE(l.contains("account")) << l;
      EXPECT_NE(l.value("error", "").find("invalid token"), std::string::npos) << l;
    }
  }
  EXPECT_EQ(by_status, (std::map<int, int>{
                           {200, 9}, {201, 1}, {400, 5}, {401, 5}, {403, 5}, {404, 10}, {503, 5}}));
  // Route patterns, never the raw path (a route with a number in it is one route).
  EXPECT_EQ(routes, (std::set<std::string>{"/log/checkpoint", "/v1/registrations/{number}",
                                           "/v1/applications", "/v1/users", "unmatched"}));
  server.Kill();
  std::filesystem::remove_all(dir);
  std::filesystem::remove(log_path);
}

// The metric names of a Prometheus text (from its TYPE lines).
std::set<std::string> ServedMetrics(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) out.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  return out;
}

// The metric names DEPLOY.md's metrics table lists (every `dipr_…` in its first column).
std::set<std::string> DocumentedMetrics() {
  std::string deploy = Slurp(testenv::SourceDir() + "/docs/DEPLOY.md");
  std::set<std::string> out;
  std::istringstream in(deploy);
  std::string line;
  std::regex name("`(dipr_[a-z0-9_]+)`");
  while (std::getline(in, line)) {
    if (line.rfind("| `dipr_", 0) != 0) continue;
    std::string first = line.substr(0, line.find('|', 1));
    for (std::sregex_iterator it(first.begin(), first.end(), name), end; it != end; ++it) {
      out.insert((*it)[1]);
    }
  }
  return out;
}

class Metrics : public ::testing::Test {
 protected:
  FakeClock clock_{*ParseRfc3339("2026-12-02T00:00:00Z")};
};

TEST_F(Metrics, DeployListsEveryMetricThatMetricsServes) {
  testenv::TestRegistry reg("obs-metrics-doc", testenv::Backend::kSqlite, &clock_);
  ASSERT_TRUE(reg.running());
  auto r = reg.Client().Get("/metrics");
  ASSERT_TRUE(r.ok() && r->status == 200);
  EXPECT_EQ(ServedMetrics(r->body), DocumentedMetrics());
}

double Sample(const std::string& text, const std::string& sample) {
  size_t at = text.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + sample.size() + 2));
}

TEST_F(Metrics, RequestsAreCountedByRouteAndStatusWithTheirLatency) {
  testenv::TestRegistry reg("obs-metrics", testenv::Backend::kSqlite, &clock_);
  ASSERT_TRUE(reg.running());
  auto c = reg.Client();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(c.Get("/log/checkpoint")->status, 200);
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(c.Get("/v1/registrations/DJ-" + std::to_string(i))->status, 404);
  ASSERT_EQ(c.Get("/nowhere")->status, 404);
  std::string m = c.Get("/metrics")->body;
  EXPECT_EQ(Sample(m, "dipr_http_requests_total{route=\"/log/checkpoint\",status=\"200\"}"), 3);
  EXPECT_EQ(
      Sample(m, "dipr_http_requests_total{route=\"/v1/registrations/{number}\",status=\"404\"}"),
      2);
  EXPECT_EQ(Sample(m, "dipr_http_requests_total{route=\"unmatched\",status=\"404\"}"), 1);
  EXPECT_EQ(Sample(m, "dipr_http_request_duration_seconds_count{route=\"/log/checkpoint\"}"), 3);
  EXPECT_EQ(
      Sample(m, "dipr_http_request_duration_seconds_bucket{route=\"/log/checkpoint\",le=\"+Inf\"}"),
      3);
  EXPECT_GE(Sample(m, "dipr_http_request_duration_seconds_sum{route=\"/log/checkpoint\"}"), 0);
  // The node's gauges.
  EXPECT_EQ(Sample(m, "dipr_objections_open"), 0);
  EXPECT_EQ(Sample(m, "dipr_follower_lag_entries"), 0);
  EXPECT_EQ(Sample(m, "dipr_calendar_days_left"), 394);  // 2026-12-02 to 2027-12-31
  EXPECT_EQ(Sample(m, "dipr_scrub_running"), 0);
}

// --- followers (issue 11) ---

TEST_F(Metrics, TheStatisticsFollowerCountsEntriesByTypeAndReportsItsLag) {
  testenv::TestRegistry reg("obs-metrics-followers", testenv::Backend::kSqlite, &clock_);
  ASSERT_TRUE(reg.running());
  std::string holder = reg.CreateAccount("h", "holder");
  for (std::string data : {"a", "b"}) {
    json fp = fingerprint::ToJson(*fingerprint::FingerprintBytes(data));
    ASSERT_EQ(
        reg.Call(holder, "POST", "/v1/deposits", {{"fingerprint", fp}, {"title", "t"}}).status,
        201);
  }
  // The follower runs off the write path: wait for it (up to a deadline) through /metrics.
  std::string m;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    m = reg.Client().Get("/metrics")->body;
    if (Sample(m, "dipr_log_entries{type=\"deposit\"}") == 2) break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(Sample(m, "dipr_log_entries{type=\"deposit\"}"), 2) << m;
  // The admin, the holder; and the registrar's settings.
  EXPECT_EQ(Sample(m, "dipr_log_entries{type=\"account.created\"}"), 2) << m;
  EXPECT_EQ(Sample(m, "dipr_log_entries{type=\"registrar.settings\"}"), 1) << m;
  EXPECT_EQ(Sample(m, "dipr_projection_lag_entries{follower=\"statistics\"}"), 0) << m;
  EXPECT_EQ(Sample(m, "dipr_log_size"), 5) << m;
  // The node's own lag behind the database is another gauge, unlabelled as before.
  EXPECT_EQ(Sample(m, "dipr_follower_lag_entries"), 0);
}

TEST(StartupWarnings, ACalendarEndingWithinSixtyDaysAndAForeignZoneAreWarnedOf) {
  auto schedule = *registry::CalendarSchedule::Create({});
  EXPECT_TRUE(server::StartupWarnings(*schedule, *ParseRfc3339("2026-12-02T00:00:00Z")).empty());
  auto late = server::StartupWarnings(*schedule, *ParseRfc3339("2027-11-15T00:00:00Z"));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_NE(late[0].find("ends on 2027-12-31, 46 days from now"), std::string::npos) << late[0];
  registry::ScheduleSettings berlin;
  berlin.time_zone = "Europe/Berlin";
  auto foreign = server::StartupWarnings(**registry::CalendarSchedule::Create(berlin),
                                         *ParseRfc3339("2026-12-02T00:00:00Z"));
  ASSERT_EQ(foreign.size(), 1u);
  EXPECT_NE(foreign[0].find("Europe/Berlin differs from the holiday calendar's (Asia/Shanghai)"),
            std::string::npos)
      << foreign[0];
}

}  // namespace
}  // namespace dipr
