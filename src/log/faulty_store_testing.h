// Test-only: a storage::Store over a real one whose commits can be made to fail and are
// counted, for the sequencer's tests (fail-stop; one commit per batch). Built on
// storage::StoreWrapper, so it overrides only what it breaks.
#pragma once

#include <atomic>
#include <memory>

#include "storage/store_wrapper.h"

namespace dipr::log {

class FaultyStore final : public storage::StoreWrapper {
 public:
  explicit FaultyStore(storage::Store& base) : StoreWrapper(base) {}
  std::atomic<bool> fail_commits{false};
  std::atomic<int> commits{0};  // write transactions committed

  Result<std::unique_ptr<storage::WriteTx>> BeginWrite() override {
    ASSIGN_OR_RETURN(auto tx, base().BeginWrite());
    return std::unique_ptr<storage::WriteTx>(std::make_unique<Tx>(std::move(tx), *this));
  }

 private:
  class Tx final : public storage::WriteTxWrapper {
   public:
    Tx(std::unique_ptr<storage::WriteTx> base, FaultyStore& store)
        : WriteTxWrapper(std::move(base)), store_(store) {}
    Status Commit() override {
      if (store_.fail_commits) return Internal("injected: the disk is gone");
      RETURN_IF_ERROR(base().Commit());
      store_.commits++;
      return Status::Ok();
    }

   private:
    FaultyStore& store_;
  };
};

}  // namespace dipr::log
