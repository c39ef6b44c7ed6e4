// A TCP proxy on 127.0.0.1 that can be paused: while paused it forwards nothing in either
// direction and closes nothing (a connection the far end closes stays open on this side), and new
// connections are accepted but not connected onward. That is how a network partition looks to
// both ends: no answer and no error, until a timeout says so. Resume delivers what was held, as
// TCP retransmits once a partition heals.
//
// Thread-safe: Pause and Resume from any thread; the forwarding runs on a thread of its own.
#pragma once

#include <utility>

#include <boost/asio.hpp>

#include <array>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <vector>

namespace dipr::testenv {

class PauseProxy {
 public:
  // Forwards 127.0.0.1:port() to upstream_host:upstream_port.
  PauseProxy(const std::string& upstream_host, uint16_t upstream_port)
      : acceptor_(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
        upstream_(boost::asio::ip::make_address(upstream_host), upstream_port) {
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~PauseProxy() {
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // Once Pause returns, not another byte is forwarded until Resume.
  void Pause() {
    OnIoThread([this] { paused_ = true; });
  }
  void Resume() {
    OnIoThread([this] {
      paused_ = false;
      auto held = std::move(held_);
      held_.clear();
      for (auto& f : held) f();
    });
  }

 private:
  using tcp = boost::asio::ip::tcp;

  struct Link : std::enable_shared_from_this<Link> {
    explicit Link(boost::asio::io_context& io) : client(io), server(io) {}
    tcp::socket client, server;
    std::array<char, 16384> up{}, down{};
  };

  void OnIoThread(std::function<void()> f) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  // Runs f now, or at Resume while paused. On the I/O thread.
  void WhenForwarding(std::function<void()> f) {
    if (paused_) {
      held_.push_back(std::move(f));
    } else {
      f();
    }
  }

  void Accept() {
    auto link = std::make_shared<Link>(io_);
    acceptor_.async_accept(link->client, [this, link](boost::system::error_code ec) {
      if (ec) return;
      Accept();
      WhenForwarding([this, link] {
        link->server.async_connect(upstream_, [this, link](boost::system::error_code ec) {
          if (ec) {
            link->client.close();
            return;
          }
          Relay(link, link->client, link->server, link->up);
          Relay(link, link->server, link->client, link->down);
        });
      });
    });
  }

  // Copies from `from` to `to` until either ends, then closes both.
  void Relay(std::shared_ptr<Link> link, tcp::socket& from, tcp::socket& to,
             std::array<char, 16384>& buf) {
    from.async_read_some(boost::asio::buffer(buf),
                         [this, link, &from, &to, &buf](boost::system::error_code ec, size_t n) {
                           WhenForwarding([this, link, &from, &to, &buf, ec, n] {
                             if (ec) {
                               boost::system::error_code ignored;
                               link->client.close(ignored);
                               link->server.close(ignored);
                               return;
                             }
                             boost::asio::async_write(to, boost::asio::buffer(buf.data(), n),
                                                      [this, link, &from, &to, &buf](
                                                          boost::system::error_code ec, size_t) {
                                                        if (ec) return;
                                                        Relay(link, from, to, buf);
                                                      });
                           });
                         });
  }

  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  tcp::endpoint upstream_;
  bool paused_ = false;                      // I/O thread only
  std::vector<std::function<void()>> held_;  // I/O thread only: what Resume lets through
  std::thread thread_;
};

}  // namespace dipr::testenv
