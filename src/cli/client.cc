#include "cli/client.h"

#include "http/asio.h"
#include "http/message.h"

namespace dipr::cli {

using namespace dipr::http;  // NOLINT: asio, beast, bhttp, tcp aliases

Result<Client> Client::Create(const std::string& server, std::string token) {
  if (server.empty()) {
    return InvalidArgument("no server: pass --server URL or set DIPR_SERVER");
  }
  std::string rest;
  if (server.rfind("http://", 0) == 0) {
    rest = server.substr(7);
  } else if (server.rfind("https://", 0) == 0) {
    return InvalidArgument("https is not supported by the CLI yet; use http:// on a trusted link");
  } else {
    return InvalidArgument("--server must start with http://");
  }
  Client c;
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  c.prefix_ = slash == std::string::npos ? "" : rest.substr(slash);
  while (!c.prefix_.empty() && c.prefix_.back() == '/') c.prefix_.pop_back();
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos || hostport.back() == ']') {
    c.host_ = hostport;
    c.port_ = "80";
  } else {
    c.host_ = hostport.substr(0, colon);
    c.port_ = hostport.substr(colon + 1);
  }
  if (c.host_.size() > 2 && c.host_.front() == '[') c.host_ = c.host_.substr(1, c.host_.size() - 2);
  if (c.host_.empty()) return InvalidArgument("--server has no host");
  c.token_ = std::move(token);
  return c;
}

Result<HttpResult> Client::Do(const std::string& method, const std::string& target,
                              const std::string& body) {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(host_, port_, ec);
  if (ec) return Unavailable("cannot resolve " + host_ + ": " + ec.message());
  stream.expires_after(std::chrono::seconds(60));
  stream.connect(results, ec);
  if (ec) return Unavailable("cannot connect to " + host_ + ":" + port_ + ": " + ec.message());
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), prefix_ + target, 11};
  req.set(bhttp::field::host, host_);
  req.set(bhttp::field::user_agent, "dipr-cli");
  if (!token_.empty()) req.set(bhttp::field::authorization, "Bearer " + token_);
  if (!body.empty() || method == "POST") {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  bhttp::write(stream, req, ec);
  // A server may answer before it has read the whole request (413 for a body over its limit)
  // and close; its answer is still worth reading.
  boost::system::error_code write_ec = ec;
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  bhttp::read(stream, buffer, parser, ec);
  if (ec && write_ec) return Unavailable("cannot send the request: " + write_ec.message());
  if (ec) return Unavailable("no answer from the server: " + ec.message());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return HttpResult{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
}

Result<HttpResult> Client::Get(const std::string& target) { return Do("GET", target, ""); }

Result<HttpResult> Client::Post(const std::string& target, const std::string& json_body) {
  return Do("POST", target, json_body);
}

Status StatusFromHttp(const HttpResult& r) {
  Code code = Code::kInternal;
  switch (r.status) {
    case 400: code = Code::kInvalidArgument; break;
    case 401: code = Code::kUnauthenticated; break;
    case 403: code = Code::kPermissionDenied; break;
    case 404: code = Code::kNotFound; break;
    case 409: code = Code::kConflict; break;
    case 413: code = Code::kTooLarge; break;
    case 503: code = Code::kUnavailable; break;
    default: break;
  }
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::string message = "HTTP " + std::to_string(r.status);
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("message") && j["error"]["message"].is_string()) {
    message = j["error"]["message"].get<std::string>();
  }
  return {code, "server: " + message};
}

Result<nlohmann::json> Client::GetJson(const std::string& target) {
  ASSIGN_OR_RETURN(HttpResult r, Get(target));
  if (r.status / 100 != 2) return StatusFromHttp(r);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return Internal("the server answered with malformed JSON");
  return j;
}

Result<nlohmann::json> Client::PostJson(const std::string& target, const nlohmann::json& body,
                                        int* status_out) {
  ASSIGN_OR_RETURN(HttpResult r, Post(target, body.dump()));
  if (status_out) *status_out = r.status;
  if (r.status / 100 != 2) return StatusFromHttp(r);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return Internal("the server answered with malformed JSON");
  return j;
}

}  // namespace dipr::cli
