// Reading a whole input (a file, a pipe, a device, standard input) into memory with a cap, so that
// a wrong path (`/dev/zero`, a dataset given where a receipt was meant) costs a bounded read and a
// clear error instead of all the memory there is. Thread-safe (no state).
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace dipr {

// The whole of `path` ("-": standard input), at most max_bytes of it. Reads incrementally, so
// pipes and devices work and nothing beyond max_bytes + 1 is ever read. NotFound if the file does
// not exist; TooLarge ("… is over 1 MiB") past the cap; InvalidArgument for a directory or an
// unreadable file. Messages name the path.
Result<std::string> ReadFileUpTo(const std::string& path, size_t max_bytes);

// "1 MiB", "64 KiB", "300 bytes": for the messages above and the CLI's.
std::string FormatByteCount(size_t bytes);

}  // namespace dipr
