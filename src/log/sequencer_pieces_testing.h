// Test-only: what the tests of the sequencer's pieces share: a SQLite file in a fresh directory,
// and a Completion that records what it is told.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "log/submission.h"
#include "storage/sqlite/sqlite_store.h"

namespace dipr::log {

class Recorder final : public Completion {
 public:
  explicit Recorder(std::vector<Result<Appended>>& out) : out_(out) {}
  void Done(Result<Appended> r) override { out_.push_back(std::move(r)); }

 private:
  std::vector<Result<Appended>>& out_;
};

// A directory of its own per test, removed after it; Open() opens (another) store on its file.
class StoreDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dipr-seqp-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<storage::Store> OpenStore() {
    return std::move(storage::OpenSqliteStore((dir_ / "dipr.db").string())).value();
  }

  std::filesystem::path dir_;
};

}  // namespace dipr::log
