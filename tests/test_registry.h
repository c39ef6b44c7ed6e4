// A registry node running in-process on a free loopback port with a fresh data directory, for
// integration tests that talk real HTTP to it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli/client.h"
#include "server/node.h"

namespace dipr::testenv {

class TestRegistry {
 public:
  explicit TestRegistry(std::string name, const Clock* clock = nullptr) {
    dir_ = std::filesystem::temp_directory_path() /
           ("dipr-it-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(dir_);
    Start(clock);
  }
  ~TestRegistry() {
    node_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Start(const Clock* clock = nullptr) {
    server::NodeOptions opts;
    opts.data_dir = dir_.string();
    opts.origin = "test.example/dipr";
    opts.http.port = 0;
    opts.http.threads = 2;
    opts.clock = clock;
    auto n = server::Node::Start(opts);
    if (!n.ok()) {
      ADD_FAILURE() << "cannot start the registry: " << n.status().ToString();
      return;
    }
    node_ = std::move(n).value();
  }
  void Restart(const Clock* clock = nullptr) {
    node_.reset();
    Start(clock);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(node_->port()); }
  std::string admin_token() const { return node_->data().admin_token; }
  std::string verifier_key() const { return node_->data().signer->verifier().ToString(); }
  const std::filesystem::path& dir() const { return dir_; }
  server::Node& node() { return *node_; }

  cli::Client Client(const std::string& token = "") const {
    return std::move(cli::Client::Create(url(), token)).value();
  }
  // Creates an account through the API and returns its token.
  std::string CreateAccount(const std::string& name, const std::string& role) {
    auto c = Client(admin_token());
    auto r = c.PostJson("/v1/users", {{"name", name}, {"role", role}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? (*r)["token"].get<std::string>() : "";
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<server::Node> node_;
};

}  // namespace dipr::testenv
