#include "cli/client.h"

#include "common/json_parse.h"
#include "http/asio.h"
#include "http/message.h"

namespace dipr::cli {

using namespace dipr::http;  // NOLINT: asio, beast, bhttp, tcp aliases

// The connection GETs reuse.
struct Client::KeptConnection {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  bool open = false;
  void Close() {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.close();
    open = false;
  }
};

Client::Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Result<HttpResult> Client::KeptGet(const std::string& target) {
  if (!kept_) kept_ = std::make_unique<KeptConnection>();
  KeptConnection& k = *kept_;
  for (int attempt = 0;; ++attempt) {
    const bool reused = k.open;
    boost::system::error_code ec;
    if (!k.open) {
      tcp::resolver resolver(k.io);
      auto results = resolver.resolve(host_, port_, ec);
      if (ec) return Unavailable("cannot resolve " + host_ + ": " + ec.message());
      k.stream.expires_after(std::chrono::seconds(60));
      k.stream.connect(results, ec);
      if (ec) return Unavailable("cannot connect to " + host_ + ":" + port_ + ": " + ec.message());
      k.stream.socket().set_option(tcp::no_delay(true), ec);
      k.buffer.clear();
      k.open = true;
    }
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, prefix_ + target, 11};
    req.set(bhttp::field::host, host_);
    req.set(bhttp::field::user_agent, "dipr-cli");
    if (!token_.empty()) req.set(bhttp::field::authorization, "Bearer " + token_);
    req.keep_alive(true);
    k.stream.expires_after(std::chrono::seconds(60));
    bhttp::write(k.stream, req, ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(uint64_t{256} << 20);
    if (!ec) bhttp::read(k.stream, k.buffer, parser, ec);
    if (ec) {
      k.Close();
      // The server may close an idle connection just as a request goes out; a GET is safe to
      // send again.
      if (reused && attempt == 0) continue;
      return Unavailable("no answer from the server: " + ec.message());
    }
    auto& res = parser.get();
    HttpResult r{static_cast<int>(res.result_int()), std::move(res.body())};
    if (!res.keep_alive()) k.Close();
    return r;
  }
}

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
  if (method == "GET" && body.empty()) return KeptGet(target);
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
  auto parsed = ParseJson(r.body);
  const nlohmann::json j = parsed.ok() ? std::move(parsed).value() : nlohmann::json();
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
  auto j = ParseJson(r.body);
  if (!j.ok()) return Internal("the server answered with " + j.status().message());
  return j;
}

Result<nlohmann::json> Client::PostJson(const std::string& target, const nlohmann::json& body,
                                        int* status_out) {
  ASSIGN_OR_RETURN(HttpResult r, Post(target, body.dump()));
  if (status_out) *status_out = r.status;
  if (r.status / 100 != 2) return StatusFromHttp(r);
  auto j = ParseJson(r.body);
  if (!j.ok()) return Internal("the server answered with " + j.status().message());
  return j;
}

}  // namespace dipr::cli
