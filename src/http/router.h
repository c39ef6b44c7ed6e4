// Routes (method, path pattern) to handlers. Patterns are literal segments and {name} segments,
// e.g. "/v1/applications/{id}/submit", then the query parameters the route takes, if any, after a
// '?' and separated by '&': "/log/entries?start&end". A last segment {name...} makes a prefix
// route: "/tile/{path...}" matches every path under /tile/ (one segment or more), and
// params["path"] is the rest of the path, its segments joined by '/' ("0/x001/234.p/5"). Routes
// are tried in the order added: add a prefix route after the exact routes it would shadow. Built
// once before serving, then read-only (thread-safe).
//
// Each route has a cache policy (CachePolicy): the Cache-Control of its successful (2xx) answers
// that do not set their own; every other answer is "no-store" (an error, a 404 for what may exist
// later, must not be kept).
//
// Dispatch answers, before any handler runs:
//   501 not_implemented     a method no route has (HEAD is GET's: it runs the GET handler)
//   404 not_found           no route's path matches
//   405 method_not_allowed  the path has routes, none for this method; Allow lists theirs
//   400 invalid_argument    a query parameter the route does not declare
//   whatever the gate answers (a 429 rate limit), after the route matched
// (A repeated query parameter is refused where the target is parsed, http/server.cc.)
// It sets Request::route to the matched pattern, whatever the answer.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "http/asio.h"
#include "http/message.h"

namespace dipr::http {

using Handler = std::function<asio::awaitable<Response>(Request&)>;

// What clients and caches may keep of a route's successful answers: its Cache-Control.
struct CachePolicy {
  std::string cache_control = "no-store";

  // Nothing kept: what every route answered so far (checkpoints, state, search change).
  static CachePolicy NoStore() { return {}; }
  // Kept for good: an answer that never changes at its URL (a full tile, C2SP tlog-tiles).
  static CachePolicy Immutable() { return {"public, max-age=31536000, immutable"}; }
};
// Runs before every handler: an answer refuses the request (the handler does not run).
using Gate = std::function<std::optional<Response>(Request&)>;

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler,
           CachePolicy cache = CachePolicy::NoStore());
  // REQUIRES: before serving (not thread-safe).
  void SetGate(Gate gate) { gate_ = std::move(gate); }
  asio::awaitable<Response> Dispatch(Request& req) const;
  // Every route's method and pattern, in the order added.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    std::vector<std::string> query;  // the query parameters it takes
    std::string rest;                // a prefix route's {name...}; "" otherwise
    Handler handler;
    CachePolicy cache;
  };
  std::vector<Route> routes_;
  std::set<std::string> methods_;  // every route's method, and HEAD if any is GET
  Gate gate_;
};

}  // namespace dipr::http
