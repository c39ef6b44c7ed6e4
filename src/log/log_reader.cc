#include "log/log_reader.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "verify/hasher.h"

namespace dipr::log {

template <typename T>
T LogReader::Watch(T r) {
  Code code;
  if constexpr (std::is_same_v<T, Status>) {
    code = r.code();
  } else {
    code = r.ok() ? Code::kOk : r.status().code();
  }
  if (code != Code::kDataLoss) return r;
  Status st;
  if constexpr (std::is_same_v<T, Status>) {
    st = r;
  } else {
    st = r.status();
  }
  if (st.code() == Code::kDataLoss) {
    spdlog::error("log: stored data does not match the signed tree: {}", st.message());
    if (on_data_loss_) on_data_loss_(st);
  }
  return r;
}

Result<std::vector<std::string>> LogReader::Entries(uint64_t start, uint64_t end,
                                                    const storage::TreeHead& head) {
  if (start >= end) return InvalidArgument("start must be less than end");
  if (end - start > kMaxEntriesPerRead) {
    return InvalidArgument(fmt::format("at most {} entries per request", kMaxEntriesPerRead));
  }
  if (end > head.size) {
    return InvalidArgument(fmt::format("end {} is beyond the tree size {}", end, head.size));
  }
  return Watch([&]() -> Result<std::vector<std::string>> {
    RETURN_IF_ERROR(verified_.Advance(head.size, head.root));
    auto entries = store_.ReadEntries(start, end);
    if (!entries.ok() && entries.status().code() == Code::kNotFound) {
      return DataLoss(
          fmt::format("entries of {}..{} of the signed tree are missing", start, end - 1));
    }
    if (entries.ok() && entries->size() != end - start) {
      return DataLoss(fmt::format("entries {}..{} read back short", start, end - 1));
    }
    // Each entry must hash to its leaf, which the checked tiles hold.
    TileNodeReader leaves(verified_);
    for (uint64_t i = start; i < end && entries.ok(); ++i) {
      ASSIGN_OR_RETURN(Hash leaf, leaves.ReadNode(0, i));
      if (HashLeaf((*entries)[i - start]) != leaf) {
        return DataLoss(fmt::format(
            "entry {} does not hash to its leaf in the signed tree (altered in storage)", i));
      }
    }
    return entries;
  }());
}

Result<std::vector<Hash>> LogReader::Inclusion(uint64_t index, uint64_t size,
                                               const storage::TreeHead& head) {
  if (size > head.size) {
    return InvalidArgument(fmt::format("size {} is beyond the tree size {}", size, head.size));
  }
  if (index >= size) {
    return InvalidArgument(fmt::format("index {} is not in a tree of size {}", index, size));
  }
  return Watch([&]() -> Result<std::vector<Hash>> {
    RETURN_IF_ERROR(verified_.Advance(head.size, head.root));
    TileNodeReader reader(verified_, &memo_);
    return InclusionProof(index, size, reader);
  }());
}

void LogReader::TilesWritten(const std::vector<TileWrite>& writes, const storage::TreeHead& head) {
  verified_.Written(writes, head.size, head.root);
}

Result<std::vector<Hash>> LogReader::Consistency(uint64_t from, uint64_t to,
                                                 const storage::TreeHead& head) {
  if (to > head.size) {
    return InvalidArgument(fmt::format("to {} is beyond the tree size {}", to, head.size));
  }
  if (from == 0) {
    return InvalidArgument("from must be at least 1: every tree extends the empty one (RFC 9162)");
  }
  if (from > to) return InvalidArgument("from must not be larger than to");
  return Watch([&]() -> Result<std::vector<Hash>> {
    RETURN_IF_ERROR(verified_.Advance(head.size, head.root));
    TileNodeReader reader(verified_, &memo_);
    return ConsistencyProof(from, to, reader);
  }());
}

Status LogReader::Scrub(const storage::TreeHead& head, const ScrubOptions& options) {
  ScrubOptions o = options;
  o.progress = [&](uint64_t done, uint64_t total) {
    {
      MutexLock g(scrub_mu_);
      scrub_.checked = done;
    }
    if (options.progress) options.progress(done, total);
  };
  {
    MutexLock g(scrub_mu_);
    scrub_.running = true;
    scrub_.size = head.size;
    scrub_.checked = 0;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto report = Watch(ScrubTree(store_, head.size, head.root, o));
  MutexLock g(scrub_mu_);
  scrub_.running = false;
  if (!report.ok() && report.status().code() != Code::kDataLoss) return report.status();
  scrub_.runs++;
  scrub_.last_size = head.size;
  scrub_.last_ok = report.ok();
  scrub_.failures += !report.ok();
  scrub_.last_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report.status();
}

LogReader::ScrubStats LogReader::scrub_stats() const {
  MutexLock g(scrub_mu_);
  return scrub_;
}

}  // namespace dipr::log
