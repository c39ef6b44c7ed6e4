// Routes (method, path pattern) to handlers. Patterns are literal segments and {name} segments,
// e.g. "/v1/applications/{id}/submit". Built once before serving, then read-only (thread-safe).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/asio.h"
#include "http/message.h"

namespace dipr::http {

using Handler = std::function<asio::awaitable<Response>(Request&)>;

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  // 404 for an unknown path, 405 for a known path with another method.
  asio::awaitable<Response> Dispatch(Request& req) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace dipr::http
