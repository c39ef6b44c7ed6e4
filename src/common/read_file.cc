#include "common/read_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dipr {

std::string FormatByteCount(size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (1u << 10) && bytes % (1u << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Result<std::string> ReadFileUpTo(const std::string& path, size_t max_bytes) {
  const bool in = path == "-";
  const std::string name = in ? "standard input" : path;
  int fd = in ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound(path + ": no such file");
    return InvalidArgument("cannot open " + path + ": " + std::strerror(errno));
  }
  std::string data;
  Status st;
  char buf[64 * 1024];
  while (true) {
    // Never more than one byte past the cap: enough to know it is over.
    size_t want = std::min(sizeof buf, max_bytes + 1 - data.size());
    ssize_t n = ::read(fd, buf, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      st = InvalidArgument("cannot read " + name + ": " + std::strerror(errno));
      break;
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      st = TooLarge(name + " is over " + FormatByteCount(max_bytes));
      break;
    }
  }
  if (!in) ::close(fd);
  if (!st.ok()) return st;
  return data;
}

}  // namespace dipr
