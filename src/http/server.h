// The HTTP/1.1 server: Boost.Beast on Asio coroutines, one io_context and one thread per core.
// One listening socket: each thread's acceptor holds a dup() of it, so the threads share the
// kernel's one accept queue and a request never crosses threads. No SO_REUSEPORT: with it, a
// second server on a busy port would bind too, and the kernel would split the connections
// between two registries (issue 9).
//
// What it refuses before a handler runs (docs/API.md, "HTTP"): a target over kMaxTargetBytes
// (414), header fields over kMaxHeaderBytes (431), a body over body_limit (413), an HTTP/1.1
// request without one Host (400), a target that is neither "/..." nor an absolute http(s) URL
// (400), malformed percent-encoding or %00 (400), a repeated query parameter (400), two
// Authorization fields (400); the router refuses the rest (router.h). HEAD is answered as GET,
// without the body.
//
// Bounds under load: at most max_connections connections are served; past it a connection is
// answered 503 with Retry-After and closed. A client that reads nothing of its answer for
// write_timeout is dropped, and so is one that sends nothing for idle_timeout. One client
// address (the TCP peer; trusted proxies exempt) holds at most max_connections_per_address;
// past it, a connection is answered 429 and closed. Each request takes a token of its client
// address's bucket (address_rate; the client behind a trusted proxy, client_address.h) or is
// answered 429 with Retry-After before the router sees it.
//
// Every request gets one access-log line (common/logging.h: method, route pattern, status,
// duration, account, body bytes in and out, client; the error message of an error answer): at
// error level for a 5xx, warn for a 401 or 403, info otherwise; and is counted in metrics().
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/rate_limit.h"
#include "common/status.h"
#include "http/asio.h"
#include "http/client_address.h"
#include "http/metrics.h"
#include "http/router.h"

namespace dipr::http {

inline constexpr size_t kMaxTargetBytes = 8 * 1024;
inline constexpr size_t kMaxHeaderBytes = 16 * 1024;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: pick a free port (see Server::port())
  int threads = 0;       // 0: one per core
  size_t body_limit = 1 << 20;
  std::chrono::seconds idle_timeout{60};
  // Connections served at once (each costs a file descriptor and ~10 KB); more are answered 503.
  size_t max_connections = 1024;
  // How long a client may read nothing of its answer before it is dropped.
  std::chrono::seconds write_timeout{10};
  // Connections one TCP peer address holds at once (0: no limit); trusted proxies are exempt.
  size_t max_connections_per_address = 0;
  // Requests per client address (rate 0: no limit).
  RateLimit address_rate{};
  // Proxies whose X-Forwarded-For names the client (http/client_address.h).
  std::vector<Cidr> trusted_proxies{};
  // The rate limits' clock; null: the system clock.
  const Clock* clock = nullptr;
};

// Parses "HOST:PORT" ("[::1]:8080" for IPv6).
Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen);
// "HOST:PORT", with an IPv6 host in brackets ("[::1]:8080"): ParseListen's inverse.
std::string HostPort(const std::string& host, uint16_t port);

// Listen() binds the socket (Unavailable "HOST:PORT is in use" if another process has it), so
// that a caller can fail before it creates anything; Start() listens first if Listen() was not
// called, then serves; Stop() (any thread) closes and joins. Thread-safe.
class Server {
 public:
  Server(const Router& router, ServerOptions options);
  ~Server();
  Status Listen();
  Status Start();
  void Stop();
  uint16_t port() const { return port_; }
  HttpMetrics& metrics();

  struct Shared;

 private:
  struct Worker;
  ServerOptions options_;
  uint16_t port_ = 0;
  SystemClock system_clock_;
  // What every thread's sessions use; outlives them (declared before workers_).
  std::unique_ptr<Shared> shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace dipr::http
