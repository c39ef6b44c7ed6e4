// Limits and abuse (issue 10), over real HTTP on loopback: per client address and per account
// token buckets answering 429 with Retry-After, X-Forwarded-For believed only from trusted
// proxies, a cap on one address's concurrent connections; and the client address handlers see.
#include <gtest/gtest.h>

#include "http/client_address.h"
#include "http/server.h"
#include "raw_http.h"
#include "run_dipr.h"
#include "server_process.h"
#include "test_registry.h"

namespace dipr {
namespace {

using namespace std::chrono_literals;
using testenv::RawConnection;
using testenv::RawResponse;
using testenv::TestRegistry;

http::asio::ip::address Ip(const char* s) { return http::asio::ip::make_address(s); }

std::vector<http::Cidr> Cidrs(std::initializer_list<const char*> list) {
  std::vector<http::Cidr> out;
  for (const char* c : list) out.push_back(*http::Cidr::Parse(c));
  return out;
}

std::string ErrorCode(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error")) return "";
  return j["error"].value("code", "");
}

// GET target on a new connection, with further header fields.
std::optional<RawResponse> Get(uint16_t port, const std::string& target,
                               const std::string& fields = "") {
  RawConnection c(port);
  return c.Request("GET " + target + " HTTP/1.1", "Host: t\r\n" + fields);
}

double Metric(const std::string& metrics, const std::string& sample) {
  size_t at = metrics.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + sample.size() + 2));
}

TEST(ClientAddress, TheProxysForwardedForIsBelievedOnlyFromATrustedProxy) {
  auto trusted = Cidrs({"10.0.0.0/8", "2001:db8::/32"});
  EXPECT_EQ(http::ClientAddress(Ip("203.0.113.9"), {"198.51.100.1"}, trusted), "203.0.113.9");
  EXPECT_EQ(http::ClientAddress(Ip("10.1.2.3"), {"198.51.100.1"}, trusted), "198.51.100.1");
  EXPECT_EQ(http::ClientAddress(Ip("10.1.2.3"), {}, trusted), "10.1.2.3");
}

TEST(ClientAddress, TheRightmostUntrustedAddressIsTheClient) {
  auto trusted = Cidrs({"10.0.0.0/8"});
  // The client wrote "1.2.3.4" itself; the proxies appended what they saw.
  EXPECT_EQ(http::ClientAddress(Ip("10.0.0.2"), {"1.2.3.4, 198.51.100.7, 10.0.0.1"}, trusted),
            "198.51.100.7");
  // Fields repeated are one list, in order.
  EXPECT_EQ(http::ClientAddress(Ip("10.0.0.2"), {"1.2.3.4", "198.51.100.7,10.0.0.1"}, trusted),
            "198.51.100.7");
  // Only trusted hops: the leftmost is the client.
  EXPECT_EQ(http::ClientAddress(Ip("10.0.0.2"), {"10.9.9.9, 10.0.0.1"}, trusted), "10.9.9.9");
  // Nonsense ends the walk at the last trusted hop: it cannot pick a key of its choosing.
  EXPECT_EQ(http::ClientAddress(Ip("10.0.0.2"), {"1.2.3.4, garbage, 10.0.0.1"}, trusted),
            "10.0.0.1");
  EXPECT_EQ(http::ClientAddress(Ip("10.0.0.2"), {"[2001:db8::5]:4711"}, trusted), "2001:db8::5");
  EXPECT_EQ(http::ClientAddress(Ip("10.0.0.2"), {"198.51.100.7:4711"}, trusted), "198.51.100.7");
}

TEST(ClientAddress, AMappedIpv6AddressIsItsIpv4Address) {
  auto trusted = Cidrs({"127.0.0.1"});
  EXPECT_EQ(http::ClientAddress(Ip("::ffff:127.0.0.1"), {"::ffff:198.51.100.1"}, trusted),
            "198.51.100.1");
}

TEST(Cidr, ParsesNetworksAndRefusesTheRest) {
  auto net = *http::Cidr::Parse("192.168.0.0/23");
  EXPECT_TRUE(net.Contains(Ip("192.168.1.255")));
  EXPECT_FALSE(net.Contains(Ip("192.168.2.0")));
  EXPECT_FALSE(net.Contains(Ip("::1")));
  EXPECT_TRUE(http::Cidr::Parse("::/0")->Contains(Ip("2001:db8::1")));
  EXPECT_TRUE(http::Cidr::Parse("0.0.0.0/0")->Contains(Ip("8.8.8.8")));
  for (const char* bad :
       {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "example.com", "::/129", "10.0.0.0/8x"}) {
    EXPECT_FALSE(http::Cidr::Parse(bad).ok()) << bad;
  }
}

class Limits : public ::testing::Test {
 protected:
  FakeClock clock_{*ParseRfc3339("2026-12-02T00:00:00Z")};
};

TEST_F(Limits, AClientOverItsRateIsAnswered429WithRetryAfterUntilATokenIsBack) {
  TestRegistry reg("limits-address", testenv::Backend::kSqlite, &clock_,
                   [](server::NodeOptions& o) { o.http.address_rate = {.rate = 0.5, .burst = 3}; });
  ASSERT_TRUE(reg.running());
  // One kept-alive connection: the server counts a request after writing its answer, so a
  // /metrics asked on another connection could overtake the count of the last one.
  RawConnection c(reg.node().port());
  auto get = [&c](const std::string& target) { return c.Request("GET " + target + " HTTP/1.1"); };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/log/checkpoint")->status, 200);
  auto refused = get("/log/checkpoint");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(ErrorCode(refused->body), "too_many_requests");
  EXPECT_EQ(refused->header("retry-after"), "2");  // one token every two seconds
  clock_.Advance(1s);
  EXPECT_EQ(get("/log/checkpoint")->status, 429);
  clock_.Advance(1s);
  EXPECT_EQ(get("/log/checkpoint")->status, 200);
  clock_.Advance(10s);  // /metrics is a request too
  auto metrics = get("/metrics");
  EXPECT_EQ(Metric(metrics->body, "dipr_http_rate_limited_total{limit=\"address\"}"), 2);
  EXPECT_EQ(
      Metric(metrics->body, "dipr_http_requests_total{route=\"/log/checkpoint\",status=\"429\"}"),
      -1)
      << "a request refused before routing counts as unmatched";
  EXPECT_EQ(Metric(metrics->body, "dipr_http_requests_total{route=\"unmatched\",status=\"429\"}"),
            2);
}

TEST_F(Limits, BehindATrustedProxyEachClientHasItsOwnBucket) {
  TestRegistry reg("limits-proxy", testenv::Backend::kSqlite, &clock_, [](server::NodeOptions& o) {
    o.http.address_rate = {.rate = 1, .burst = 1};
    o.http.trusted_proxies = Cidrs({"127.0.0.0/8"});
  });
  ASSERT_TRUE(reg.running());
  uint16_t port = reg.node().port();
  EXPECT_EQ(Get(port, "/log/checkpoint", "X-Forwarded-For: 198.51.100.1\r\n")->status, 200);
  EXPECT_EQ(Get(port, "/log/checkpoint", "X-Forwarded-For: 198.51.100.1\r\n")->status, 429);
  EXPECT_EQ(Get(port, "/log/checkpoint", "X-Forwarded-For: 198.51.100.2\r\n")->status, 200);
  // A client writing another address in front of its own gets its own bucket still.
  EXPECT_EQ(Get(port, "/log/checkpoint", "X-Forwarded-For: 203.0.113.50, 198.51.100.1\r\n")->status,
            429);
}

TEST_F(Limits, WithoutTrustedProxiesForwardedForIsIgnored) {
  TestRegistry reg("limits-noproxy", testenv::Backend::kSqlite, &clock_,
                   [](server::NodeOptions& o) { o.http.address_rate = {.rate = 1, .burst = 1}; });
  ASSERT_TRUE(reg.running());
  uint16_t port = reg.node().port();
  EXPECT_EQ(Get(port, "/log/checkpoint", "X-Forwarded-For: 198.51.100.1\r\n")->status, 200);
  EXPECT_EQ(Get(port, "/log/checkpoint", "X-Forwarded-For: 198.51.100.2\r\n")->status, 429)
      << "a client must not pick its own bucket";
}

TEST_F(Limits, AnAccountOverItsRateIsAnswered429AndOthersAreNot) {
  TestRegistry reg("limits-account", testenv::Backend::kSqlite, &clock_,
                   [](server::NodeOptions& o) { o.account_rate = {.rate = 1, .burst = 2}; });
  ASSERT_TRUE(reg.running());
  std::string holder = reg.CreateAccount("Holder One", "holder");
  uint16_t port = reg.node().port();
  auto as = [&](const std::string& token) {
    return Get(port, "/v1/applications", "Authorization: Bearer " + token + "\r\n");
  };
  EXPECT_EQ(as(holder)->status, 200);
  EXPECT_EQ(as(holder)->status, 200);
  auto refused = as(holder);
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(refused->header("retry-after"), "1");
  EXPECT_NE(refused->body.find("too many requests from account u"), std::string::npos)
      << refused->body;
  EXPECT_EQ(as(reg.admin_token())->status, 200) << "another account has a bucket of its own";
  EXPECT_EQ(Get(port, "/log/checkpoint")->status, 200) << "public reads are not an account's";
  EXPECT_EQ(as("not-a-token")->status, 401);
  clock_.Advance(1s);
  EXPECT_EQ(as(holder)->status, 200);
  auto metrics = Get(port, "/metrics");
  EXPECT_EQ(Metric(metrics->body, "dipr_http_rate_limited_total{limit=\"account\"}"), 1);
}

// Waits (by retrying, never by sleeping) until a new connection is served rather than refused.
bool ServedWithin(uint16_t port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = Get(port, "/log/checkpoint");
    if (r && r->status == 200) return true;
  }
  return false;
}

TEST_F(Limits, OneAddressHoldsNoMoreThanItsConnections) {
  TestRegistry reg("limits-conns", testenv::Backend::kSqlite, &clock_,
                   [](server::NodeOptions& o) { o.http.max_connections_per_address = 2; });
  ASSERT_TRUE(reg.running());
  uint16_t port = reg.node().port();
  auto a = std::make_unique<RawConnection>(port);
  RawConnection b(port);
  // Each answered once: both are being served (kept alive) now.
  ASSERT_EQ(a->Request("GET /log/checkpoint HTTP/1.1")->status, 200);
  ASSERT_EQ(b.Request("GET /log/checkpoint HTTP/1.1")->status, 200);
  RawConnection c(port);
  auto refused = c.Read();
  ASSERT_TRUE(refused) << "a connection over the cap is answered before it asks";
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(refused->header("retry-after"), "1");
  EXPECT_TRUE(c.ClosedWithin(5s));
  a.reset();  // one slot free again once the server sees the close
  EXPECT_TRUE(ServedWithin(port, 5s));
  EXPECT_EQ(b.Request("GET /log/checkpoint HTTP/1.1")->status, 200) << "the held one still works";
  // On the held connection: a new one might still find both slots taken (the last one's close
  // is not seen yet).
  auto metrics = b.Request("GET /metrics HTTP/1.1");
  ASSERT_TRUE(metrics);
  EXPECT_GE(Metric(metrics->body, "dipr_http_connections_refused_total{limit=\"per_address\"}"), 1);
}

TEST_F(Limits, TrustedProxiesAreExemptFromTheConnectionCap) {
  TestRegistry reg("limits-conns-proxy", testenv::Backend::kSqlite, &clock_,
                   [](server::NodeOptions& o) {
                     o.http.max_connections_per_address = 1;
                     o.http.trusted_proxies = Cidrs({"127.0.0.1"});
                   });
  ASSERT_TRUE(reg.running());
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 5; ++i) {
    held.push_back(std::make_unique<RawConnection>(reg.node().port()));
    EXPECT_EQ(held.back()->Request("GET /log/checkpoint HTTP/1.1")->status, 200) << i;
  }
}

TEST(ClientAddressOnTheRequest, HandlersSeeTheClientBehindATrustedProxy) {
  http::Router router;
  router.Add("GET", "/who", [](http::Request& req) -> http::asio::awaitable<http::Response> {
    co_return http::Response::Text(200, req.client_address);
  });
  http::ServerOptions o;
  o.port = 0;
  o.threads = 1;
  o.trusted_proxies = Cidrs({"127.0.0.1"});
  http::Server server(router, o);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(Get(server.port(), "/who")->body, "127.0.0.1");
  EXPECT_EQ(Get(server.port(), "/who", "X-Forwarded-For: 2001:db8::7\r\n")->body, "2001:db8::7");
  server.Stop();
}

TEST(LimitsFlags, ServeRefusesABadTrustedProxyOrRate) {
  auto dir = testenv::TestTempDir("dipr-limits-flags");
  auto bad_proxy = testenv::RunDipr("serve --data " + dir.string() +
                                    " --listen 127.0.0.1:0 --trusted-proxy 10.0.0.0/40");
  EXPECT_NE(bad_proxy.code, 0);
  EXPECT_NE(bad_proxy.err.find("--trusted-proxy \"10.0.0.0/40\""), std::string::npos)
      << bad_proxy.err;
  auto bad_rate = testenv::RunDipr("serve --data " + dir.string() +
                                   " --listen 127.0.0.1:0 --rate-burst-account 0");
  EXPECT_NE(bad_rate.code, 0);
  EXPECT_NE(bad_rate.err.find("--rate-burst-account"), std::string::npos) << bad_rate.err;
  EXPECT_FALSE(std::filesystem::exists(dir)) << "a refused start creates nothing";
}

TEST(LimitsFlags, ServeLimitsOneAddressByDefaultFlags) {
  auto dir = testenv::TestTempDir("dipr-limits-serve");
  std::filesystem::remove_all(dir);
  testenv::ServerProcess server(dir.string(),
                                {"--rate-limit-address", "0.01", "--rate-burst-address", "30"});
  ASSERT_TRUE(server.Start()) << "see " << dir.string() << ".log";
  int refused = 0;
  std::string retry_after;
  for (int i = 0; i < 40; ++i) {
    auto r = Get(server.port(), "/log/checkpoint");
    ASSERT_TRUE(r);
    if (r->status == 429) {
      ++refused;
      retry_after = r->header("retry-after");
    }
  }
  // Start()'s /healthz polls took some of the 30.
  EXPECT_GE(refused, 10);
  EXPECT_GE(std::stoi(retry_after), 1);
  server.Kill();
  std::filesystem::remove_all(dir);
  std::filesystem::remove(dir.string() + ".log");
}

}  // namespace
}  // namespace dipr
