#include "server/data_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/read_file.h"
#include "registry/registry.h"

namespace dipr::server {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

Status CheckPrivate(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Internal(path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) {
    if ((st.st_mode & 077) != 0) {
      return PermissionDenied(fmt::format(
          "data directory {} is open to others (mode {:04o}): it holds the database with "
          "confidential fields and drafts; run: chmod 700 {}",
          path, st.st_mode & 07777, path));
    }
  } else if ((st.st_mode & 077) != 0) {
    return PermissionDenied(path + " is readable by others; run: chmod 600 " + path);
  }
  return Status::Ok();
}

std::string UnusedMarkerPath(const std::string& dir) { return dir + "/log.key.unused"; }

}  // namespace

Status CheckNewOrigin(const std::string& origin) {
  if (origin.empty() || crypto::IsValidKeyName(origin)) return Status::Ok();
  return InvalidArgument("--origin must be non-empty, without spaces or '+'");
}

Result<std::string> ReadFile(const std::string& path) { return ReadFileUpTo(path, kMaxSmallFile); }

Status WriteFileAtomic(const std::string& path, const std::string& data, unsigned mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Internal("cannot create " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, mode);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Internal("cannot write " + tmp + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Internal("cannot sync " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Internal("cannot rename " + tmp + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Result<DataDir> OpenDataDir(const std::string& path, const std::string& origin) {
  DataDir d;
  d.path = path;
  if (::mkdir(path.c_str(), 0700) == 0) {
    d.created = true;
  } else if (errno != EEXIST) {
    return InvalidArgument("cannot create data directory " + path + ": " + std::strerror(errno));
  }
  RETURN_IF_ERROR(CheckPrivate(path));
  std::string key_path = path + "/log.key";
  auto key_text = ReadFile(key_path);
  if (key_text.ok()) {
    RETURN_IF_ERROR(CheckPrivate(key_path));
    auto signer = crypto::NoteSigner::Parse(Trim(*key_text));
    if (!signer.ok()) return InvalidArgument(key_path + ": " + signer.status().message());
    if (!origin.empty() && signer->name() != origin) {
      return InvalidArgument("--origin \"" + origin + "\" differs from the log key's name \"" +
                             signer->name() + "\"; the origin of a log never changes");
    }
    d.signer = std::make_unique<crypto::NoteSigner>(std::move(signer).value());
    d.key_unused = ::access(UnusedMarkerPath(path).c_str(), F_OK) == 0;
  } else if (key_text.status().code() == Code::kNotFound) {
    std::string name = origin.empty() ? "localhost/dipr" : origin;
    RETURN_IF_ERROR(CheckNewOrigin(name));
    d.signer = std::make_unique<crypto::NoteSigner>(name, crypto::Ed25519PrivateKey::Generate());
    // The marker first: a crash after the key is written but before its first checkpoint is
    // committed must leave a key that may still start its log.
    RETURN_IF_ERROR(WriteFileAtomic(UnusedMarkerPath(path), "", 0600));
    RETURN_IF_ERROR(WriteFileAtomic(key_path, d.signer->ToString() + "\n", 0600));
    d.created = true;
    d.key_unused = true;
  } else {
    return key_text.status();
  }
  std::string token_path = path + "/admin.token";
  auto token = ReadFile(token_path);
  if (token.ok()) {
    RETURN_IF_ERROR(CheckPrivate(token_path));
    d.admin_token = Trim(*token);
  } else if (token.status().code() == Code::kNotFound) {
    d.admin_token = registry::NewToken();
    RETURN_IF_ERROR(WriteFileAtomic(token_path, d.admin_token + "\n", 0600));
  } else {
    return token.status();
  }
  return d;
}

Status MarkKeyUsed(DataDir& dir) {
  if (!dir.key_unused) return Status::Ok();
  std::string marker = UnusedMarkerPath(dir.path);
  if (::unlink(marker.c_str()) != 0 && errno != ENOENT) {
    return Internal("cannot remove " + marker + ": " + std::strerror(errno));
  }
  // The removal must be durable before anything relies on the key having signed.
  int fd = ::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  dir.key_unused = false;
  return Status::Ok();
}

Status CheckKeyHasItsLog(const DataDir& dir, bool has_log, bool sqlite) {
  if (has_log || dir.key_unused) return Status::Ok();
  std::string where = sqlite ? dir.DatabasePath() + " is missing or holds no log"
                             : "the database given with --db holds no log";
  return Conflict(fmt::format(
      "{}, but {}/log.key has signed this registry's log before: starting a new log under it "
      "would sign a second tree of the same identity. Restore the database (docs/DEPLOY.md "
      "section 8){}; for a truly new registry, move log.key away (and use a new --origin)",
      where, dir.path,
      sqlite ? ", or point --db at the registry's PostgreSQL database" : ", or point --db at it"));
}

Result<crypto::NoteSigner> ReadLogKey(const std::string& dir) {
  std::string key_path = dir + "/log.key";
  ASSIGN_OR_RETURN(std::string text, ReadFile(key_path));
  auto signer = crypto::NoteSigner::Parse(Trim(text));
  if (!signer.ok()) return InvalidArgument(key_path + ": " + signer.status().message());
  return signer;
}

}  // namespace dipr::server
