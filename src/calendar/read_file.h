// Reading the calendar library's small input files (TZif zones, holiday calendars). Internal.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace dipr::calendar {

// The whole file; NotFound if it does not exist, InvalidArgument if it is larger than max_bytes
// (these files are kilobytes; a huge one is a wrong path, not data to buffer).
Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes);

}  // namespace dipr::calendar
