#include "server/data_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
  if ((st.st_mode & 077) != 0) {
    return PermissionDenied(path + " is readable by others; run: chmod 600 " + path);
  }
  return Status::Ok();
}

}  // namespace

Status CheckNewOrigin(const std::string& origin) {
  if (origin.empty() || crypto::IsValidKeyName(origin)) return Status::Ok();
  return InvalidArgument("--origin must be non-empty, without spaces or '+'");
}

Result<std::string> ReadFile(const std::string& path) {
  return ReadFileUpTo(path, kMaxSmallFile);
}

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
  } else if (key_text.status().code() == Code::kNotFound) {
    std::string name = origin.empty() ? "localhost/dipr" : origin;
    RETURN_IF_ERROR(CheckNewOrigin(name));
    d.signer = std::make_unique<crypto::NoteSigner>(name, crypto::Ed25519PrivateKey::Generate());
    RETURN_IF_ERROR(WriteFileAtomic(key_path, d.signer->ToString() + "\n", 0600));
    d.created = true;
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

}  // namespace dipr::server
