// Receipts (registry/receipt.h, docs/FORMATS.md "Receipts") as `dipr verify` and an auditor read
// them: the JSON, its fields, the checkpoint and the inclusion proof, and the entry it proves.
// A receipt that parses prints (ToJsonText) as JSON that parses back to the same receipt; one
// that verifies proves an index inside the checkpoint's tree.
#include "verify/receipt.h"
#include "common/json_parse.h"
#include "fuzz_check.h"
#include "fuzz_key.h"
#include "verify/event.h"

using namespace dipr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = ParseJson(fuzz::AsText(data, size));
  if (!j.ok()) return 0;
  auto r = registry::Receipt::FromJson(*j);
  if (!r.ok()) return 0;
  std::string text = r->ToJsonText();
  auto back = ParseJson(text);
  FUZZ_CHECK(back.ok(), "a receipt prints as valid JSON");
  auto again = registry::Receipt::FromJson(*back);
  FUZZ_CHECK(again.ok() && again->index == r->index && again->entry == r->entry &&
                 again->checkpoint == r->checkpoint && again->proof == r->proof,
             "a printed receipt reads back the same");
  auto cp = registry::VerifyReceipt(*r, fuzz::FuzzSigner().verifier());
  if (cp.ok()) FUZZ_CHECK(r->index < cp->size, "a verified receipt proves an index in the tree");
  // What the receipt carries is read whether or not it verifies (dipr audit reports both).
  (void)registry::DecodeEntry(r->entry);
  return 0;
}
