#include "cli/client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/beast/ssl.hpp>

#include <filesystem>

#include "common/json_parse.h"
#include "http/asio.h"
#include "http/message.h"

namespace dipr::cli {

using namespace dipr::http;  // NOLINT: asio, beast, bhttp, tcp aliases
namespace ssl = asio::ssl;

namespace {

constexpr auto kTimeout = std::chrono::seconds(60);
constexpr uint64_t kMaxBody = uint64_t{256} << 20;

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : "OpenSSL error " + std::to_string(e);
}

}  // namespace

// One TLS configuration for every connection of a client (and of the copies an audit opens).
struct Client::TlsContext {
  ssl::context ctx{ssl::context::tls_client};
};

// One connection to the server, in clear or over TLS; opened again after it is closed.
class Client::Connection {
 public:
  Connection(const Client& c) : host_(c.host_), port_(c.port_), tls_ctx_(c.tls_) {}

  bool open() const { return open_; }

  Status Open() {
    Close();
    boost::system::error_code ec;
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(host_, port_, ec);
    if (ec) return Unavailable("cannot resolve " + host_ + ": " + ec.message());
    const std::string where = host_ + ":" + port_;
    if (!tls_ctx_) {
      plain_ = std::make_unique<beast::tcp_stream>(io_);
      plain_->expires_after(kTimeout);
      plain_->connect(results, ec);
      if (ec) return Unavailable("cannot connect to " + where + ": " + ec.message());
      plain_->socket().set_option(tcp::no_delay(true), ec);
      buffer_.clear();
      open_ = true;
      return Status::Ok();
    }
    tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, tls_ctx_->ctx);
    auto& tcp_layer = beast::get_lowest_layer(*tls_);
    tcp_layer.expires_after(kTimeout);
    tcp_layer.connect(results, ec);
    if (ec) return Unavailable("cannot connect to " + where + ": " + ec.message());
    tcp_layer.socket().set_option(tcp::no_delay(true), ec);
    SSL* s = tls_->native_handle();
    // The name the certificate must carry: a DNS name (also sent as SNI, which RFC 6066 does
    // not allow for an address) or an IP address, matched against its subjectAltName.
    boost::system::error_code not_ip;
    asio::ip::make_address(host_, not_ip);
    if (not_ip) {
      if (SSL_set_tlsext_host_name(s, host_.c_str()) != 1 || SSL_set1_host(s, host_.c_str()) != 1) {
        return Internal("cannot set the TLS host name: " + OpenSslError());
      }
    } else if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), host_.c_str()) != 1) {
      return Internal("cannot set the TLS address: " + OpenSslError());
    }
    tls_->handshake(ssl::stream_base::client, ec);
    if (ec) {
      long verify = SSL_get_verify_result(s);
      std::string reason = verify != X509_V_OK ? std::string("certificate not trusted: ") +
                                                     X509_verify_cert_error_string(verify)
                                               : ec.message();
      Close();
      return Unavailable("TLS handshake with " + where + " failed: " + reason);
    }
    buffer_.clear();
    open_ = true;
    return Status::Ok();
  }

  // Sends req and reads the answer. *sent: whether the whole request went out.
  template <class Request>
  Result<HttpResult> Exchange(Request& req, bool* keep_alive) {
    boost::system::error_code write_ec, ec;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxBody);
    auto run = [&](auto& stream) {
      beast::get_lowest_layer(stream).expires_after(kTimeout);
      bhttp::write(stream, req, write_ec);
      // A server may answer before it has read the whole request (413 for a body over its
      // limit) and close; its answer is still worth reading.
      bhttp::read(stream, buffer_, parser, ec);
    };
    if (tls_) {
      run(*tls_);
    } else {
      run(*plain_);
    }
    if (ec && write_ec) {
      Close();
      return Unavailable("cannot send the request: " + write_ec.message());
    }
    if (ec) {
      Close();
      return Unavailable("no answer from the server: " + ec.message());
    }
    auto& res = parser.get();
    *keep_alive = res.keep_alive();
    return HttpResult{static_cast<int>(res.result_int()), std::move(res.body())};
  }

  // Without TLS's close_notify: the server reads an end of stream, which HTTP/1.1 allows after a
  // complete answer, and the client does not wait for the server's own close_notify.
  void Close() {
    boost::system::error_code ec;
    if (tls_) {
      beast::get_lowest_layer(*tls_).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(*tls_).close();
      tls_.reset();
    }
    if (plain_) {
      plain_->socket().shutdown(tcp::socket::shutdown_both, ec);
      plain_->close();
      plain_.reset();
    }
    open_ = false;
  }

 private:
  std::string host_, port_;
  std::shared_ptr<TlsContext> tls_ctx_;
  asio::io_context io_;
  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  bool open_ = false;
};

Client::Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Result<HttpResult> Client::KeptGet(const std::string& target) {
  if (!kept_) kept_ = std::make_unique<Connection>(*this);
  Connection& k = *kept_;
  for (int attempt = 0;; ++attempt) {
    const bool reused = k.open();
    if (!k.open()) RETURN_IF_ERROR(k.Open());
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, prefix_ + target, 11};
    req.set(bhttp::field::host, host_);
    req.set(bhttp::field::user_agent, "dipr-cli");
    if (!token_.empty()) req.set(bhttp::field::authorization, "Bearer " + token_);
    req.keep_alive(true);
    bool keep_alive = false;
    auto r = k.Exchange(req, &keep_alive);
    // The server may close an idle connection just as a request goes out; a GET is safe to send
    // again.
    if (!r.ok() && reused && attempt == 0) continue;
    if (r.ok() && !keep_alive) k.Close();
    return r;
  }
}

Result<Client> Client::Create(const std::string& server, std::string token,
                              const ClientOptions& options) {
  if (server.empty()) {
    return InvalidArgument("no server: pass --server URL or set DIPR_SERVER");
  }
  std::string rest, default_port;
  Client c;
  if (server.rfind("http://", 0) == 0) {
    rest = server.substr(7);
    default_port = "80";
  } else if (server.rfind("https://", 0) == 0) {
    rest = server.substr(8);
    default_port = "443";
    c.tls_ = std::make_shared<TlsContext>();
    SSL_CTX* ctx = c.tls_->ctx.native_handle();
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
      return Internal("cannot require TLS 1.2: " + OpenSslError());
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (options.ca_file.empty()) {
      if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        return InvalidArgument("cannot load the system's CA store: " + OpenSslError());
      }
    } else {
      std::error_code fs_ec;
      if (!std::filesystem::is_regular_file(options.ca_file, fs_ec)) {
        return InvalidArgument("--ca " + options.ca_file + ": no such file");
      }
      if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
        return InvalidArgument("--ca " + options.ca_file +
                               " holds no PEM certificate: " + OpenSslError());
      }
    }
  } else {
    return InvalidArgument("--server must start with http:// or https://");
  }
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  c.prefix_ = slash == std::string::npos ? "" : rest.substr(slash);
  while (!c.prefix_.empty() && c.prefix_.back() == '/') c.prefix_.pop_back();
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos || hostport.back() == ']') {
    c.host_ = hostport;
    c.port_ = default_port;
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
  Connection conn(*this);
  RETURN_IF_ERROR(conn.Open());
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), prefix_ + target, 11};
  req.set(bhttp::field::host, host_);
  req.set(bhttp::field::user_agent, "dipr-cli");
  if (!token_.empty()) req.set(bhttp::field::authorization, "Bearer " + token_);
  if (!body.empty() || method == "POST") {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(false);
  req.prepare_payload();
  bool keep_alive = false;
  auto r = conn.Exchange(req, &keep_alive);
  conn.Close();
  return r;
}

Result<HttpResult> Client::Get(const std::string& target) { return Do("GET", target, ""); }

Result<HttpResult> Client::Post(const std::string& target, const std::string& json_body) {
  return Do("POST", target, json_body);
}

Status StatusFromHttp(const HttpResult& r) {
  auto parsed = ParseJson(r.body);
  const nlohmann::json j = parsed.ok() ? std::move(parsed).value() : nlohmann::json();
  if (!(j.is_object() && j.contains("error") && j["error"].is_object() &&
        j["error"].contains("message") && j["error"]["message"].is_string())) {
    std::string what;
    size_t t = r.body.find("<title>");
    size_t e = r.body.find("</title>");
    if (t != std::string::npos && e != std::string::npos && e > t) {
      what = ": " + r.body.substr(t + 7, e - t - 7);
    }
    return Unavailable("HTTP " + std::to_string(r.status) + " without a dipr error body" + what +
                       " (is --server a dipr registry, with the right scheme?)");
  }
  Code code = Code::kInternal;
  switch (r.status) {
    case 400:
      code = Code::kInvalidArgument;
      break;
    case 401:
      code = Code::kUnauthenticated;
      break;
    case 403:
      code = Code::kPermissionDenied;
      break;
    case 404:
      code = Code::kNotFound;
      break;
    case 405:
      code = Code::kInvalidArgument;
      break;
    case 409:
      code = Code::kConflict;
      break;
    case 413:
      code = Code::kTooLarge;
      break;
    case 503:
      code = Code::kUnavailable;
      break;
    default:
      break;
  }
  return {code, "server: " + j["error"]["message"].get<std::string>()};
}

Result<nlohmann::json> Client::DoJson(const std::string& method, const std::string& target,
                                      const std::string& body, int* status_out) {
  ASSIGN_OR_RETURN(HttpResult r, Do(method, target, body));
  if (status_out) *status_out = r.status;
  if (r.status / 100 != 2) return StatusFromHttp(r);
  auto j = ParseJson(r.body);
  if (!j.ok()) return Internal("the server answered with " + j.status().message());
  return j;
}

Result<nlohmann::json> Client::GetJson(const std::string& target) {
  return DoJson("GET", target, "");
}

Result<nlohmann::json> Client::PostJson(const std::string& target, const nlohmann::json& body,
                                        int* status_out) {
  return DoJson("POST", target, body.dump(), status_out);
}

}  // namespace dipr::cli
