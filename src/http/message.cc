#include "http/message.h"

#include <charconv>

#include "common/json_parse.h"

namespace dipr::http {

Result<uint64_t> Request::QueryPage() const {
  if (!query.count("page")) return 1;
  return QueryUint("page");
}

std::string Request::QueryString(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

Result<uint64_t> Request::QueryUint(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return InvalidArgument("query parameter \"" + name + "\" is required");
  const std::string& v = it->second;
  uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size()) {
    return InvalidArgument("query parameter \"" + name + "\" must be a non-negative integer");
  }
  return out;
}

Result<nlohmann::json> Request::JsonBody() const {
  auto j = ParseJson(body);
  if (!j.ok()) return InvalidArgument("the body is " + j.status().message());
  return j;
}

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kTooLarge:
      return 413;
    case Code::kUnavailable:
      return 503;
    case Code::kInternal:
    case Code::kDataLoss:
      return 500;
  }
  return 500;
}

Response Response::Json(int status, const nlohmann::json& j) {
  return {status, "application/json", j.dump()};
}

Response Response::Text(int status, std::string text) {
  return {status, "text/plain; charset=utf-8", std::move(text)};
}

Response Response::Error(const Status& st) {
  return Error(HttpStatusFor(st.code()), CodeName(st.code()), st.message());
}

Response Response::Error(int http_status, std::string_view code, const std::string& message) {
  nlohmann::json j = {{"error", {{"code", code}, {"message", message}}}};
  // Messages may quote user input; replace invalid UTF-8 rather than fail to answer.
  Response r{http_status, "application/json",
             j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
  r.error = message;
  return r;
}

Response Response::RetryLater(const Status& st, int seconds) {
  Response r = Error(st);
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

Response Response::TooManyRequests(const std::string& message, long seconds) {
  Response r = Error(429, "too_many_requests", message);
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

}  // namespace dipr::http
