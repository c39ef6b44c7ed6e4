// Fingerprint JSON (fingerprint/fingerprint.h), as a deposit request or `dipr verify` reads it:
// FingerprintFromJson is the strict inverse of ToJson, so what it accepts prints back as the same
// JSON value and parses again to the same fingerprint.
#include "common/json_parse.h"
#include "fingerprint/fingerprint.h"
#include "fuzz_check.h"

using namespace dipr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = ParseJson(fuzz::AsText(data, size));
  if (!j.ok()) return 0;
  auto fp = fingerprint::FingerprintFromJson(*j);
  if (!fp.ok()) return 0;
  FUZZ_CHECK(fp->chunks == fingerprint::ChunkCount(fp->size), "chunks is ceil(size / chunk_size)");
  nlohmann::json out = fingerprint::ToJson(*fp);
  FUZZ_CHECK(out == *j, "ToJson gives back the accepted JSON");
  auto again = fingerprint::FingerprintFromJson(out);
  FUZZ_CHECK(again.ok() && *again == *fp, "ToJson then FingerprintFromJson is the identity");
  return 0;
}
