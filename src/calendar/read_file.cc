#include "calendar/read_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace dipr::calendar {

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return NotFound("no such file: " + path);
  }
  if (ec) return Internal("cannot stat " + path + ": " + ec.message());
  // A directory opens fine as a stream and reports a nonsense size; say what it is instead.
  if (status.type() != std::filesystem::file_type::regular) {
    return InvalidArgument(path + " is not a regular file");
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Internal("cannot open " + path + ": " + std::strerror(errno));
  std::streamoff size = in.tellg();
  if (size < 0) return Internal("cannot read " + path);
  if (static_cast<size_t>(size) > max_bytes) {
    return InvalidArgument(path + " is " + std::to_string(size) + " bytes, more than the " +
                           std::to_string(max_bytes) + " expected");
  }
  in.seekg(0);
  std::string data(static_cast<size_t>(size), '\0');
  if (!in.read(data.data(), size)) return Internal("cannot read " + path);
  return data;
}

}  // namespace dipr::calendar
