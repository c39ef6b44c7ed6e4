#include "http/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "common/logging.h"
#include "common/mutex.h"

namespace dipr::http {
namespace {

using bhttp::status;
using namespace std::chrono_literals;

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding (RFC 3986 2.1); in a query, '+' is a space too (HTML forms). A '%' not
// followed by two hex digits is refused rather than passed on as it is, and so is %00: no
// handler, database or file name downstream expects a NUL.
Result<std::string> Decode(std::string_view s, bool query) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (query && s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      int hi = i + 1 < s.size() ? HexDigit(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexDigit(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument("malformed percent-encoding in the request target: \"" +
                               std::string(s.substr(i, 3)) + "\"");
      }
      int v = hi * 16 + lo;
      if (v == 0) return InvalidArgument("%00 (a NUL) in the request target");
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// origin-form ("/path?query"), or absolute-form ("http://host/path?query"), which RFC 9112
// 3.2.2 says a server must accept; its authority is not checked against this server's names,
// as Host is not either. Anything else ("*", "path", "ftp://...") is refused.
Status ParseTarget(std::string_view target, Request& req) {
  if (target.empty() || target.front() != '/') {
    size_t colon = target.find("://");
    std::string_view scheme = target.substr(0, colon);
    if (colon == std::string_view::npos || !(IEquals(scheme, "http") || IEquals(scheme, "https"))) {
      return InvalidArgument("the request target must be a path starting with \"/\"");
    }
    std::string_view rest = target.substr(colon + 3);
    size_t end = rest.find_first_of("/?");
    if (end == 0 || rest.empty()) {
      return InvalidArgument("the request target's URL has no host");
    }
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    if (rest.empty() || rest.front() == '?') {
      std::string t = "/" + std::string(rest);
      return ParseTarget(t, req);
    }
    target = rest;
  }
  size_t q = target.find('?');
  ASSIGN_OR_RETURN(req.path, Decode(target.substr(0, q), false));
  if (q == std::string_view::npos) return Status::Ok();
  std::string_view qs = target.substr(q + 1);
  while (!qs.empty()) {
    size_t amp = qs.find('&');
    std::string_view kv = qs.substr(0, amp);
    size_t eq = kv.find('=');
    if (!kv.empty()) {
      ASSIGN_OR_RETURN(std::string name, Decode(kv.substr(0, eq), true));
      std::string value;
      if (eq != std::string_view::npos) {
        ASSIGN_OR_RETURN(value, Decode(kv.substr(eq + 1), true));
      }
      // Two values of one parameter: which one counts would be up to each parser (the first?
      // the last?), so neither is taken.
      if (!req.query.emplace(name, std::move(value)).second) {
        return InvalidArgument("query parameter \"" + name + "\" is repeated");
      }
    }
    if (amp == std::string_view::npos) break;
    qs.remove_prefix(amp + 1);
  }
  return Status::Ok();
}

// "Authorization: Bearer TOKEN": the scheme in any case, then one or more spaces (RFC 7235 2.1,
// RFC 6750 2.1). Any other value still counts as presented, but can never be a valid token.
std::string BearerToken(std::string_view v) {
  constexpr std::string_view kScheme = "bearer";
  if (v.size() > kScheme.size() && IEquals(v.substr(0, kScheme.size()), kScheme) &&
      v[kScheme.size()] == ' ') {
    std::string_view token = v.substr(kScheme.size());
    token.remove_prefix(std::min(token.find_first_not_of(' '), token.size()));
    if (!token.empty() && token.find_first_of(" \t") == std::string_view::npos) {
      return std::string(token);
    }
  }
  return "\x01";
}

// Fills `req` from the message (method and client address first, for the log), or answers the
// 4xx that refuses it.
Status ToRequest(const bhttp::request<bhttp::string_body>& msg, const asio::ip::address& peer,
                 const std::vector<Cidr>& trusted, Request& req) {
  req.method = std::string(msg.method_string());
  std::vector<std::string_view> forwarded;
  if (!trusted.empty()) {
    for (auto [it, end] = msg.equal_range("X-Forwarded-For"); it != end; ++it) {
      forwarded.push_back(it->value());
    }
  }
  req.client_address = ClientAddress(peer, forwarded, trusted);
  size_t hosts = msg.count(bhttp::field::host);
  if (hosts > 1) return InvalidArgument("the request has more than one Host header");
  if (msg.version() >= 11 && hosts == 0) {
    return InvalidArgument("an HTTP/1.1 request must have a Host header");
  }
  RETURN_IF_ERROR(ParseTarget(msg.target(), req));
  size_t auths = msg.count(bhttp::field::authorization);
  if (auths > 1) return InvalidArgument("the request has more than one Authorization header");
  if (auths == 1) req.bearer_token = BearerToken(msg.at(bhttp::field::authorization));
  return Status::Ok();
}

// Writes `r`, dropping the client if it takes none of it for `timeout` (the deadline is renewed
// whenever some of it was taken, so a slow reader that reads is served). For HEAD, the header
// says what GET would send and no body follows.
asio::awaitable<boost::system::error_code> Write(beast::tcp_stream& stream, Response r,
                                                 unsigned version, bool keep_alive, bool head,
                                                 std::chrono::seconds timeout) {
  std::shared_ptr<const std::string> body =
      r.shared_body ? std::move(r.shared_body)
                    : std::make_shared<const std::string>(std::move(r.body));
  bhttp::response<bhttp::span_body<const char>> res{static_cast<status>(r.status), version};
  res.set(bhttp::field::server, "dipr");
  res.set(bhttp::field::content_type, r.content_type);
  res.set(bhttp::field::cache_control, r.cache_control.empty() ? "no-store" : r.cache_control);
  for (auto& [name, value] : r.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.content_length(body->size());
  if (!head) res.body() = {body->data(), body->size()};
  bhttp::response_serializer<bhttp::span_body<const char>> sr{res};
  boost::system::error_code ec;
  while (!sr.is_done() && !ec) {
    stream.expires_after(timeout);
    co_await bhttp::async_write_some(stream, sr, asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return ec;
}

// Closes after the last answer the way nginx's lingering_close does: no more is sent, and what
// the client still sends (the rest of a refused request) is read and dropped for up to a second,
// since closing with unread bytes would reset the connection, and the answer with it.
asio::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  char sink[1024];
  stream.expires_after(1s);
  while (!ec) {
    co_await stream.async_read_some(asio::buffer(sink),
                                    asio::redirect_error(asio::use_awaitable, ec));
  }
}

// Gives a connection slot back when the session ends, however it ends (also when its io_context
// is destroyed with the coroutine suspended).
struct Slot {
  std::atomic<size_t>& count;
  ~Slot() { count.fetch_sub(1); }
};

// Connections held per TCP peer address. Thread-safe.
class AddressConnections {
 public:
  bool TryAdd(const std::string& address, size_t max) {
    MutexLock lock(mu_);
    size_t& n = counts_[address];
    if (n >= max) return false;
    ++n;
    return true;
  }
  void Remove(const std::string& address) {
    MutexLock lock(mu_);
    auto it = counts_.find(address);
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  }

 private:
  Mutex mu_;
  // Only addresses with a connection open: bounded by max_connections.
  std::unordered_map<std::string, size_t> counts_ DIPR_GUARDED_BY(mu_);
};

// A connection's place in AddressConnections, given back when the session ends.
struct AddressSlot {
  AddressSlot() = default;
  AddressSlot(AddressSlot&& o) noexcept
      : connections(std::exchange(o.connections, nullptr)), address(std::move(o.address)) {}
  AddressSlot& operator=(AddressSlot&&) = delete;
  AddressConnections* connections = nullptr;  // null: not counted (no limit, a trusted proxy)
  std::string address;
  ~AddressSlot() {
    if (connections) connections->Remove(address);
  }
};

}  // namespace

struct Server::Shared {
  Shared(const Router& router, const ServerOptions& options, const Clock& clock)
      : router(router), options(options), address_limiter(clock, options.address_rate) {}
  const Router& router;
  const ServerOptions& options;
  std::atomic<size_t> connections{0};  // being served
  std::atomic<size_t> refusing{0};     // being answered 503 or 429 (at most max_connections)
  AddressConnections per_address;
  RateLimiter address_limiter;
  HttpMetrics metrics;
};

namespace {

// The access-log line of one answered request.
void LogRequest(const Request& req, const std::string& method, int status, const std::string& error,
                size_t bytes_in, size_t bytes_out, Micros latency) {
  auto level = status >= 500                    ? spdlog::level::err
               : status == 401 || status == 403 ? spdlog::level::warn
                                                : spdlog::level::info;
  if (!spdlog::default_logger_raw()->should_log(level)) return;
  std::vector<LogField> f;
  f.reserve(11);
  f.emplace_back("method", method);
  f.emplace_back("route", req.route.empty() ? std::string_view("unmatched") : req.route);
  // A path no route has is worth seeing (a probe, a client's typo); a bounded piece of it.
  if (req.route.empty()) f.emplace_back("path", std::string_view(req.path).substr(0, 200));
  f.emplace_back("status", status);
  f.emplace_back("duration_ms", static_cast<double>(latency.count()) / 1000.0);
  if (!req.account_id.empty()) f.emplace_back("account", req.account_id);
  f.emplace_back("bytes_in", bytes_in);
  f.emplace_back("bytes_out", bytes_out);
  f.emplace_back("client", req.client_address);
  if (!error.empty()) f.emplace_back("error", error);
  LogEvent(level, "request", f);
}

asio::awaitable<void> Session(tcp::socket socket, Server::Shared& sh,
                              [[maybe_unused]] AddressSlot held /* for the session's lifetime */) {
  Slot slot{sh.connections};
  const ServerOptions& opts = sh.options;
  boost::system::error_code peer_ec;
  const asio::ip::address peer = Unmapped(socket.remote_endpoint(peer_ec).address());
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  while (true) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(opts.body_limit);
    parser.header_limit(kMaxHeaderBytes);
    stream.expires_after(opts.idle_timeout);
    co_await bhttp::async_read(stream, buffer, parser,
                               asio::redirect_error(asio::use_awaitable, ec));
    const auto t0 = std::chrono::steady_clock::now();
    Request req;
    if (ec) {
      Response err;
      if (ec == bhttp::error::body_limit) {
        err = Response::Error(
            TooLarge("the request body is over " + std::to_string(opts.body_limit) + " bytes"));
      } else if (ec == bhttp::error::header_limit) {
        // A long target, unless the request line was parsed (its target is set) or is in the
        // buffer, shorter than the limit: then the fields are what is too long.
        std::string_view got(static_cast<const char*>(buffer.data().data()), buffer.size());
        size_t eol = got.find('\n');
        size_t target = parser.get().target().size();
        bool line_ok = (target > 0 && target <= kMaxTargetBytes) ||
                       (eol != std::string_view::npos && eol <= kMaxTargetBytes);
        if (!line_ok) {
          err = Response::Error(
              414, "uri_too_long",
              "the request target is over " + std::to_string(kMaxTargetBytes) + " bytes");
        } else {
          err = Response::Error(
              431, "header_too_large",
              "the request's header is over " + std::to_string(kMaxHeaderBytes) + " bytes");
        }
      } else if (ec != bhttp::error::end_of_stream && ec != asio::error::eof &&
                 ec != beast::error::timeout && ec != asio::error::connection_reset &&
                 ec != asio::error::operation_aborted) {
        err = Response::Error(InvalidArgument("malformed HTTP request: " + ec.message()));
      } else {
        break;
      }
      // The stream is out of step with the messages now: answer, and close.
      req.client_address = peer.to_string();
      int status = err.status;
      std::string error = err.error;
      size_t out = err.body.size();
      co_await Write(stream, std::move(err), 11, false, false, opts.write_timeout);
      Micros latency = std::chrono::duration_cast<Micros>(std::chrono::steady_clock::now() - t0);
      sh.metrics.Record("", status, latency);
      LogRequest(req, std::string(parser.get().method_string()), status, error, 0, out, latency);
      break;
    }
    auto& msg = parser.get();
    bool keep_alive = msg.keep_alive();
    bool head = msg.method() == bhttp::verb::head;
    const size_t bytes_in = msg.body().size();
    Response r;
    if (msg.target().size() > kMaxTargetBytes) {
      req.method = std::string(msg.method_string());
      req.client_address = peer.to_string();
      r = Response::Error(
          414, "uri_too_long",
          "the request target is over " + std::to_string(kMaxTargetBytes) + " bytes");
    } else if (Status st = ToRequest(msg, peer, opts.trusted_proxies, req); !st.ok()) {
      r = Response::Error(st);
    } else if (RateDecision d = sh.address_limiter.Take(req.client_address); !d.allowed) {
      sh.metrics.Refused(HttpMetrics::Refusal::kAddressRate);
      r = Response::TooManyRequests(
          fmt::format("too many requests from {} (over {} a second); retry after {} s",
                      req.client_address, opts.address_rate.rate, d.RetryAfterSeconds()),
          d.RetryAfterSeconds());
    } else {
      req.body = std::move(msg.body());
      try {
        r = co_await sh.router.Dispatch(req);
      } catch (const std::exception& e) {
        // A handler bug must cost one request, not the server.
        LogEvent(spdlog::level::err, "unhandled exception in a handler",
                 {{"method", req.method}, {"route", req.route}, {"error", e.what()}});
        r = Response::Error(Internal("internal error"));
      }
    }
    const int status = r.status;
    const std::string error = std::move(r.error);
    const size_t bytes_out = head ? 0 : (r.shared_body ? r.shared_body->size() : r.body.size());
    ec = co_await Write(stream, std::move(r), msg.version(), keep_alive, head, opts.write_timeout);
    Micros latency = std::chrono::duration_cast<Micros>(std::chrono::steady_clock::now() - t0);
    sh.metrics.Record(req.route, status, latency);
    LogRequest(req, req.method, status, error, bytes_in, bytes_out, latency);
    if (ec || !keep_alive) break;
  }
  co_await LingeringClose(stream);
}

// A connection over a limit: answered at once (503 over the total, 429 over one address's),
// then closed.
asio::awaitable<void> Refuse(tcp::socket socket, Response r, std::string client,
                             std::atomic<size_t>& refusing) {
  Slot slot{refusing};
  beast::tcp_stream stream(std::move(socket));
  LogEvent(r.status >= 500 ? spdlog::level::err : spdlog::level::warn, "connection refused",
           {{"status", r.status}, {"client", client}, {"error", r.error}});
  if (auto ec = co_await Write(stream, std::move(r), 11, false, false, 1s); !ec) {
    co_await LingeringClose(stream);
  }
}

asio::awaitable<void> Accept(tcp::acceptor& acceptor, Server::Shared& sh) {
  auto ex = co_await asio::this_coro::executor;
  const ServerOptions& opts = sh.options;
  while (true) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      spdlog::warn("accept: {}", ec.message());
      asio::steady_timer t(ex, std::chrono::milliseconds(50));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto refuse = [&](Response r, std::string client) {
      // The refusals are bounded too: past them, a connection is closed unanswered.
      if (sh.refusing.fetch_add(1) < opts.max_connections) {
        asio::co_spawn(ex, Refuse(std::move(socket), std::move(r), std::move(client), sh.refusing),
                       asio::detached);
      } else {
        sh.refusing.fetch_sub(1);
      }
    };
    AddressSlot address;
    if (opts.max_connections_per_address > 0) {
      asio::ip::address peer = Unmapped(socket.remote_endpoint(ec).address());
      if (!ec && !Trusted(opts.trusted_proxies, peer)) {
        address.address = peer.to_string();
        if (!sh.per_address.TryAdd(address.address, opts.max_connections_per_address)) {
          sh.metrics.Refused(HttpMetrics::Refusal::kPerAddressConnections);
          refuse(Response::TooManyRequests(
                     fmt::format("{} holds its maximum of {} connections; retry", address.address,
                                 opts.max_connections_per_address),
                     1),
                 std::move(address.address));
          continue;
        }
        address.connections = &sh.per_address;
      }
    }
    if (sh.connections.fetch_add(1) >= opts.max_connections) {
      sh.connections.fetch_sub(1);
      sh.metrics.Refused(HttpMetrics::Refusal::kMaxConnections);
      boost::system::error_code pec;
      std::string client = Unmapped(socket.remote_endpoint(pec).address()).to_string();
      refuse(Response::RetryLater(
                 Unavailable("the server is serving its maximum of " +
                             std::to_string(opts.max_connections) + " connections; retry"),
                 1),
             std::move(client));
      continue;  // `address` gives its slot back
    }
    asio::co_spawn(ex, Session(std::move(socket), sh, std::move(address)), asio::detached);
  }
}

// Each connection is a file descriptor, and so is each refusal: a soft limit of 1,024 (the
// usual default) would run out before max_connections. Raises it up to the hard limit.
void RaiseFileLimit(size_t max_connections) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t want = 2 * max_connections + 256;
  if (lim.rlim_cur >= want) return;
  lim.rlim_cur = std::min(want, lim.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < want) {
    spdlog::warn("open files limited to {} (ulimit -n); {} connections need about {}", lim.rlim_cur,
                 max_connections, want);
  }
}

}  // namespace

std::string HostPort(const std::string& host, uint16_t port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

struct Server::Worker {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
};

Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return InvalidArgument("--listen must be HOST:PORT");
  }
  std::string host(listen.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string_view port_s = listen.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_s.data(), port_s.data() + port_s.size(), port);
  if (ec != std::errc() || p != port_s.data() + port_s.size() || port > 65535) {
    return InvalidArgument("--listen port must be a number from 0 to 65535");
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

Server::Server(const Router& router, ServerOptions options) : options_(std::move(options)) {
  if (options_.threads <= 0) {
    options_.threads = std::max(1u, std::thread::hardware_concurrency());
  }
  options_.max_connections = std::max<size_t>(1, options_.max_connections);
  shared_ =
      std::make_unique<Shared>(router, options_, options_.clock ? *options_.clock : system_clock_);
}

HttpMetrics& Server::metrics() { return shared_->metrics; }

Server::~Server() {
  Stop();
  workers_.clear();
}

Status Server::Listen() {
  if (!workers_.empty()) return Status::Ok();
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(options_.host, ec);
  if (ec) return InvalidArgument("cannot listen on \"" + options_.host + "\": not an IP address");
  tcp::endpoint ep(addr, options_.port);
  std::string where = HostPort(options_.host, options_.port);
  auto first = std::make_unique<Worker>();
  first->acceptor.open(ep.protocol(), ec);
  // SO_REUSEADDR lets a restart bind while the last run's connections are in TIME_WAIT; on Linux
  // it never lets two sockets listen on one port.
  if (!ec) first->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) first->acceptor.bind(ep, ec);
  if (ec == asio::error::address_in_use) {
    return Unavailable(where + " is in use (another dipr serve?)");
  }
  if (!ec) first->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("cannot listen on " + where + ": " + ec.message());
  uint16_t port = first->acceptor.local_endpoint().port();
  workers_.push_back(std::move(first));
  // The other threads accept from the same socket, through descriptors of their own.
  for (int i = 1; i < options_.threads; ++i) {
    auto w = std::make_unique<Worker>();
    int fd = ::dup(workers_.front()->acceptor.native_handle());
    if (fd >= 0) w->acceptor.assign(ep.protocol(), fd, ec);
    if (fd < 0 || ec) {
      if (fd >= 0 && !w->acceptor.is_open()) ::close(fd);
      workers_.clear();
      return Unavailable("cannot share the socket of " + where + ": " +
                         (fd < 0 ? std::string(std::strerror(errno)) : ec.message()));
    }
    workers_.push_back(std::move(w));
  }
  port_ = port;
  return Status::Ok();
}

Status Server::Start() {
  RETURN_IF_ERROR(Listen());
  if (!threads_.empty()) return Status::Ok();
  RaiseFileLimit(options_.max_connections);
  for (auto& w : workers_) {
    asio::co_spawn(w->io, Accept(w->acceptor, *shared_), asio::detached);
    threads_.emplace_back([io = &w->io, n = threads_.size()] {
      pthread_setname_np(pthread_self(), ("dipr-http-" + std::to_string(n)).c_str());
      io->run();
    });
  }
  return Status::Ok();
}

void Server::Stop() {
  for (auto& w : workers_) w->io.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // The io_contexts stay until destruction: completions may still be posted to them.
}

}  // namespace dipr::http
