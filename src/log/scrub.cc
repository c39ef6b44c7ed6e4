#include "log/scrub.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <map>

#include "log/appender.h"
#include "log/log_reader.h"
#include "verify/hasher.h"

namespace dipr::log {
namespace {

constexpr uint64_t kPage = 1000;

// The entries start..end-1, or DataLoss naming the first missing one.
Result<std::vector<std::string>> ReadPage(storage::Store& store, uint64_t start, uint64_t end) {
  auto page = store.ReadEntries(start, end);
  if (page.ok() && page->size() == end - start) return page;
  if (!page.ok() && page.status().code() != Code::kNotFound) return page.status();
  for (uint64_t i = start; i < end; ++i) {
    auto one = store.ReadEntries(i, i + 1);
    if (!one.ok() || one->size() != 1) {
      if (!one.ok() && one.status().code() != Code::kNotFound) return one.status();
      return DataLoss(fmt::format("entry {} of the signed tree is missing", i));
    }
  }
  return DataLoss(fmt::format("entries {}..{} read back short", start, end - 1));
}

// The stored tile `id` must hold `rebuilt` (a blob of width w) as its first w nodes.
Status CompareTile(storage::Store& store, TileId id, const std::string& rebuilt) {
  auto stored = store.ReadTile(id.level, id.index);
  if (!stored.ok()) {
    if (stored.status().code() == Code::kNotFound) {
      return DataLoss(fmt::format("tile {}/{} is missing", id.level, id.index));
    }
    return stored.status();
  }
  ASSIGN_OR_RETURN(Tile want, Tile::Parse(rebuilt));
  auto have = Tile::Parse(*stored);
  if (!have.ok()) {
    return DataLoss(fmt::format("tile {}/{}: {}", id.level, id.index, have.status().message()));
  }
  if (have->width() < want.width()) {
    return DataLoss(fmt::format("tile {}/{} holds {} nodes, the tree has {}", id.level, id.index,
                                have->width(), want.width()));
  }
  Tile cut = have->Prefix(want.width());
  for (uint64_t p = 0; p < want.width(); ++p) {
    if (cut.row(0)[p] != want.row(0)[p]) {
      if (id.level == 0) {
        return DataLoss(fmt::format(
            "entry {}: its hash differs from its leaf in tile 0/{} (the entry or the tile was "
            "altered)",
            id.index * kTileWidth + p, id.index));
      }
      return DataLoss(
          fmt::format("tile {}/{} differs from the tree rebuilt from the entries "
                      "at node {}",
                      id.level, id.index, p));
    }
  }
  if (cut.Serialize() != rebuilt) {
    return DataLoss(fmt::format("tile {}/{} differs from the tree rebuilt from the entries",
                                id.level, id.index));
  }
  return Status::Ok();
}

}  // namespace

Result<ScrubReport> ScrubTree(storage::Store& store, uint64_t size, const crypto::Hash& root,
                              const ScrubOptions& options) {
  ScrubReport report;
  TreeAppender appender;
  std::map<TileId, std::string> partial;  // the latest rebuilt version of each unfinished tile
  std::vector<Hash> leaves;
  for (uint64_t start = 0; start < size; start += kPage) {
    if (start > 0 && options.between_pages && !options.between_pages()) {
      return Unavailable("the scrub was stopped");
    }
    uint64_t end = std::min(size, start + kPage);
    ASSIGN_OR_RETURN(auto entries, ReadPage(store, start, end));
    leaves.clear();
    for (const auto& e : entries) leaves.push_back(HashLeaf(e));
    // A tile is compared once, when it is complete; the unfinished ones at the end.
    for (auto& w : appender.Append(leaves)) {
      if (TileWidthOfBlob(w.data.size()) == kTileWidth) {
        partial.erase(w.id);
        RETURN_IF_ERROR(CompareTile(store, w.id, w.data));
        report.tiles++;
      } else {
        partial[w.id] = std::move(w.data);
      }
    }
    report.entries = end;
    if (options.progress) options.progress(end, size);
  }
  for (const auto& [id, data] : partial) {
    RETURN_IF_ERROR(CompareTile(store, id, data));
    report.tiles++;
  }
  if (appender.root() != root) {
    return DataLoss(fmt::format(
        "the tree rebuilt from the {} entries does not have the signed checkpoint's root", size));
  }
  return report;
}

Scrubber::Scrubber(LogReader& reader,
                   std::function<std::shared_ptr<const storage::TreeHead>()> latest,
                   Schedule schedule)
    : reader_(reader), latest_(std::move(latest)), schedule_(schedule) {
  thread_ = std::thread([this] { Run(); });
}

Scrubber::~Scrubber() {
  {
    MutexLock g(mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

bool Scrubber::WaitForStop(std::chrono::milliseconds d) {
  const auto deadline = std::chrono::steady_clock::now() + d;
  MutexLock l(mu_);
  while (!stopping_ && cv_.WaitUntil(mu_, deadline)) {
  }
  return stopping_;
}

void Scrubber::Run() {
  pthread_setname_np(pthread_self(), "dipr-scrub");
  // Linux nice values are per thread: only the scrub yields to the serving threads.
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
  auto wait = schedule_.first;
  ScrubOptions options;
  options.between_pages = [this] { return !WaitForStop(schedule_.pause); };
  while (true) {
    if (WaitForStop(wait)) return;
    wait = schedule_.interval;
    auto head = latest_();
    if (!head || head->size == 0) continue;
    spdlog::info("scrub: re-deriving the tree of size {} from its entries", head->size);
    uint64_t next_log = 0;
    options.progress = [&](uint64_t done, uint64_t total) {
      if (done < next_log && done < total) return;
      spdlog::info("scrub: {} of {} entries checked", done, total);
      next_log = done + std::max<uint64_t>(total / 10, 1);
    };
    Status st = reader_.Scrub(*head, options);
    if (st.ok()) {
      spdlog::info("scrub: the tree of size {} matches its entries and signed root", head->size);
    } else if (st.code() != Code::kDataLoss) {  // a mismatch: LogReader::Scrub logged it
      MutexLock g(mu_);
      if (!stopping_) spdlog::warn("scrub: could not finish: {}", st.ToString());
    }
  }
}

}  // namespace dipr::log
