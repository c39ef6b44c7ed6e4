// A log's entries replayed as `dipr audit` replays a registry's public log, which may be hostile
// (registry/replay.h): the input is entries separated by newlines (a canonical entry has none),
// applied in order to one Replay. Each entry is applied or refused with a Status; after a refusal
// the audit stops, and so does this target.
#include "registry/replay.h"
#include "fuzz_check.h"

using namespace dipr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::AsText(data, size);
  registry::Replay replay;
  uint64_t index = 0;
  while (!in.empty() && index < 256) {
    size_t nl = in.find('\n');
    std::string_view entry = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    if (!replay.Apply(index, entry).ok()) break;
    ++index;
    FUZZ_CHECK(replay.size() == index, "the replay counts what it applied");
  }
  for (const auto& [number, id] : replay.registrations()) {
    FUZZ_CHECK(replay.applications().count(id) == 1, "a number names an application replayed");
  }
  return 0;
}
