// The registration certificate as a one-page A4 PDF, bilingual Chinese/English: the registered
// facts in labelled rows, a QR code of the public record's URL, and a footer saying how to verify
// the certificate offline against the transparency log. Text is real text (a subset of Noto CJK is
// embedded), so the PDF is searchable and pdftotext gives the Chinese back.
//
// The view holds display strings only; the registry builds it from the issuing event and is the
// one that validates the facts. RenderPdf checks just what it needs to draw a correct page.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace dipr::certificate {

struct Holder {
  std::string name;
  std::string type;  // "enterprise", "institution" or "individual"
  std::string id;    // as it may be shown (an individual's identifier already masked)
  std::string country;
  uint64_t share = 1;  // parts; printed as share / (sum of all holders' shares), reduced
};

struct Deposit {
  uint64_t index = 0;  // the deposit's log entry
  std::string digest;  // 64 lower-case hex digits (docs/FORMATS.md §1)
  uint64_t size = 0;   // bytes
};

struct CertificateView {
  std::string registration_number;  // 16 characters
  std::string certificate_number;   // 17 digits
  std::string data_name;            // up to kMaxDataNameChars code points, any language
  std::vector<Holder> holders;      // at least one
  std::string industry;             // GB/T 4754 section letter and name: "I 信息传输、…"
  std::string registered_on, valid_from, valid_until;  // local dates, "2026-12-21"
  std::string registrar;       // "浙江省知识产权局 / Zhejiang IP Office"
  std::string registrar_code;  // 4 digits
  std::string public_url;      // the QR code encodes exactly this; up to kMaxPublicUrlBytes
  std::string log_origin;      // "ip.example.cn/dipr"
  uint64_t log_index = 0;      // the log entry of the issuing event
  std::string key_id;          // identifies the registrar's signing key (printed small)
  // The registration's status when the PDF is made: "registered", "expired", "cancelled" or
  // "revoked". Any but registered is stamped across the page in both languages, with the local
  // date it took effect (status_on, required then).
  std::string status = "registered";
  std::string status_on;
  std::vector<Deposit> deposits;  // the first kPrintedDeposits are printed; may be empty
  // The signed certificate document (JSON), embedded in the PDF as certificate-NUMBER.json
  // (certificate/pdf_file.h) so that the PDF verifies offline. May be empty: then the page does
  // not say it does.
  std::string document;
};

inline constexpr size_t kPrintedDeposits = 3;

inline constexpr size_t kMaxDataNameChars = 200;
// Above this the QR code's modules get too small (under 0.5 mm) to scan reliably from paper.
inline constexpr size_t kMaxPublicUrlBytes = 512;

// The name RenderPdf gives the embedded certificate document.
std::string DocumentFileName(const CertificateView& view);

// Renders one A4 page (595.276 x 841.89 pt). Long names and many holders are set in smaller type
// so that everything stays on the page; the registry's limits (a 200-character name, 20 holders)
// always fit. Errors: InvalidArgument naming the field for a malformed view, or when the content
// does not fit even in the smallest type; Unavailable if the CJK fonts are not installed
// (fonts-noto-cjk); Internal if Cairo fails.
//
// Deterministic: the same view gives the same bytes (the PDF's creation date is registered_on).
// Thread-safe without a lock: Pango gives each thread its own font map (Pango >= 1.32.6), Cairo
// and fontconfig lock their shared caches. A thread's first call loads its font map (slower).
Result<std::string> RenderPdf(const CertificateView& view);

}  // namespace dipr::certificate
