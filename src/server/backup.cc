#include "server/backup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "log/stored_head.h"
#include "server/data_dir.h"
#include "storage/sqlite/sqlite_store.h"

namespace dipr::server {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Removes a file when it goes out of scope, unless kept.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (path.empty()) return;
    ::unlink(path.c_str());
    for (const char* side : {"-journal", "-wal", "-shm"}) ::unlink((path + side).c_str());
  }
};

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close_v2(db); }
};

Status SqliteError(sqlite3* db, const std::string& what) {
  return Unavailable(
      fmt::format("sqlite: {}: {}", what, db ? sqlite3_errmsg(db) : "out of memory"));
}

Status Run(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) == SQLITE_OK) return Status::Ok();
  std::string msg = err ? err : sqlite3_errmsg(db);
  sqlite3_free(err);
  return Unavailable(fmt::format("sqlite: {}: {}", sql, msg));
}

// Copies the database at `from` into the new, empty file `to`. The source connection holds one
// read transaction from the first page to the last, so every step copies the same snapshot even
// while a server commits (without it, a write by another process restarts the backup, which
// under steady load would never finish).
Status CopyDatabase(const std::string& from, const std::string& to, const BackupOptions& options) {
  Db src, dst;
  if (sqlite3_open_v2(from.c_str(), &src.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    return SqliteError(src.db, "opening " + from);
  }
  sqlite3_busy_timeout(src.db, 10000);  // a server's checkpoint holds the lock for moments
  RETURN_IF_ERROR(Run(src.db, "BEGIN"));
  // BEGIN is deferred: the snapshot starts with the first read.
  RETURN_IF_ERROR(Run(src.db, "SELECT count(*) FROM sqlite_schema"));
  if (sqlite3_open_v2(to.c_str(), &dst.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    return SqliteError(dst.db, "opening " + to);
  }
  sqlite3_backup* b = sqlite3_backup_init(dst.db, "main", src.db, "main");
  if (b == nullptr) return SqliteError(dst.db, "starting the backup");
  int rc;
  while (true) {
    rc = sqlite3_backup_step(b, options.pages_per_step);
    if (options.progress) {
      int total = sqlite3_backup_pagecount(b);
      options.progress(static_cast<uint64_t>(total - sqlite3_backup_remaining(b)),
                       static_cast<uint64_t>(total));
    }
    if (rc == SQLITE_OK) continue;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    break;
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return SqliteError(dst.db, "copying " + from);
  (void)Run(src.db, "COMMIT");
  // The copy stands alone: its pages in the file itself, nothing in a -wal beside it.
  RETURN_IF_ERROR(Run(dst.db, "PRAGMA journal_mode = DELETE"));
  return Status::Ok();
}

// One ustar header block. Sizes of 8 GiB and more take GNU's base-256 form.
std::array<char, 512> TarHeader(const std::string& name, uint64_t size, int64_t mtime) {
  std::array<char, 512> h{};
  std::memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 99));
  auto octal = [&](size_t at, size_t width, uint64_t v) {
    std::string s = fmt::format("{:0{}o}", v, width - 1);
    std::memcpy(h.data() + at, s.data(), width - 1);
  };
  octal(100, 8, 0600);
  octal(108, 8, static_cast<uint64_t>(::getuid()));
  octal(116, 8, static_cast<uint64_t>(::getgid()));
  if (size < (uint64_t{1} << 33)) {
    octal(124, 12, size);
  } else {
    h[124] = static_cast<char>(0x80);
    for (int i = 0; i < 8; ++i) h[135 - i] = static_cast<char>(size >> (8 * i) & 0xff);
  }
  octal(136, 12, static_cast<uint64_t>(mtime));
  h[156] = '0';
  std::memcpy(h.data() + 257, "ustar", 6);
  std::memcpy(h.data() + 263, "00", 2);
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  std::string s = fmt::format("{:06o}", sum);
  std::memcpy(h.data() + 148, s.data(), 6);
  h[154] = '\0';
  return h;
}

class TarWriter {
 public:
  explicit TarWriter(int fd) : fd_(fd) {}
  uint64_t written() const { return written_; }

  // Appends the file at `path` as member `name`.
  Status AddFile(const std::string& name, const std::string& path) {
    int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return Unavailable(Errno("cannot read " + path));
    struct stat st;
    if (::fstat(in, &st) != 0) {
      ::close(in);
      return Unavailable(Errno(path));
    }
    Status s =
        Write(TarHeader(name, static_cast<uint64_t>(st.st_size), std::time(nullptr)).data(), 512);
    std::vector<char> buf(1 << 20);
    uint64_t left = static_cast<uint64_t>(st.st_size);
    while (s.ok() && left > 0) {
      ssize_t n = ::read(in, buf.data(), std::min<uint64_t>(buf.size(), left));
      if (n <= 0) {
        s = Unavailable(n < 0 ? Errno("cannot read " + path) : path + " shrank while copied");
        break;
      }
      s = Write(buf.data(), static_cast<size_t>(n));
      left -= static_cast<uint64_t>(n);
    }
    ::close(in);
    if (s.ok()) s = Pad();
    return s;
  }
  // Two zero blocks end the archive.
  Status Finish() {
    std::array<char, 1024> zeros{};
    return Write(zeros.data(), zeros.size());
  }

 private:
  Status Write(const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return Unavailable(Errno("cannot write the archive"));
      p += w;
      n -= static_cast<size_t>(w);
      written_ += static_cast<uint64_t>(w);
    }
    return Status::Ok();
  }
  Status Pad() {
    std::array<char, 512> zeros{};
    size_t rest = written_ % 512;
    return rest == 0 ? Status::Ok() : Write(zeros.data(), 512 - rest);
  }
  int fd_;
  uint64_t written_ = 0;
};

// The directory part of a path, for the fsync that makes a rename durable.
std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<BackupReport> BackupDataDir(const std::string& dir, const std::string& out,
                                   const BackupOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(crypto::NoteSigner signer, ReadLogKey(dir));
  const std::string db_path = dir + "/dipr.db";
  if (::access(db_path.c_str(), F_OK) != 0) {
    return InvalidArgument(
        db_path +
        ": no SQLite database here (a PostgreSQL registry is backed up with pg_dump "
        "and a copy of its data directory: docs/DEPLOY.md, \"Backups\")");
  }
  if (::access(out.c_str(), F_OK) == 0) {
    return InvalidArgument(out + " exists; a backup never overwrites one");
  }
  // The copy, next to the archive (same file system, so the space is checked where it matters),
  // created owner-only before SQLite opens it.
  TempFile copy{out + ".db.tmp"};
  {
    int fd = ::open(copy.path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      std::string failed = std::exchange(copy.path, "");  // not ours to remove
      return Unavailable(Errno("cannot create " + failed));
    }
    ::close(fd);
  }
  RETURN_IF_ERROR(CopyDatabase(db_path, copy.path, options));

  BackupReport report;
  {
    // The copy must be a registry a node would start on: its latest checkpoint verifies.
    ASSIGN_OR_RETURN(auto store, storage::OpenSqliteStore(copy.path));
    ASSIGN_OR_RETURN(auto head, store->LatestTreeHead());
    if (!head) return DataLoss("the copy holds no signed checkpoint");
    if (Status st = log::CheckStoredHead(*head, signer.verifier()); !st.ok()) {
      return DataLoss("the copy's latest checkpoint does not verify: " + st.message());
    }
    report.tree_size = head->size;
    report.checkpoint = head->checkpoint;
  }
  struct stat st;
  if (::stat(copy.path.c_str(), &st) != 0) return Unavailable(Errno(copy.path));
  report.database_bytes = static_cast<uint64_t>(st.st_size);

  TempFile partial{out + ".tmp"};
  int fd = ::open(partial.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::string failed = std::exchange(partial.path, "");
    return Unavailable(Errno("cannot create " + failed));
  }
  TarWriter tar(fd);
  Status written = tar.AddFile("dipr.db", copy.path);
  report.files.push_back("dipr.db");
  for (const char* name : {"log.key", "admin.token", "log.key.unused"}) {
    std::string path = dir + "/" + name;
    if (!written.ok()) break;
    const bool marker = std::strcmp(name, "log.key.unused") == 0;
    if (marker ? ::access(path.c_str(), F_OK) != 0 : !options.secrets) continue;
    written = tar.AddFile(name, path);
    report.files.push_back(name);
  }
  if (written.ok()) written = tar.Finish();
  if (written.ok() && ::fsync(fd) != 0) written = Unavailable(Errno("cannot sync " + partial.path));
  ::close(fd);
  RETURN_IF_ERROR(written);
  if (::rename(partial.path.c_str(), out.c_str()) != 0) {
    return Unavailable(Errno("cannot rename " + partial.path + " to " + out));
  }
  partial.path.clear();
  if (int dfd = ::open(DirOf(out).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  report.archive = out;
  report.archive_bytes = tar.written();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace dipr::server
