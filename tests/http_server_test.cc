// The HTTP server as clients and operators rely on it (issue 9, items 1, 12 and 13), over real
// TCP: one listening socket per server (a busy port fails the start), HTTP/1.1 as RFC 9110/9112
// say (HEAD, 405 with Allow, 501, Host, target forms, 414, Bearer, query parameters), and
// bounded resources (a connection cap, a write deadline, /healthz telling when writes are
// blocked; the PDF queue's bound is tested in registration_test.cc).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <fstream>
#include <future>
#include <thread>

#include "fingerprint/fingerprint.h"
#include "http/read_pool.h"
#include "http/server.h"
#include "raw_http.h"
#include "server_process.h"
#include "test_registry.h"

namespace dipr {
namespace {

using namespace std::chrono_literals;
using testenv::RawConnection;
using testenv::TestRegistry;

std::string ErrorCode(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error")) return "";
  return j["error"].value("code", "");
}

// A server with routes of the test's own, on a free port.
struct TestServer {
  explicit TestServer(http::ServerOptions o = {}) : options(std::move(o)) {
    options.port = 0;
    if (options.threads == 0) options.threads = 2;
    router.Add("GET", "/x", [](http::Request&) -> http::asio::awaitable<http::Response> {
      co_return http::Response::Text(200, "x");
    });
    router.Add("GET", "/big", [this](http::Request&) -> http::asio::awaitable<http::Response> {
      http::Response r(200, "application/octet-stream", "");
      r.shared_body = big;
      co_return r;
    });
  }
  Status Start() {
    server = std::make_unique<http::Server>(router, options);
    return server->Start();
  }
  uint16_t port() const { return server->port(); }

  http::ServerOptions options;
  http::Router router;
  std::shared_ptr<const std::string> big = std::make_shared<const std::string>(64 << 20, 'b');
  std::unique_ptr<http::Server> server;
};

// --- one socket per server (item 1) ---

TEST(Server, ASecondServerOnABusyPortFailsToStart) {
  TestServer first({.threads = 4});
  ASSERT_TRUE(first.Start().ok());
  http::ServerOptions o;
  o.port = first.port();
  o.threads = 4;
  http::Server second(first.router, o);
  Status st = second.Start();
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_EQ(st.message(),
            "127.0.0.1:" + std::to_string(first.port()) + " is in use (another dipr serve?)");
  // The first serves every connection, from the threads sharing its one socket.
  for (int i = 0; i < 40; ++i) {
    RawConnection c(first.port());
    auto r = c.Request("GET /x HTTP/1.1");
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "x");
  }
}

// Two `dipr serve` on one port: the second exits with one line; the first keeps answering with
// its own key (with SO_REUSEPORT both served, and /log/key alternated between two keys).
TEST(ServeProcess, ASecondDiprServeOnABusyPortExitsAndTheFirstKeepsServing) {
  auto dir = testenv::TestTempDir("dipr-port");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  testenv::ServerProcess first((dir / "one").string());
  ASSERT_TRUE(first.Start());
  auto key = cli::Client::Create(first.url(), "")->Get("/log/key");
  ASSERT_TRUE(key.ok() && key->status == 200);

  std::string log = (dir / "two.log").string();
  // `timeout`: a second server that serves would run until killed; it must exit by itself.
  int rc = std::system(("timeout 20 " + testenv::DiprBinary() + " serve --data " +
                        (dir / "two").string() +
                        " --listen 127.0.0.1:" + std::to_string(first.port()) + " 2>" + log)
                           .c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_NE(WEXITSTATUS(rc), 0);
  EXPECT_NE(WEXITSTATUS(rc), 124) << "the second server was still running after 20 s";
  std::ifstream f(log);
  std::string all((std::istreambuf_iterator<char>(f)), {});
  EXPECT_EQ(all, "dipr: 127.0.0.1:" + std::to_string(first.port()) +
                     " is in use (another dipr serve?)\n");
  // It failed before it created anything.
  EXPECT_FALSE(std::filesystem::exists(dir / "two"));
  for (int i = 0; i < 6; ++i) {
    auto again = cli::Client::Create(first.url(), "")->Get("/log/key");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->body, key->body) << i;
  }
  first.Kill();
  std::filesystem::remove_all(dir);
}

// --- HTTP as clients expect it (item 12) ---

class HttpSemanticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reg_ = std::make_unique<TestRegistry>(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(reg_->running());
    holder_ = reg_->CreateAccount("Holder", "holder");
  }
  uint16_t port() { return reg_->node().port(); }
  // One request on a connection of its own.
  testenv::RawResponse Raw(const std::string& line, const std::string& fields = "Host: t\r\n") {
    RawConnection c(port());
    auto r = c.Request(line, fields);
    EXPECT_TRUE(r) << line;
    return r ? *r : testenv::RawResponse{};
  }
  std::unique_ptr<TestRegistry> reg_;
  std::string holder_;
};

TEST_F(HttpSemanticsTest, HeadAnswersLikeGetWithoutABodyAndKeepsTheConnection) {
  auto get = Raw("GET /log/checkpoint HTTP/1.1");
  ASSERT_EQ(get.status, 200);
  RawConnection c(port());
  // HEAD of a GET route: GET's header, no body; then of a path without GET: 405, no body.
  auto head = c.Request("HEAD /log/checkpoint HTTP/1.1", "Host: t\r\n", /*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), std::to_string(get.body.size()));
  EXPECT_EQ(head->header("content-type"), get.header("content-type"));
  auto not_allowed = c.Request("HEAD /v1/objectors HTTP/1.1", "Host: t\r\n", true);
  ASSERT_TRUE(not_allowed);
  EXPECT_EQ(not_allowed->status, 405);
  auto missing = c.Request("HEAD /nowhere HTTP/1.1", "Host: t\r\n", true);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  // Had any of them sent a body, this would read it as the next response.
  auto key = c.Request("GET /log/key HTTP/1.1");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->status, 200);
  EXPECT_EQ(key->body, reg_->verifier_key() + "\n");
}

TEST_F(HttpSemanticsTest, A405SaysWhichMethodsThePathAllows) {
  auto r = Raw("POST /log/checkpoint HTTP/1.1", "Host: t\r\nContent-Length: 0\r\n");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET, HEAD");
  EXPECT_EQ(ErrorCode(r.body), "method_not_allowed");
  r = Raw("POST /v1/applications/a1 HTTP/1.1", "Host: t\r\nContent-Length: 0\r\n");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET, HEAD, PUT");
  r = Raw("GET /v1/objectors HTTP/1.1");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "POST");
}

TEST_F(HttpSemanticsTest, AnUnknownMethodIs501) {
  for (const char* m : {"BREW", "DELETE", "PATCH", "OPTIONS", "get"}) {
    auto r = Raw(std::string(m) + " /log/key HTTP/1.1");
    EXPECT_EQ(r.status, 501) << m;
    EXPECT_EQ(ErrorCode(r.body), "not_implemented") << m;
  }
}

TEST_F(HttpSemanticsTest, Http11WithoutHostIs400) {
  auto r = Raw("GET /log/key HTTP/1.1", "");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r.body), "invalid_argument");
  EXPECT_EQ(Raw("GET /log/key HTTP/1.1", "Host: a\r\nHost: b\r\n").status, 400);
  EXPECT_EQ(Raw("GET /log/key HTTP/1.0", "").status, 200);  // HTTP/1.0 had no Host
}

TEST_F(HttpSemanticsTest, ATargetWithoutALeadingSlashIs400) {
  for (const char* t : {"log/key", "*", "ftp://t/log/key", "http://", "http:///log/key"}) {
    auto r = Raw(std::string("GET ") + t + " HTTP/1.1");
    EXPECT_EQ(r.status, 400) << t;
    EXPECT_EQ(ErrorCode(r.body), "invalid_argument") << t;
  }
  // The absolute form, which RFC 9112 3.2.2 says a server must accept.
  auto r = Raw("GET http://t/log/key HTTP/1.1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, reg_->verifier_key() + "\n");
  EXPECT_EQ(Raw("GET HTTPS://t:8080/log/entries?start=0&end=1 HTTP/1.1").status, 200);
}

TEST_F(HttpSemanticsTest, ATooLongUrlIs414) {
  std::string path = "/log/key?" + std::string(http::kMaxTargetBytes, 'a');
  auto r = Raw("GET " + path + " HTTP/1.1");
  EXPECT_EQ(r.status, 414);
  EXPECT_EQ(ErrorCode(r.body), "uri_too_long");
  // Longer than the whole header may be: still 414, not a parse error.
  r = Raw("GET /" + std::string(3 * http::kMaxHeaderBytes, 'a') + " HTTP/1.1");
  EXPECT_EQ(r.status, 414);
  // At the limit: routed as usual (no such endpoint).
  r = Raw("GET /" + std::string(http::kMaxTargetBytes - 1, 'a') + " HTTP/1.1");
  EXPECT_EQ(r.status, 404);
  r = Raw("GET /log/key HTTP/1.1",
          "Host: t\r\nX-Big: " + std::string(http::kMaxHeaderBytes, 'b') + "\r\n");
  EXPECT_EQ(r.status, 431);
}

TEST_F(HttpSemanticsTest, TheBearerSchemeIsCaseInsensitive) {
  for (std::string scheme : {"Bearer ", "bearer ", "BEARER ", "bEaReR   "}) {
    auto r = Raw("GET /v1/applications HTTP/1.1",
                 "Host: t\r\nAuthorization: " + scheme + holder_ + "\r\n");
    EXPECT_EQ(r.status, 200) << scheme << r.body;
  }
  for (const std::string& value : std::vector<std::string>{
           "Bearer", "Bearer" + holder_, "Basic " + holder_, "Bearer " + holder_ + " x"}) {
    auto r = Raw("GET /v1/applications HTTP/1.1", "Host: t\r\nAuthorization: " + value + "\r\n");
    EXPECT_EQ(r.status, 401) << value;
  }
}

TEST_F(HttpSemanticsTest, TwoAuthorizationHeadersAre400) {
  std::string a = "Authorization: Bearer " + holder_ + "\r\n";
  auto r = Raw("GET /v1/applications HTTP/1.1", "Host: t\r\n" + a + a);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r.body), "invalid_argument");
}

// Every route declares its query parameters (router.h); anything else, or one given twice, is
// refused before the handler runs, so also before any write.
TEST_F(HttpSemanticsTest, ARepeatedOrUnknownQueryParameterIs400OnEveryRoute) {
  auto routes = reg_->node().router().routes();
  ASSERT_GT(routes.size(), 20u);
  std::string auth =
      "Host: t\r\nAuthorization: Bearer " + reg_->admin_token() + "\r\nContent-Length: 0\r\n";
  for (const auto& [method, pattern] : routes) {
    std::string path = pattern.substr(0, pattern.find('?'));
    for (size_t open; (open = path.find('{')) != std::string::npos;) {
      path.replace(open, path.find('}') - open + 1, "x");
    }
    std::string sep = "?";
    std::string repeated;
    if (size_t q = pattern.find('?'); q != std::string::npos) {
      std::string first = pattern.substr(q + 1, pattern.find('&', q) - q - 1);
      repeated = path + "?" + first + "=1&" + first + "=1";
    }
    auto r = Raw(method + " " + path + "?zz=1 HTTP/1.1", auth);
    EXPECT_EQ(r.status, 400) << method << " " << path << " " << r.body;
    EXPECT_NE(r.body.find("zz"), std::string::npos) << r.body;
    if (!repeated.empty()) {
      r = Raw(method + " " + repeated + " HTTP/1.1", auth);
      EXPECT_EQ(r.status, 400) << method << " " << repeated;
      EXPECT_NE(r.body.find("repeated"), std::string::npos) << r.body;
    }
  }
  // What a route declares still works.
  EXPECT_EQ(Raw("GET /log/entries?start=0&end=1 HTTP/1.1").status, 200);
  EXPECT_EQ(Raw("GET /v1/registrations?q=a&page=1 HTTP/1.1").status, 200);
}

TEST_F(HttpSemanticsTest, MalformedPercentEncodingIs400) {
  for (const char* t : {"/log/entries?start=%zz&end=1", "/log/key%00", "/log/key%",
                        "/v1/registrations?q=%4", "/v1/registrations?q=a%00b", "/log/k%g1y"}) {
    auto r = Raw(std::string("GET ") + t + " HTTP/1.1");
    EXPECT_EQ(r.status, 400) << t;
    EXPECT_EQ(ErrorCode(r.body), "invalid_argument") << t;
  }
  EXPECT_EQ(Raw("GET /log/%6B%65y HTTP/1.1").status, 200);
  EXPECT_EQ(Raw("GET /v1/registrations?q=a%20b+c HTTP/1.1").status, 200);
}

// --- bounded resources (item 13) ---

TEST(Server, ConnectionsPastTheCapAreAnswered503WithRetryAfter) {
  TestServer s({.threads = 1, .max_connections = 2});
  ASSERT_TRUE(s.Start().ok());
  auto a = std::make_unique<RawConnection>(s.port());
  RawConnection b(s.port());
  ASSERT_TRUE(a->Request("GET /x HTTP/1.1"));  // both are being served (kept alive)
  ASSERT_TRUE(b.Request("GET /x HTTP/1.1"));
  RawConnection c(s.port());
  auto r = c.Request("GET /x HTTP/1.1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->header("retry-after"), "1");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_EQ(ErrorCode(r->body), "unavailable");
  EXPECT_TRUE(c.ClosedWithin(5s));
  // A connection that ends gives its place back.
  a.reset();
  bool served = false;
  for (auto deadline = std::chrono::steady_clock::now() + 5s;
       !served && std::chrono::steady_clock::now() < deadline;) {
    RawConnection d(s.port());
    auto again = d.Request("GET /x HTTP/1.1");
    served = again && again->status == 200;
  }
  EXPECT_TRUE(served);
}

TEST(Server, AClientThatReadsNothingIsDroppedAfterTheWriteTimeout) {
  TestServer s({.threads = 1, .max_connections = 1, .write_timeout = 1s});
  ASSERT_TRUE(s.Start().ok());
  RawConnection slow(s.port(), 4096);
  ASSERT_TRUE(slow.Send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n"));
  // It holds the one place while its 64 MiB answer waits...
  auto start = std::chrono::steady_clock::now();
  {
    RawConnection c(s.port());
    auto r = c.Request("GET /x HTTP/1.1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
  }
  // ...until the write deadline drops it.
  bool served = false;
  while (!served && std::chrono::steady_clock::now() < start + 10s) {
    RawConnection d(s.port());
    auto r = d.Request("GET /x HTTP/1.1");
    served = r && r->status == 200;
  }
  EXPECT_TRUE(served);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
}

// --- responses with headers, prefix routes, reads off the I/O threads (issue 11) ---

TEST(Server, ARoutesCachePolicyReachesTheWire) {
  TestServer s({.threads = 1});
  s.router.Add(
      "GET", "/kept/{path...}",
      [](http::Request& req) -> http::asio::awaitable<http::Response> {
        if (req.params["path"] == "missing") co_return http::Response::Error(NotFound("no such"));
        co_return http::Response::Text(200, req.params["path"]);
      },
      http::CachePolicy::Immutable());
  ASSERT_TRUE(s.Start().ok());
  RawConnection c(s.port());
  auto kept = c.Request("GET /kept/0/x001/2 HTTP/1.1");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->status, 200);
  EXPECT_EQ(kept->body, "0/x001/2");
  EXPECT_EQ(kept->header("cache-control"), "public, max-age=31536000, immutable");
  auto missing = c.Request("GET /kept/missing HTTP/1.1");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->header("cache-control"), "no-store");  // an error is never kept
  auto plain = c.Request("GET /x HTTP/1.1");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->header("cache-control"), "no-store");  // every route's default
}

// A read on the read pool that blocks (a slow store) leaves the only I/O thread free: another
// connection is answered while it waits, and it is answered once the read is let go.
TEST(Server, ASlowReadOnTheReadPoolDoesNotStallTheIoThread) {
  TestServer s({.threads = 1});
  auto reads = std::make_shared<http::ReadPool>(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  s.router.Add("GET", "/slow", [&, reads](http::Request&) -> http::asio::awaitable<http::Response> {
    auto read = [&]() -> http::Response {
      started.set_value();
      released.wait();  // the store read that takes its time
      return http::Response::Text(200, "slow");
    };
    http::Response r = co_await reads->Run(read);
    co_return r;
  });
  ASSERT_TRUE(s.Start().ok());
  RawConnection slow(s.port());
  ASSERT_TRUE(slow.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  started.get_future().wait();  // the read is in progress on the pool
  RawConnection other(s.port());
  auto r = other.Request("GET /x HTTP/1.1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  release.set_value();
  auto answered = slow.Read();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->body, "slow");
}

TEST(Healthz, SaysWhenTheDiskIsFull) {
  TestRegistry reg("HealthzDisk", testenv::Backend::kSqlite, nullptr, [](server::NodeOptions& o) {
    o.api.health.min_free_bytes = uint64_t{1} << 62;  // more than any disk has free
  });
  ASSERT_TRUE(reg.running());
  auto r = reg.Client().Get("/healthz");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(ErrorCode(r->body), "unavailable");
  EXPECT_NE(r->body.find("disk"), std::string::npos) << r->body;
}

// Another process holds SQLite's write lock: the sequencer's batches wait on it, and /healthz
// says so until the lock is let go.
TEST(Healthz, SaysWhenTheDatabaseIsLocked) {
  TestRegistry reg("HealthzLocked", testenv::Backend::kSqlite, nullptr,
                   [](server::NodeOptions& o) { o.api.health.stall = 200ms; });
  ASSERT_TRUE(reg.running());
  ASSERT_EQ(reg.Client().Get("/healthz")->status, 200);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((reg.dir() / "dipr.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto wait_for = [&](int status) {
    for (auto deadline = std::chrono::steady_clock::now() + 8s;
         std::chrono::steady_clock::now() < deadline;) {
      auto r = reg.Client().Get("/healthz");
      if (r.ok() && r->status == status) return r->body;
      std::this_thread::sleep_for(20ms);  // polling for the state, not waiting it out
    }
    return std::string("(still not ") + std::to_string(status) + ")";
  };
  std::string body = wait_for(503);
  EXPECT_EQ(ErrorCode(body), "unavailable") << body;
  EXPECT_NE(body.find("locked"), std::string::npos) << body;
  ASSERT_EQ(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(wait_for(200), "ok\n");
}

// The VmRSS of a process, in bytes (0 if it cannot be read).
uint64_t Rss(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// 200 connections that ask for a certificate PDF and never read took a server from 105 to
// 306 MB and /healthz to 1.6 s: each held its own copy of the PDF (and the first ones each
// rendered it).
TEST(ServeProcess, SlowReadersOfPdfsLeaveMemoryAndHealthzAlone) {
  auto dir = testenv::TestTempDir("dipr-slow");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  testenv::ServerProcess p((dir / "data").string(), {"--notice-period", "1s", "--due-interval",
                                                     "0.1", "--registrar-code", "3301"});
  ASSERT_TRUE(p.Start());
  std::string admin;
  std::getline(std::ifstream(dir / "data" / "admin.token"), admin);
  auto as = [&](const std::string& token) {
    return std::move(cli::Client::Create(p.url(), token)).value();
  };
  auto token = [&](const char* name, const char* role) {
    auto r = as(admin).PostJson("/v1/users", {{"name", name}, {"role", role}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? (*r)["token"].get<std::string>() : "";
  };
  std::string holder = token("Slow Reader Data Ltd", "holder");
  std::string examiner = token("Examiner", "examiner");
  auto fp = fingerprint::ToJson(*fingerprint::FingerprintBytes("slow readers\n"));
  auto deposit = as(holder).PostJson("/v1/deposits", {{"fingerprint", fp}, {"title", "t"}});
  ASSERT_TRUE(deposit.ok()) << deposit.status().ToString();
  nlohmann::json body = {{"data_name", "Slow reader dataset"},
                         {"holders",
                          {{{"name", "Slow Reader Data Ltd"},
                            {"type", "enterprise"},
                            {"id", "91350100M000100Y43"},
                            {"country", "CN"},
                            {"share", 1}}}},
                         {"industry", "I"},
                         {"scenarios", "load tests"},
                         {"collection_rules", "generated"},
                         {"processing_rules", "none"},
                         {"structure", "text"},
                         {"update_frequency", "never"},
                         {"source", {{"kind", "self_collected"}, {"description", "a test"}}},
                         {"scale", {{"records", 1}, {"bytes", 13}}},
                         {"deposits", {(*deposit)["index"]}},
                         {"confidential", nlohmann::json::array()}};
  // Two registrations: the first one's PDF loads the fonts and the renderer (the baseline), the
  // second one's is what the slow readers ask for.
  std::vector<std::string> numbers;
  for (int n = 0; n < 2; ++n) {
    body["data_name"] = "Slow reader dataset " + std::to_string(n);
    auto app = as(holder).PostJson("/v1/applications", body);
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    std::string id = (*app)["id"];
    ASSERT_TRUE(as(holder).Post("/v1/applications/" + id + "/submit", "").ok());
    ASSERT_TRUE(as(examiner)
                    .PostJson("/v1/applications/" + id + "/examination", {{"decision", "accept"}})
                    .ok());
    std::string number;
    for (auto deadline = std::chrono::steady_clock::now() + 20s;
         number.empty() && std::chrono::steady_clock::now() < deadline;) {
      auto a = as(holder).GetJson("/v1/applications/" + id);
      if (a.ok() && (*a)["status"] == "registered") number = (*a)["registration_number"];
      std::this_thread::sleep_for(50ms);  // polling for the registrar's tick, not waiting it out
    }
    ASSERT_FALSE(number.empty());
    numbers.push_back(number);
  }
  auto warm = as("").Get("/v1/registrations/" + numbers[0] + "/certificate.pdf");
  ASSERT_TRUE(warm.ok() && warm->status == 200);
  std::string target = "/v1/registrations/" + numbers[1] + "/certificate.pdf";
  uint64_t before = Rss(p.pid());
  ASSERT_GT(before, 0u);

  // Asked for at once, before any was rendered.
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<RawConnection>(p.port(), 4096));
    ASSERT_TRUE(slow.back()->Send("GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n"));
  }
  // Until each has its answer coming (bytes waiting to be read): /healthz's latency and the
  // server's memory meanwhile.
  std::chrono::nanoseconds slowest{0};
  uint64_t peak = before;
  size_t answered = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 60s;
       answered < slow.size() && std::chrono::steady_clock::now() < deadline;) {
    auto t0 = std::chrono::steady_clock::now();
    auto h = as("").Get("/healthz");
    slowest = std::max(slowest, std::chrono::steady_clock::now() - t0);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->status, 200);
    peak = std::max(peak, Rss(p.pid()));
    answered = 0;
    for (auto& c : slow) {
      pollfd pfd{c->fd(), POLLIN, 0};
      answered += ::poll(&pfd, 1, 0) == 1;
    }
  }
  peak = std::max(peak, Rss(p.pid()));
  std::printf(
      "%zu of 200 answered; RSS %.1f MB before, at most %.1f MB with 200 slow readers; "
      "slowest /healthz %.1f ms\n",
      answered, before / 1e6, peak / 1e6, slowest.count() / 1e6);
  EXPECT_EQ(answered, slow.size());
  // Unfixed: 30 s and +143 MB (docs/PERFORMANCE.md).
  EXPECT_LT(slowest, 1s);
  EXPECT_LT(peak, before + (60 << 20));
  slow.clear();
  p.Kill();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dipr
