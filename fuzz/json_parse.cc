// ParseJson (common/json_parse.h), the one JSON parser for every outside input, against
// nlohmann's own: it accepts a subset of what nlohmann accepts, with the same value; what it
// refuses and nlohmann takes is refused for one of its own rules (a key twice, a NUL, nesting);
// and what it accepts round-trips through dump() unchanged.
#include <nlohmann/json.hpp>

#include <string>

#include "common/json_parse.h"
#include "fuzz_check.h"

using nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = dipr::fuzz::AsText(data, size);
  auto strict = dipr::ParseJson(text);
  json lenient = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!strict.ok()) {
    if (!lenient.is_discarded()) {
      const std::string m = strict.status().message();  // status() is a copy
      FUZZ_CHECK(m.find("appears twice") != std::string::npos ||
                     m.find("NUL byte") != std::string::npos ||
                     m.find("nested deeper") != std::string::npos,
                 "ParseJson refuses what nlohmann accepts for a reason not its own");
    }
    return 0;
  }
  FUZZ_CHECK(!lenient.is_discarded(), "ParseJson accepts what nlohmann refuses");
  FUZZ_CHECK(*strict == lenient, "ParseJson and nlohmann read different values");
  std::string dumped = strict->dump();
  auto again = dipr::ParseJson(dumped);
  FUZZ_CHECK(again.ok(), "ParseJson refuses its own value's dump()");
  FUZZ_CHECK(*again == *strict, "dump() then ParseJson changes the value");
  FUZZ_CHECK(again->dump() == dumped, "dump() is not a fixed point");
  return 0;
}
