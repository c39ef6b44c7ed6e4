// Store reads that may block on the database (a search, a range of log entries, a deposit lookup)
// run on a pool of their own, off the I/O threads, as certificate PDFs are rendered on theirs
// (api.h, PdfOptions): a slow read then holds one worker, not every other connection of its I/O
// thread. The handler resumes on its own executor with the result. Thread-safe.
#pragma once

#include <algorithm>
#include <type_traits>
#include <utility>

#include "http/asio.h"

namespace dipr::http {

class ReadPool {
 public:
  explicit ReadPool(size_t workers) : pool_(std::max<size_t>(1, workers)) {}
  ~ReadPool() { pool_.join(); }  // a read in progress finishes before the pool goes
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // co_await Run(fn): fn() on a worker; its result back on the caller's executor. fn must not
  // touch what only the calling coroutine may (the Request is the caller's: copy what it needs).
  // `fn` is a named local of the caller, moved from: GCC 12 destroys a temporary with a
  // destructor in a co_await expression twice (a lambda holding a std::map crashed the server),
  // so none may be made there; for the same reason, await into a named variable.
  template <typename F>
  asio::awaitable<std::invoke_result_t<F&>> Run(F& fn) {
    using T = std::invoke_result_t<F&>;
    return asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
        [this, fn = std::move(fn)](auto handler) mutable {
          asio::post(pool_, [fn = std::move(fn), handler = std::move(handler)]() mutable {
            T result = fn();
            auto ex = asio::get_associated_executor(handler);
            asio::post(
                ex, [h = std::move(handler), r = std::move(result)]() mutable { h(std::move(r)); });
          });
        },
        asio::use_awaitable);
  }

 private:
  asio::thread_pool pool_;
};

}  // namespace dipr::http
