// Load generator for the registration workflow (issue 4): W worker threads, each with its own
// keep-alive HTTP connection, loop create -> submit -> accept over applications until N are in
// public notice; then it waits until the registrar (dipr serve --notice-period 1s) has registered
// all of them, and writes their registration numbers (for lookups) and a mix of search queries
// (for wrk; bench/search.lua) to files.
//
// What counts as a transition: every acknowledged (2xx) POST of create, submit and examination:
// each is one event the server sequenced durably before answering. The registrar's own
// "registered" events are counted separately (they are not requests), by the public register's
// total. Accounts and deposits made first are setup, not counted.
//
// Usage: workflow_load --server http://127.0.0.1:8080 --admin-token-file DATA/admin.token
//            --applications 10000 [--workers 64] [--holders 40] [--examiners 4]
//            [--numbers-out FILE] [--queries-out FILE] [--seed S]
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "http/asio.h"
#include "workflow_data.h"

namespace dipr::bench {
namespace {

using namespace dipr::http;  // NOLINT: asio, beast, bhttp, tcp aliases
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Reply {
  int status = 0;  // 0: the connection failed
  std::string body;
};

// One keep-alive HTTP/1.1 connection; reconnects after an error or a "Connection: close".
// Not thread-safe: one per thread.
class Connection {
 public:
  Connection(std::string host, std::string port) : host_(std::move(host)), port_(std::move(port)) {}

  Reply Do(const std::string& method, const std::string& target, const std::string& token,
           const std::string& body = "") {
    boost::system::error_code ec;
    if (!stream_ || !stream_->socket().is_open()) {
      stream_.emplace(io_);
      tcp::resolver resolver(io_);
      auto results = resolver.resolve(host_, port_, ec);
      if (!ec) stream_->connect(results, ec);
      if (ec) {
        stream_.reset();
        return {0, "connect: " + ec.message()};
      }
      stream_->socket().set_option(tcp::no_delay(true));
    }
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, host_);
    req.keep_alive(true);
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    bhttp::write(*stream_, req, ec);
    bhttp::response<bhttp::string_body> res;
    if (!ec) bhttp::read(*stream_, buffer_, res, ec);
    if (ec) {
      stream_.reset();
      buffer_.clear();
      return {0, "http: " + ec.message()};
    }
    if (!res.keep_alive()) {
      stream_->socket().close(ec);
      stream_.reset();
      buffer_.clear();
    }
    return {static_cast<int>(res.result_int()), std::move(res.body())};
  }

 private:
  std::string host_, port_;
  asio::io_context io_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

// Microseconds per request of one kind, gathered per thread, merged at the end.
struct Latencies {
  std::vector<uint32_t> us;
  void Add(Clock::duration d) {
    us.push_back(
        static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
  }
};

std::string Percentiles(std::vector<uint32_t> v) {
  if (v.empty()) return "no requests";
  std::sort(v.begin(), v.end());
  auto at = [&](double p) {
    size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()));
    return v[std::min(i, v.size() - 1)] / 1000.0;
  };
  return fmt::format("p50={:.2f}ms p90={:.2f}ms p99={:.2f}ms max={:.2f}ms (n={})", at(50), at(90),
                     at(99), v.back() / 1000.0, v.size());
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "workflow_load: " << what << "\n";
  std::exit(1);
}

json MustJson(const Reply& r, int want, const std::string& what) {
  if (r.status != want) Die(fmt::format("{}: HTTP {}: {}", what, r.status, r.body));
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) Die(what + ": not JSON: " + r.body);
  return j;
}

struct Options {
  std::string server = "http://127.0.0.1:8080";
  std::string admin_token_file;
  size_t applications = 10000;
  size_t workers = 64;
  size_t holders = 40;
  size_t examiners = 4;
  size_t deposits_per_holder = 20;
  uint64_t seed = 1;
  std::string numbers_out, queries_out;
  size_t queries = 2000;
  double wait_timeout = 600;
};

// The total of GET /v1/registrations?status=registered: how many the registrar has registered.
uint64_t RegisteredTotal(Connection& c) {
  json j = MustJson(c.Do("GET", "/v1/registrations?status=registered", ""), 200, "search");
  return j["total"].get<uint64_t>();
}

int Run(const Options& o) {
  std::string rest = o.server.substr(o.server.find("//") + 2);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos) Die("--server must be http://HOST:PORT");
  std::string host = rest.substr(0, colon), port = rest.substr(colon + 1);

  std::ifstream tf(o.admin_token_file);
  std::string admin;
  if (!(tf >> admin)) Die("cannot read the admin token from " + o.admin_token_file);

  // --- setup: accounts and deposits (not counted) ---
  Connection setup(host, port);
  auto holders = MakeHolders(o.holders, o.seed);
  std::vector<std::string> holder_tokens, examiner_tokens;
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> deposits(holders.size());  // index, bytes
  WorkflowData setup_data(o.seed);
  for (size_t i = 0; i < holders.size(); ++i) {
    json a = MustJson(setup.Do("POST", "/v1/users", admin,
                               json{{"name", holders[i].name}, {"role", "holder"}}.dump()),
                      201, "create holder");
    holder_tokens.push_back(a["token"]);
    for (size_t d = 0; d < o.deposits_per_holder; ++d) {
      json body = setup_data.Deposit();
      json r = MustJson(setup.Do("POST", "/v1/deposits", holder_tokens.back(), body.dump()), 201,
                        "deposit");
      deposits[i].emplace_back(r["index"].get<uint64_t>(),
                               body["fingerprint"]["size"].get<uint64_t>());
    }
  }
  for (size_t i = 0; i < o.examiners; ++i) {
    json a = MustJson(
        setup.Do(
            "POST", "/v1/users", admin,
            json{{"name", fmt::format("审查员 Examiner {}", i + 1)}, {"role", "examiner"}}.dump()),
        201, "create examiner");
    examiner_tokens.push_back(a["token"]);
  }
  uint64_t registered_before = RegisteredTotal(setup);
  std::cerr << fmt::format(
      "setup: {} holders ({} deposits each), {} examiners; {} registered "
      "before\n",
      holders.size(), o.deposits_per_holder, examiner_tokens.size(), registered_before);

  // --- the workflow: create -> submit -> accept ---
  std::atomic<size_t> next{0}, accepted{0}, errors{0};
  std::mutex mu;  // guards the merged results below
  Latencies create_all, submit_all, examine_all;
  std::vector<std::string> ids;
  std::string first_error;
  auto t0 = Clock::now();
  auto worker = [&](size_t w) {
    Connection c(host, port);
    WorkflowData data(o.seed * 1000003 + w);
    Latencies lc, ls, le;
    std::vector<std::string> mine;
    std::string err;
    auto fail = [&](const char* step, const Reply& r) {
      errors++;
      if (err.empty()) err = fmt::format("{}: HTTP {}: {}", step, r.status, r.body.substr(0, 300));
    };
    while (true) {
      size_t i = next++;
      if (i >= o.applications) break;
      size_t h = (i * 2654435761u) % holders.size();  // spread over holders, not round-robin
      const auto& ds = deposits[h];
      const auto& [deposit, bytes] = ds[i % ds.size()];
      std::string body = data.Application(holders[h], deposit, bytes).dump();
      auto s = Clock::now();
      Reply r = c.Do("POST", "/v1/applications", holder_tokens[h], body);
      if (r.status != 201) {
        fail("create", r);
        continue;
      }
      lc.Add(Clock::now() - s);
      std::string id = json::parse(r.body)["id"];
      s = Clock::now();
      r = c.Do("POST", "/v1/applications/" + id + "/submit", holder_tokens[h]);
      if (r.status != 200) {
        fail("submit", r);
        continue;
      }
      ls.Add(Clock::now() - s);
      s = Clock::now();
      r = c.Do("POST", "/v1/applications/" + id + "/examination",
               examiner_tokens[i % examiner_tokens.size()], R"({"decision":"accept"})");
      if (r.status != 200) {
        fail("examination", r);
        continue;
      }
      le.Add(Clock::now() - s);
      mine.push_back(std::move(id));
      accepted++;
    }
    std::lock_guard lock(mu);
    create_all.us.insert(create_all.us.end(), lc.us.begin(), lc.us.end());
    submit_all.us.insert(submit_all.us.end(), ls.us.begin(), ls.us.end());
    examine_all.us.insert(examine_all.us.end(), le.us.begin(), le.us.end());
    ids.insert(ids.end(), mine.begin(), mine.end());
    if (first_error.empty()) first_error = err;
  };
  std::vector<std::thread> threads;
  for (size_t w = 0; w < o.workers; ++w) threads.emplace_back(worker, w);

  // Progress, and the registrar's pace while the workers run.
  Connection monitor(host, port);
  std::atomic<bool> done{false};
  std::thread progress([&] {
    auto last = Clock::now();
    size_t last_n = 0;
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (Clock::now() - last < std::chrono::seconds(5) || done) continue;
      size_t n = accepted;
      auto now = Clock::now();
      std::cerr << fmt::format("  {:.0f} s: {} accepted ({:.0f} transitions/s), {} registered\n",
                               Seconds(now - t0), n, 3.0 * (n - last_n) / Seconds(now - last),
                               RegisteredTotal(monitor) - registered_before);
      last = now;
      last_n = n;
    }
  });
  for (auto& t : threads) t.join();
  auto t1 = Clock::now();
  done = true;
  progress.join();
  uint64_t registered_at_fill_end = RegisteredTotal(monitor) - registered_before;

  // --- the registrar: until everything accepted is registered ---
  uint64_t registered = registered_at_fill_end;
  while (registered < accepted) {
    if (Seconds(Clock::now() - t1) > o.wait_timeout) {
      Die(fmt::format("only {} of {} registered after {} s", registered, accepted.load(),
                      o.wait_timeout));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    registered = RegisteredTotal(monitor) - registered_before;
  }
  auto t2 = Clock::now();

  double fill = Seconds(t1 - t0), all = Seconds(t2 - t0);
  size_t n = accepted;
  std::cout << fmt::format(
      "applications: {} accepted with {} workers in {:.2f} s; {} failed requests\n", n, o.workers,
      fill, errors.load());
  if (!first_error.empty()) std::cout << "first failure: " << first_error << "\n";
  std::cout << fmt::format(
      "client transitions (2xx POSTs: create + submit + examination): {} in "
      "{:.2f} s = {:.0f}/s\n",
      3 * n, fill, 3 * n / fill);
  std::cout << fmt::format(
      "registrar: {} registered by the end of the fill, all {} registered {:.2f} s after it\n",
      registered_at_fill_end, n, Seconds(t2 - t1));
  std::cout << fmt::format(
      "all events (3 client + 1 registered per application): {} in {:.2f} s "
      "= {:.0f}/s\n",
      4 * n, all, 4 * n / all);
  std::cout << "latency create:      " << Percentiles(create_all.us) << "\n";
  std::cout << "latency submit:      " << Percentiles(submit_all.us) << "\n";
  std::cout << "latency examination: " << Percentiles(examine_all.us) << "\n";
  std::vector<uint32_t> every = create_all.us;
  every.insert(every.end(), submit_all.us.begin(), submit_all.us.end());
  every.insert(every.end(), examine_all.us.begin(), examine_all.us.end());
  std::cout << "latency all POSTs:   " << Percentiles(std::move(every)) << "\n";

  // --- files for wrk ---
  if (!o.numbers_out.empty()) {
    // The registration numbers, read back through the application (examiners see them all).
    std::vector<std::string> numbers(ids.size());
    std::atomic<size_t> k{0};
    std::vector<std::thread> readers;
    for (size_t w = 0; w < std::min<size_t>(o.workers, 8); ++w) {
      readers.emplace_back([&] {
        Connection c(host, port);
        for (size_t i; (i = k++) < ids.size();) {
          json a = MustJson(c.Do("GET", "/v1/applications/" + ids[i], examiner_tokens[0]), 200,
                            "read application");
          if (a["status"] != "registered") Die(ids[i] + " is " + a["status"].get<std::string>());
          numbers[i] = a["registration_number"];
        }
      });
    }
    for (auto& t : readers) t.join();
    std::ofstream out(o.numbers_out, std::ios::app);
    for (const auto& num : numbers) out << num << "\n";
    std::cerr << fmt::format("wrote {} registration numbers to {}\n", numbers.size(),
                             o.numbers_out);
  }
  if (!o.queries_out.empty()) {
    WorkflowData data(o.seed);
    std::ofstream out(o.queries_out);
    for (const auto& q : data.Queries(o.queries, holders)) out << q.kind << " " << q.target << "\n";
  }
  return errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace dipr::bench

int main(int argc, char** argv) {
  dipr::bench::Options o;
  CLI::App app{"Load generator for the registration workflow (create -> submit -> accept)"};
  app.add_option("--server", o.server, "http://HOST:PORT");
  app.add_option("--admin-token-file", o.admin_token_file, "DATA/admin.token")->required();
  app.add_option("--applications", o.applications, "applications to take into notice");
  app.add_option("--workers", o.workers, "concurrent workers (connections)");
  app.add_option("--holders", o.holders, "holder accounts");
  app.add_option("--examiners", o.examiners, "examiner accounts");
  app.add_option("--deposits-per-holder", o.deposits_per_holder, "deposits each holder makes");
  app.add_option("--seed", o.seed, "seed of the generated data");
  app.add_option("--numbers-out", o.numbers_out, "append the registration numbers to FILE");
  app.add_option("--queries-out", o.queries_out, "write search queries (KIND TARGET) to FILE");
  app.add_option("--queries", o.queries, "how many search queries to write");
  app.add_option("--wait-timeout", o.wait_timeout, "seconds to wait for the registrar");
  CLI11_PARSE(app, argc, argv);
  if (o.workers == 0 || o.holders == 0 || o.examiners == 0 || o.deposits_per_holder == 0) {
    std::cerr << "workflow_load: --workers, --holders, --examiners and --deposits-per-holder must "
                 "be positive\n";
    return 2;
  }
  return dipr::bench::Run(o);
}
