#include "log/log_reader.h"

#include <fmt/format.h>

#include "log/store_tiles.h"
#include "log/tile_reader.h"

namespace dipr::log {

Result<std::vector<std::string>> LogReader::Entries(uint64_t start, uint64_t end,
                                                    uint64_t tree_size) {
  if (start >= end) return InvalidArgument("start must be less than end");
  if (end - start > kMaxEntriesPerRead) {
    return InvalidArgument(fmt::format("at most {} entries per request", kMaxEntriesPerRead));
  }
  if (end > tree_size) {
    return InvalidArgument(fmt::format("end {} is beyond the tree size {}", end, tree_size));
  }
  return store_.ReadEntries(start, end);
}

Result<std::vector<Hash>> LogReader::Inclusion(uint64_t index, uint64_t size, uint64_t tree_size) {
  if (size > tree_size) {
    return InvalidArgument(fmt::format("size {} is beyond the tree size {}", size, tree_size));
  }
  if (index >= size) {
    return InvalidArgument(fmt::format("index {} is not in a tree of size {}", index, size));
  }
  TileNodeReader reader(cache_, &memo_);
  return InclusionProof(index, size, reader);
}

void LogReader::TilesWritten(const std::vector<TileWrite>& writes) {
  for (const auto& w : writes) cache_.Put(w.id, std::make_shared<const std::string>(w.data));
}

Result<std::vector<Hash>> LogReader::Consistency(uint64_t from, uint64_t to, uint64_t tree_size) {
  if (to > tree_size) {
    return InvalidArgument(fmt::format("to {} is beyond the tree size {}", to, tree_size));
  }
  if (from == 0) {
    return InvalidArgument("from must be at least 1: every tree extends the empty one (RFC 9162)");
  }
  if (from > to) return InvalidArgument("from must not be larger than to");
  TileNodeReader reader(cache_, &memo_);
  return ConsistencyProof(from, to, reader);
}

}  // namespace dipr::log
