// Runs `dipr serve` as a child process, for tests that kill it (kill -9) and start it again.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "cli/client.h"
#include "common/testing.h"

namespace dipr::testenv {

// A free TCP port on 127.0.0.1 (bound, read back, released).
inline uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Polls ready() every 20 ms until it holds (true), or the child `pid` exits (false, pid = -1),
// or 20 s pass (false).
inline bool WaitForChild(pid_t& pid, const std::function<bool()>& ready) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    int st;
    if (::waitpid(pid, &st, WNOHANG) == pid) {
      pid = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// An empty directory named PREFIX + the test process's id under the temporary directory.
inline std::filesystem::path FreshDir(const std::string& prefix) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / (prefix + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A second node's data directory (0700) with copies of the first's key and admin token, as an
// operator installs them, so that both sign as the same log.
inline void CopySecrets(const std::filesystem::path& from, const std::filesystem::path& to) {
  namespace fs = std::filesystem;
  fs::create_directories(to);
  fs::permissions(to, fs::perms::owner_all, fs::perm_options::replace);
  for (const char* f : {"log.key", "admin.token"}) fs::copy_file(from / f, to / f);
}

class ServerProcess {
 public:
  ServerProcess(std::string data_dir, std::vector<std::string> extra_args = {})
      : data_dir_(std::move(data_dir)), extra_(std::move(extra_args)), port_(FreePort()) {}
  ~ServerProcess() { Kill(); }

  // Starts the server and waits until /healthz answers. False if it did not come up in 20 s.
  bool Start() {
    std::vector<std::string> args = {DiprBinary(), "serve",
                                     "--data",     data_dir_,
                                     "--listen",   "127.0.0.1:" + std::to_string(port_)};
    // The limits off unless the test is about them: the other tests load the server from one
    // address and one account, faster than any person would (limits_test.cc tests the limits).
    bool limits = false;
    for (const auto& a : extra_) {
      limits = limits || a.rfind("--rate-", 0) == 0 || a == "--max-connections-per-address";
    }
    if (!limits) {
      for (const char* a : {"--rate-limit-address", "0", "--rate-limit-account", "0",
                            "--max-connections-per-address", "0"}) {
        args.push_back(a);
      }
    }
    args.insert(args.end(), extra_.begin(), extra_.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      std::string log = data_dir_ + ".log";
      FILE* f = std::freopen(log.c_str(), "a", stderr);
      (void)f;
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    return WaitForChild(pid_, [&] {
      auto c = cli::Client::Create(url(), "");
      auto r = c->Get("/healthz");
      return r.ok() && r->status == 200;
    });
  }
  // kill -9: no chance to flush or finish anything.
  void Kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  std::string data_dir_;
  std::vector<std::string> extra_;
  uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace dipr::testenv
