#include "calendar/read_file.h"

#include "common/read_file.h"

namespace dipr::calendar {

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  auto data = ReadFileUpTo(path, max_bytes);
  // These files are kilobytes; a huge one is a wrong path, not data to buffer.
  if (!data.ok() && data.status().code() == Code::kTooLarge) {
    return InvalidArgument(data.status().message());
  }
  return data;
}

}  // namespace dipr::calendar
