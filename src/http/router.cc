#include "http/router.h"

#include <algorithm>

namespace dipr::http {
namespace {

std::vector<std::string> Split(std::string_view path, char sep) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == sep) {
      ++i;
      continue;
    }
    size_t j = path.find(sep, i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler, CachePolicy cache) {
  size_t q = pattern.find('?');
  std::vector<std::string> query =
      q == std::string::npos ? std::vector<std::string>() : Split(pattern.substr(q + 1), '&');
  if (method == "GET") methods_.insert("HEAD");
  methods_.insert(method);
  auto segments = Split(pattern.substr(0, q), '/');
  std::string rest;
  if (!segments.empty()) {
    const std::string& last = segments.back();
    if (last.size() > 5 && last.front() == '{' && last.ends_with("...}")) {
      rest = last.substr(1, last.size() - 5);
      segments.pop_back();
    }
  }
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(query),
                     std::move(rest), std::move(handler), std::move(cache)});
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

asio::awaitable<Response> Router::Dispatch(Request& req) const {
  if (!methods_.count(req.method)) {
    co_return Response::Error(501, "not_implemented",
                              req.method + " is not implemented; this server implements " +
                                  Join({methods_.begin(), methods_.end()}));
  }
  // HEAD is answered as GET is, without the body (the server drops it).
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  auto segs = Split(req.path, '/');
  std::vector<std::string> allowed;  // the methods of the routes whose path matches
  for (const auto& r : routes_) {
    const bool prefix = !r.rest.empty();
    if (prefix ? segs.size() <= r.segments.size() : r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < r.segments.size() && match; ++i) {
      const std::string& p = r.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        params[p.substr(1, p.size() - 2)] = segs[i];
      } else {
        match = p == segs[i];
      }
    }
    if (!match) continue;
    if (prefix) {
      std::string rest;
      for (size_t i = r.segments.size(); i < segs.size(); ++i) {
        if (!rest.empty()) rest += '/';
        rest += segs[i];
      }
      params[r.rest] = std::move(rest);
    }
    req.route = r.pattern.substr(0, r.pattern.find('?'));
    if (r.method != method) {
      allowed.push_back(r.method);
      if (r.method == "GET") allowed.push_back("HEAD");
      continue;
    }
    for (const auto& [name, _] : req.query) {
      if (std::find(r.query.begin(), r.query.end(), name) == r.query.end()) {
        co_return Response::Error(
            InvalidArgument("unknown query parameter \"" + name + "\": " + req.path +
                            (r.query.empty() ? " takes none" : " takes " + Join(r.query))));
      }
    }
    req.params = std::move(params);
    if (gate_) {
      if (std::optional<Response> refused = gate_(req)) co_return std::move(*refused);
    }
    Response res = co_await r.handler(req);
    if (res.cache_control.empty() && res.status >= 200 && res.status < 300) {
      res.cache_control = r.cache.cache_control;
    }
    co_return res;
  }
  if (!allowed.empty()) {
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    Response r = Response::Error(
        405, "method_not_allowed",
        req.method + " is not allowed on " + req.path + "; it allows " + Join(allowed));
    r.headers.emplace_back("Allow", Join(allowed));
    co_return r;
  }
  co_return Response::Error(NotFound("no such endpoint: " + req.path));
}

}  // namespace dipr::http
