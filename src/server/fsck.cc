#include "server/fsck.h"

#include <fmt/format.h>

#include "log/scrub.h"
#include "log/stored_head.h"
#include "server/projection.h"
#include "verify/event.h"

namespace dipr::server {
namespace {

constexpr uint64_t kPage = 1000;

// The projections of entries 0..size-1; DataLoss naming the first that is not there.
Status CheckProjections(storage::Store& store, uint64_t size, FsckReport& report,
                        const std::function<void(const char*, uint64_t, uint64_t)>& progress) {
  for (uint64_t start = 0; start < size; start += kPage) {
    uint64_t end = std::min(size, start + kPage);
    ASSIGN_OR_RETURN(auto entries, store.ReadEntries(start, end));
    for (uint64_t i = start; i < end; ++i) {
      auto event = registry::DecodeEntry(entries[i - start]);
      if (!event.ok()) {
        return DataLoss(fmt::format("entry {} does not decode: {}", i, event.status().message()));
      }
      auto projection = ReadProjection(store, *event, i);
      if (!projection.ok()) {
        return DataLoss(fmt::format("entry {} ({}): its projection cannot be read: {}", i,
                                    event->type, projection.status().message()));
      }
      report.projections++;
    }
    if (progress) progress("projections", end, size);
  }
  return Status::Ok();
}

}  // namespace

Result<FsckReport> Fsck(storage::Store& store, const crypto::NoteVerifier& key,
                        const std::function<void(const char*, uint64_t, uint64_t)>& progress) {
  FsckReport report;
  report.origin = key.name();
  ASSIGN_OR_RETURN(bool lease, store.TryAcquireLease());
  report.server_running = !lease;
  ASSIGN_OR_RETURN(auto head, store.LatestTreeHead());
  if (!head) {
    report.problem = DataLoss("the database holds no signed checkpoint");
    return report;
  }
  report.size = head->size;
  if (report.problem = log::CheckStoredHead(*head, key); !report.problem.ok()) return report;
  report.signature = true;

  log::ScrubOptions options;
  if (progress) options.progress = [&](uint64_t d, uint64_t t) { progress("tree", d, t); };
  auto scrub = log::ScrubTree(store, head->size, head->root, options);
  if (!scrub.ok()) {
    if (scrub.status().code() != Code::kDataLoss) return scrub.status();
    report.problem = scrub.status();
    return report;
  }
  report.entries = scrub->entries;
  report.tiles = scrub->tiles;
  report.root = true;

  ASSIGN_OR_RETURN(uint64_t count, store.EntryCount());
  if (count < head->size || (!report.server_running && count != head->size)) {
    report.problem = DataLoss(fmt::format(
        "the log holds {} entries but its latest signed checkpoint says {}", count, head->size));
    return report;
  }
  Status st = CheckProjections(store, head->size, report, progress);
  if (!st.ok() && st.code() != Code::kDataLoss) return st;
  report.problem = st;
  return report;
}

}  // namespace dipr::server
