// The registry's data directory: database, log signing key and admin token. Created on first
// start with owner-only permissions (directory 0700, secrets 0600).
//
//   DIR/dipr.db       SQLite database (and its -wal/-shm files)
//   DIR/log.key       the log's signed-note private key, "PRIVATE+KEY+<origin>+<id>+<base64>"
//   DIR/admin.token   the first admin's bearer token
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "crypto/note.h"

namespace dipr::server {

struct DataDir {
  std::string path;
  std::unique_ptr<crypto::NoteSigner> signer;
  std::string admin_token;
  bool created = false;  // true on the first start

  std::string DatabasePath() const { return path + "/dipr.db"; }
};

// InvalidArgument unless `origin` is empty or a valid name for a new log key: checked before
// anything is created.
Status CheckNewOrigin(const std::string& origin);

// Opens DIR, creating it and its secrets if absent. origin: the key name for a new key; for an
// existing key it must match (empty: whatever the key says). A key file readable by others is
// refused, as ssh does.
Result<DataDir> OpenDataDir(const std::string& path, const std::string& origin);

// The data directory's files (keys, tokens) and the documents tools read with it (receipts) are
// small; a file larger than this is a wrong path.
inline constexpr size_t kMaxSmallFile = 1 << 20;
// Reads a file of at most kMaxSmallFile bytes; NotFound if it does not exist, TooLarge if bigger.
Result<std::string> ReadFile(const std::string& path);
// Writes a file atomically (temp file, fsync, rename) with the given mode.
Status WriteFileAtomic(const std::string& path, const std::string& data, unsigned mode);

}  // namespace dipr::server
