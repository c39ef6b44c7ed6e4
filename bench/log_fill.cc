// log_fill DIR N: appends N filler entries to the stopped registry in DIR (SQLite), in one
// transaction per 100,000, with their tiles and a checkpoint signed with DIR/log.key; for timing
// start-up and reads on a large log (docs/PERFORMANCE.md). The entries are not events: fsck's
// projection check fails on them, the tree checks do not.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "log/appender.h"
#include "log/store_tiles.h"
#include "server/data_dir.h"
#include "storage/sqlite/sqlite_store.h"
#include "verify/checkpoint.h"
#include "verify/hasher.h"

using namespace dipr;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: log_fill DIR N\n");
    return 2;
  }
  std::string dir = argv[1];
  uint64_t n = std::strtoull(argv[2], nullptr, 10);
  auto signer = server::ReadLogKey(dir);
  auto store = storage::OpenSqliteStore(dir + "/dipr.db");
  if (!signer.ok() || !store.ok()) {
    std::fprintf(stderr, "cannot open %s\n", dir.c_str());
    return 2;
  }
  auto latest = (*store)->LatestTreeHead();
  if (!latest.ok() || !*latest) {
    std::fprintf(stderr, "%s holds no signed tree: start `dipr serve --data %s` once first\n",
                 dir.c_str(), dir.c_str());
    return 2;
  }
  const auto& head = *latest;
  log::StoreTiles tiles(**store);
  auto appender = log::TreeAppender::Load(head->size, tiles);
  if (!appender.ok()) return 2;
  uint64_t at = head->size;
  for (uint64_t done = 0; done < n;) {
    auto tx = std::move((*store)->BeginWrite()).value();
    std::vector<crypto::Hash> leaves;
    uint64_t batch = std::min<uint64_t>(100000, n - done);
    for (uint64_t i = 0; i < batch; ++i, ++at) {
      std::string e = fmt::format("filler entry {} {:0>300}", at, at);
      if (!tx->AppendEntry(at, e).ok()) return 1;
      leaves.push_back(log::HashLeaf(e));
    }
    for (auto& w : appender->Append(leaves)) {
      if (!tx->PutTile(w.id.level, w.id.index, w.data).ok()) return 1;
    }
    log::Checkpoint cp{signer->name(), appender->size(), appender->root(), {}};
    if (!tx->PutTreeHead({cp.size, cp.root, crypto::SignNote(cp.Body(), *signer)}).ok()) return 1;
    if (!tx->Commit().ok()) return 1;
    done += batch;
    std::fprintf(stderr, "%llu\n", static_cast<unsigned long long>(at));
  }
  return 0;
}
