// The registry's data directory: database, log signing key and admin token. Created on first
// start with owner-only permissions (directory 0700, files 0600); a directory or secret that
// others can read or enter is refused, as ssh does.
//
//   DIR/dipr.db         SQLite database (and its -wal/-shm files)
//   DIR/log.key         the log's signed-note private key, "PRIVATE+KEY+<origin>+<id>+<base64>"
//   DIR/log.key.unused  present from before the key is written until the first checkpoint it
//                       signed is committed (a crash in between may start again); a log.key
//                       without it has signed a tree, so a database without a log is refused
//   DIR/admin.token     the first admin's bearer token
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
  // The key has signed no checkpoint yet (log.key.unused is present): only then may a node
  // start a new log (an empty database) with it.
  bool key_unused = false;

  std::string DatabasePath() const { return path + "/dipr.db"; }
};

// InvalidArgument unless `origin` is empty or a valid name for a new log key: checked before
// anything is created.
Status CheckNewOrigin(const std::string& origin);

// Records that the key has signed a committed checkpoint (removes log.key.unused). Idempotent.
Status MarkKeyUsed(DataDir& dir);

// Refuses to start a new log under a key that has signed one: a new tree of size 1 signed with
// the registry's identity would be an equivocation anyone can prove. has_log: the database holds
// a signed checkpoint. OK if it does, or if the key is unused.
Status CheckKeyHasItsLog(const DataDir& dir, bool has_log, bool sqlite);

// The log's key from DIR/log.key, without creating anything (for offline tools).
Result<crypto::NoteSigner> ReadLogKey(const std::string& dir);

// Opens DIR, creating it and its secrets if absent. origin: the key name for a new key; for an
// existing key it must match (empty: whatever the key says). A directory others can read or
// enter, or a key or token file readable by others, is refused with the chmod that fixes it.
Result<DataDir> OpenDataDir(const std::string& path, const std::string& origin);

// The data directory's files (keys, tokens) and the documents tools read with it (receipts) are
// small; a file larger than this is a wrong path.
inline constexpr size_t kMaxSmallFile = 1 << 20;
// Reads a file of at most kMaxSmallFile bytes; NotFound if it does not exist, TooLarge if bigger.
Result<std::string> ReadFile(const std::string& path);
// Writes a file atomically (temp file, fsync, rename) with the given mode.
Status WriteFileAtomic(const std::string& path, const std::string& data, unsigned mode);

}  // namespace dipr::server
