// An online backup of a SQLite data directory: one file an operator copies off the machine and
// restores with tar, taken while `dipr serve` runs and writes.
//
// The archive is a POSIX tar (ustar; GNU base-256 sizes beyond 8 GiB), every member mode 0600:
//
//   dipr.db          the database as of one instant (SQLite's online backup API, inside one read
//                    transaction: a consistent snapshot that holds every entry committed, hence
//                    every entry acknowledged, before the backup began; writers go on meanwhile,
//                    in WAL mode nothing waits)
//   log.key          the log's private signing key: SECRET (whoever has it can sign as the log)
//   admin.token      the first admin's bearer token: SECRET
//   log.key.unused   only if present (a key that has signed nothing yet)
//
// (the two secrets unless BackupOptions::secrets is false).
// The archive itself is created 0600 for the same reason. Restore: `mkdir -m 700 DIR && tar -xpf
// FILE -C DIR`, then `dipr serve --data DIR` (docs/DEPLOY.md, "Backups"). Before the archive is
// written, the copy is opened as a store and its latest checkpoint verified with the key, so a
// backup that would not start is never reported as done.
//
// PostgreSQL registries are backed up with pg_dump (docs/DEPLOY.md); this refuses them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace dipr::server {

struct BackupReport {
  std::string archive;  // the path written
  uint64_t archive_bytes = 0;
  uint64_t database_bytes = 0;     // of dipr.db in the archive
  uint64_t tree_size = 0;          // the latest signed checkpoint in the copy
  std::string checkpoint;          // its text (signed note)
  std::vector<std::string> files;  // the members, in archive order
  double seconds = 0;
};

struct BackupOptions {
  // Database pages copied per step of the online backup (4 KiB each by default).
  int pages_per_step = 4096;
  // Called after each step with pages copied and the total; on the calling thread.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // False: leave log.key and admin.token out (for backups kept where the key must not go; a
  // restore then takes them from the secrets' own backup).
  bool secrets = true;
};

// Backs up the data directory `dir` (dipr.db and the secrets beside it) into a new archive at
// `out`. Refuses an `out` that exists, a directory without dipr.db (InvalidArgument: a PostgreSQL
// registry's data directory, say), and a copy whose checkpoint does not verify (DataLoss).
// Nothing is left at `out` unless the whole archive was written and synced.
Result<BackupReport> BackupDataDir(const std::string& dir, const std::string& out,
                                   const BackupOptions& options = {});

}  // namespace dipr::server
