#include "http/server.h"

#include <spdlog/spdlog.h>

#include <pthread.h>

#include <charconv>

namespace dipr::http {
namespace {

using bhttp::status;

std::string Decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && p == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
      } else {
        out += s[i];
      }
    } else {
      out += s[i];
    }
  }
  return out;
}

void ParseTarget(std::string_view target, Request& req) {
  size_t q = target.find('?');
  req.path = Decode(target.substr(0, q));
  if (q == std::string_view::npos) return;
  std::string_view qs = target.substr(q + 1);
  while (!qs.empty()) {
    size_t amp = qs.find('&');
    std::string_view kv = qs.substr(0, amp);
    size_t eq = kv.find('=');
    if (!kv.empty()) {
      req.query[Decode(kv.substr(0, eq))] =
          eq == std::string_view::npos ? "" : Decode(kv.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    qs.remove_prefix(amp + 1);
  }
}

bhttp::response<bhttp::string_body> ToBeast(Response r, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<status>(r.status), version};
  res.set(bhttp::field::server, "dipr");
  res.set(bhttp::field::content_type, r.content_type);
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

asio::awaitable<void> Session(tcp::socket socket, const Router& router, ServerOptions opts) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  while (true) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(opts.body_limit);
    parser.header_limit(16 * 1024);
    stream.expires_after(opts.idle_timeout);
    co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      Response err;
      if (ec == bhttp::error::body_limit) {
        err = Response::Error(TooLarge("the request body is over " +
                                       std::to_string(opts.body_limit) + " bytes"));
      } else if (ec != bhttp::error::end_of_stream && ec != asio::error::eof &&
                 ec != beast::error::timeout && ec != asio::error::connection_reset &&
                 ec != asio::error::operation_aborted) {
        err = Response::Error(InvalidArgument("malformed HTTP request: " + ec.message()));
      } else {
        break;
      }
      auto res = ToBeast(std::move(err), 11, false);
      co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      break;
    }
    auto& msg = parser.get();
    Request req;
    req.method = std::string(msg.method_string());
    ParseTarget(msg.target(), req);
    if (auto it = msg.find(bhttp::field::authorization); it != msg.end()) {
      std::string_view v = it->value();
      if (v.size() > 7 && (v.substr(0, 7) == "Bearer " || v.substr(0, 7) == "bearer ")) {
        req.bearer_token = std::string(v.substr(7));
      } else {
        req.bearer_token = "\x01";  // present but not a bearer token: never a valid token
      }
    }
    req.body = std::move(msg.body());
    bool keep_alive = msg.keep_alive();
    unsigned version = msg.version();
    Response r;
    try {
      r = co_await router.Dispatch(req);
    } catch (const std::exception& e) {
      // A handler bug must cost one request, not the server.
      spdlog::error("{} {}: unhandled exception: {}", req.method, req.path, e.what());
      r = Response::Error(Internal("internal error"));
    }
    auto res = ToBeast(std::move(r), version, keep_alive);
    // A fresh deadline for the write: the read's may have nearly run out while the handler
    // waited (a deposit waiting out a leader change), and the entry is committed by now.
    stream.expires_after(opts.idle_timeout);
    co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> Accept(tcp::acceptor& acceptor, const Router& router, ServerOptions opts) {
  auto ex = co_await asio::this_coro::executor;
  while (true) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      spdlog::warn("accept: {}", ec.message());
      asio::steady_timer t(ex, std::chrono::milliseconds(50));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(ex, Session(std::move(socket), router, opts), asio::detached);
  }
}

}  // namespace

struct Server::Worker {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
};

Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return InvalidArgument("--listen must be HOST:PORT");
  }
  std::string host(listen.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string_view port_s = listen.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_s.data(), port_s.data() + port_s.size(), port);
  if (ec != std::errc() || p != port_s.data() + port_s.size() || port > 65535) {
    return InvalidArgument("--listen port must be a number from 0 to 65535");
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

Server::Server(const Router& router, ServerOptions options)
    : router_(router), options_(std::move(options)) {
  if (options_.threads <= 0) {
    options_.threads = std::max(1u, std::thread::hardware_concurrency());
  }
}

Server::~Server() {
  Stop();
  workers_.clear();
}

Status Server::Start() {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(options_.host, ec);
  if (ec) return InvalidArgument("cannot listen on \"" + options_.host + "\": not an IP address");
  uint16_t port = options_.port;
  for (int i = 0; i < options_.threads; ++i) {
    auto w = std::make_unique<Worker>();
    tcp::endpoint ep(addr, port);
    w->acceptor.open(ep.protocol(), ec);
    if (!ec) w->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      ::setsockopt(w->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
      w->acceptor.bind(ep, ec);
    }
    if (!ec) w->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      workers_.clear();
      return Unavailable("cannot listen on " + options_.host + ":" + std::to_string(port) + ": " +
                         ec.message());
    }
    port = w->acceptor.local_endpoint().port();  // the others join the port the first one got
    workers_.push_back(std::move(w));
  }
  port_ = port;
  for (auto& w : workers_) {
    asio::co_spawn(w->io, Accept(w->acceptor, router_, options_), asio::detached);
    threads_.emplace_back([io = &w->io, n = threads_.size()] {
      pthread_setname_np(pthread_self(), ("dipr-http-" + std::to_string(n)).c_str());
      io->run();
    });
  }
  return Status::Ok();
}

void Server::Stop() {
  for (auto& w : workers_) w->io.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // The io_contexts stay until destruction: completions may still be posted to them.
}

}  // namespace dipr::http
