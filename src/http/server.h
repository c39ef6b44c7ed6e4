// The HTTP/1.1 server: Boost.Beast on Asio coroutines, one io_context and one thread per core,
// each with its own listening socket on the same port (SO_REUSEPORT), so connections are spread
// over the cores by the kernel and a request never crosses threads.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "http/asio.h"
#include "http/router.h"

namespace dipr::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: pick a free port (see Server::port())
  int threads = 0;       // 0: one per core
  size_t body_limit = 1 << 20;
  std::chrono::seconds idle_timeout{60};
};

// Parses "HOST:PORT" ("[::1]:8080" for IPv6).
Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen);

// Start() returns once the sockets listen; Stop() (any thread) closes them and joins. Thread-safe.
class Server {
 public:
  Server(const Router& router, ServerOptions options);
  ~Server();
  Status Start();
  void Stop();
  uint16_t port() const { return port_; }

 private:
  struct Worker;
  const Router& router_;
  ServerOptions options_;
  uint16_t port_ = 0;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace dipr::http
