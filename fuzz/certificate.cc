// Certificate documents as `dipr verify-certificate cert.json` checks them (registry/registrar.h,
// VerifyCertificate, AssessCertificate, CertificateDeposits; docs/FORMATS.md "Certificates"),
// against the fuzz key that signed the seed (fuzz/make_seeds.cc). Past a signature the fuzzer
// cannot forge, the parts are fuzzed on their own too: the receipt, the entry it carries and the
// body's rules. A verified document meets what AssessCertificate REQUIRES, and its issuing entry
// lies in the tree its receipt proves.
#include "verify/certificate.h"
#include "common/json_parse.h"
#include "common/time.h"
#include "fuzz_check.h"
#include "fuzz_key.h"
#include "registry/lifecycle.h"
#include "registry/registrar.h"
#include "verify/event.h"
#include "verify/receipt.h"

using namespace dipr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = ParseJson(fuzz::AsText(data, size));
  if (!doc.ok()) return 0;
  const auto& key = fuzz::FuzzSigner().verifier();
  auto v = registry::VerifyCertificate(*doc, key);
  if (v.ok()) {
    // VerifyCertificate's contract is that what AssessCertificate REQUIRES holds.
    auto standing =
        registry::AssessCertificate(*doc, *v, ParseRfc3339("2027-01-01T00:00:00Z").value());
    (void)standing.in_force();
    (void)registry::CertificateDeposits(v->body);
    FUZZ_CHECK(v->index < v->tree_size, "the issuing entry is in the proven tree");
    return 0;
  }
  if (!doc->is_object()) return 0;
  if (auto it = doc->find("certificate"); it != doc->end()) {
    (void)registry::CertificateSignedText(*it);
    // CertificateDeposits reads a body whose shape CheckDepositsAndDates passed (as after
    // VerifyCertificate); it must then not throw.
    if (registry::CheckDepositsAndDates(*it).ok() && it->is_object()) {
      (void)registry::CertificateDeposits(*it);
    }
  }
  if (auto it = doc->find("receipt"); it != doc->end()) {
    if (auto r = registry::Receipt::FromJson(*it); r.ok()) {
      (void)registry::VerifyReceipt(*r, key);
      (void)registry::DecodeEntry(r->entry);
    }
  }
  return 0;
}
