// Raw HTTP/1.1 over a real TCP socket, for tests that send what a client library would not (no
// Host, two Authorization fields, a HEAD followed by a GET on one connection) and read exactly
// what the server wrote back.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace dipr::testenv {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class RawConnection {
 public:
  // rcvbuf > 0: a small receive buffer, for a client that reads slowly or not at all.
  explicit RawConnection(uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // One response; for a HEAD request (head) the body is not read, whatever Content-Length says.
  // Nothing (nullopt) if the connection closed or nothing complete came within `timeout`.
  std::optional<RawResponse> Read(bool head = false,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return std::nullopt;
    }
    RawResponse r;
    std::string_view h(buf_.data(), end);
    size_t eol = h.find("\r\n");
    std::string_view line = h.substr(0, eol);
    if (line.size() < 12 || line.substr(0, 5) != "HTTP/") return std::nullopt;
    r.status = std::stoi(std::string(line.substr(9, 3)));
    while (eol != std::string_view::npos) {
      h.remove_prefix(eol + 2);
      eol = h.find("\r\n");
      std::string_view field = h.substr(0, eol);
      size_t colon = field.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name(field.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view value = field.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      r.headers[name] = std::string(value);
    }
    buf_.erase(0, end + 4);
    size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    if (head) length = 0;
    while (buf_.size() < length) {
      if (!Fill(deadline)) return std::nullopt;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }
  // A request line and fields, then the blank line; `fields` each end in "\r\n".
  std::optional<RawResponse> Request(const std::string& line,
                                     const std::string& fields = "Host: t\r\n", bool head = false) {
    if (!Send(line + "\r\n" + fields + "\r\n")) return std::nullopt;
    return Read(head);
  }
  // Whether the server closed the connection within `timeout` (bytes before the close are
  // skipped).
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      buf_.clear();
      if (!Fill(deadline)) return eof_;
    }
  }
  int fd() const { return fd_; }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char b[16384];
    ssize_t n = ::recv(fd_, b, sizeof b, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(b, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
};

}  // namespace dipr::testenv
