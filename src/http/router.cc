#include "http/router.h"

namespace dipr::http {
namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back({std::move(method), Split(pattern), std::move(handler)});
}

asio::awaitable<Response> Router::Dispatch(Request& req) const {
  auto segs = Split(req.path);
  bool path_known = false;
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < segs.size() && match; ++i) {
      const std::string& p = r.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        params[p.substr(1, p.size() - 2)] = segs[i];
      } else {
        match = p == segs[i];
      }
    }
    if (!match) continue;
    path_known = true;
    if (r.method != req.method) continue;
    req.params = std::move(params);
    co_return co_await r.handler(req);
  }
  if (path_known) {
    co_return Response::Json(
        405, {{"error", {{"code", "method_not_allowed"},
                         {"message", req.method + " is not allowed on " + req.path}}}});
  }
  co_return Response::Error(NotFound("no such endpoint: " + req.path));
}

}  // namespace dipr::http
