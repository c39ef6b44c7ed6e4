#include "server/migrate.h"

#include <fmt/format.h>

#include "common/hex.h"
#include "fingerprint/fingerprint.h"
#include "log/appender.h"
#include "log/store_tiles.h"
#include "log/stored_head.h"
#include "registry/account_events.h"
#include "registry/deposit_events.h"
#include "registry/lifecycle.h"
#include "registry/projector.h"
#include "server/projection.h"
#include "verify/event.h"
#include "verify/hasher.h"
#include "verify/proof.h"

namespace dipr::server {
namespace {

constexpr uint64_t kPage = 1000;

// The sidecar an entry needs to be projected, as the source kept it: the token hash of a created
// account or of a rotation, an objector's identity, an application's fields and private texts
// (registry/projector.h), or nothing.
Result<std::string> SidecarOf(storage::Store& source, const registry::Event& e, uint64_t index) {
  ASSIGN_OR_RETURN(auto side, source.SidecarOf(index));
  if (side) return *side;
  if (e.type != registry::kAccountCreated) return std::string();
  // An account created before its creation's token hash was kept has had one token since.
  std::string id = e.payload.value("id", "");
  ASSIGN_OR_RETURN(auto creds, source.CredentialsOf(id));
  if (creds.size() != 1) return DataLoss("account " + id + " has no token hash in the source");
  return std::string(crypto::HashChars(creds[0].token_hash));
}

// The projections of one entry, in source and target, must agree.
Status CompareProjections(storage::Store& source, storage::Store& target, const registry::Event& e,
                          uint64_t index) {
  ASSIGN_OR_RETURN(std::string a, ReadProjection(source, e, index));
  auto b = ReadProjection(target, e, index);
  if (!b.ok() || *b != a) {
    return DataLoss(
        fmt::format("the projection of entry {} ({}) differs after the copy", index, e.type));
  }
  return Status::Ok();
}

}  // namespace

Result<MigrationReport> Migrate(storage::Store& source, storage::Store& target,
                                const crypto::NoteVerifier& key,
                                const std::function<void(uint64_t, uint64_t)>& progress) {
  // A server sequencing the source would append while it is copied (and the copy would miss
  // what it appended): its lease says it runs. Holding it keeps one from starting meanwhile.
  ASSIGN_OR_RETURN(bool free, source.TryAcquireLease());
  if (!free) {
    return Conflict(
        "a dipr server is running on the source registry (it holds the database's sequencing "
        "lease); stop it first (systemctl stop dipr), then migrate");
  }
  ASSIGN_OR_RETURN(auto head, source.LatestTreeHead());
  if (!head) return InvalidArgument("the source registry has no signed checkpoint");
  if (Status st = log::CheckStoredHead(*head, key); !st.ok()) {
    return DataLoss("the source's checkpoint: " + st.message());
  }
  ASSIGN_OR_RETURN(uint64_t target_entries, target.EntryCount());
  ASSIGN_OR_RETURN(auto target_head, target.LatestTreeHead());
  if (target_entries != 0 || target_head) {
    return Conflict("the target database is not empty; migrate into a new, empty database");
  }

  MigrationReport report;
  report.checkpoint = head->checkpoint;
  ASSIGN_OR_RETURN(auto tx, target.BeginWrite());
  log::TreeAppender appender;
  for (uint64_t start = 0; start < head->size; start += kPage) {
    uint64_t end = std::min(head->size, start + kPage);
    ASSIGN_OR_RETURN(auto entries, source.ReadEntries(start, end));
    std::vector<crypto::Hash> leaves;
    for (uint64_t i = start; i < end; ++i) {
      const std::string& entry = entries[i - start];
      ASSIGN_OR_RETURN(auto event, registry::DecodeEntry(entry));
      ASSIGN_OR_RETURN(std::string sidecar, SidecarOf(source, event, i));
      Status st = registry::ApplyEntry(*tx, i, entry, sidecar);
      if (!st.ok()) return DataLoss(fmt::format("entry {} does not project: {}", i, st.message()));
      RETURN_IF_ERROR(tx->AppendEntry(i, entry));
      leaves.push_back(log::HashLeaf(entry));
      report.accounts +=
          event.type == registry::kAccountCreated || event.type == registry::kObjectorRegistered;
      report.deposits += event.type == registry::kDeposit;
    }
    for (auto& w : appender.Append(leaves)) {
      RETURN_IF_ERROR(tx->PutTile(w.id.level, w.id.index, w.data));
    }
    if (progress) progress(end, head->size);
  }
  if (appender.size() != head->size || appender.root() != head->root) {
    return DataLoss("the copied tree's root is not the source's signed root");
  }
  RETURN_IF_ERROR(tx->PutTreeHead(*head));
  RETURN_IF_ERROR(tx->Commit());
  report.entries = head->size;

  // Check the copy as a reader of the target sees it: its head, its tree's root from stored
  // tiles, and the projections of every entry against the source's.
  ASSIGN_OR_RETURN(auto copied, target.LatestTreeHead());
  if (!copied || copied->size != head->size || copied->root != head->root ||
      copied->checkpoint != head->checkpoint) {
    return DataLoss("the target's latest checkpoint is not the source's");
  }
  log::StoreTiles tiles(target);
  log::TileNodeReader reader(tiles);
  ASSIGN_OR_RETURN(auto root, log::TreeRoot(head->size, reader));
  if (root != head->root) return DataLoss("the target's stored tree does not have the signed root");
  for (uint64_t start = 0; start < head->size; start += kPage) {
    uint64_t end = std::min(head->size, start + kPage);
    ASSIGN_OR_RETURN(auto a, source.ReadEntries(start, end));
    ASSIGN_OR_RETURN(auto b, target.ReadEntries(start, end));
    if (a != b) return DataLoss(fmt::format("entries {}..{} differ after the copy", start, end));
    for (uint64_t i = start; i < end; ++i) {
      ASSIGN_OR_RETURN(auto event, registry::DecodeEntry(a[i - start]));
      RETURN_IF_ERROR(CompareProjections(source, target, event, i));
    }
  }
  return report;
}

}  // namespace dipr::server
