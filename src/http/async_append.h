// Awaiting the sequencer from a coroutine: the sequencer thread completes the entry, and the
// coroutine resumes on its own io_context thread.
#pragma once

#include "http/asio.h"
#include "log/sequencer.h"
#include "registry/registry.h"

namespace dipr::http {

template <typename Handler>
class PostingCompletion final : public log::Completion {
 public:
  explicit PostingCompletion(Handler h) : handler_(std::move(h)) {}
  void Done(Result<log::Appended> r) override {
    auto ex = asio::get_associated_executor(handler_);
    asio::post(ex, [h = std::move(handler_), r = std::move(r)]() mutable { h(std::move(r)); });
  }

 private:
  Handler handler_;
};

// co_await AsyncAppend(sequencer, submission) -> Result<log::Appended>
inline asio::awaitable<Result<log::Appended>> AsyncAppend(log::Sequencer& sequencer,
                                                          registry::Submission s) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(Result<log::Appended>)>(
      [&sequencer, s = std::move(s)](auto handler) mutable {
        using H = decltype(handler);
        sequencer.Submit(std::move(s.entry), std::move(s.sidecar), std::move(s.projection),
                         std::make_unique<PostingCompletion<H>>(std::move(handler)));
      },
      asio::use_awaitable);
}

}  // namespace dipr::http
