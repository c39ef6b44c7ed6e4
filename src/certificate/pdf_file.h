// Document-level embedded files (attachments) of a PDF: appending one to a PDF as an incremental
// update, and reading them back. This is how a certificate PDF carries its signed certificate
// document, so that `dipr verify-certificate cert.pdf` verifies the PDF offline.
//
// Writing (ISO 32000-1 §7.5.6 incremental updates, §7.11.4 embedded file streams, §7.9.6 name
// trees; /AF and /AFRelationship from ISO 32000-2 §14.13): the PDF's bytes stay as they are and
// are followed by
//
//   N 0 obj  << /Type /EmbeddedFile /Subtype /application#2Fjson /Length L /Params << /Size L >> >>
//            stream … L bytes … endstream endobj                        (the file, unfiltered)
//   N+1 0 obj << /Type /Filespec /F (name) /UF <FEFF…> /Desc <FEFF…> /AFRelationship /Data
//               /EF << /F N 0 R /UF N 0 R >> >> endobj
//   N+2 0 obj << /Names [ (name) N+1 0 R ] >> endobj                    (the EmbeddedFiles tree)
//   R 0 obj   << …the old catalog's entries… /Names << /EmbeddedFiles N+2 0 R >> /AF [ N+1 0 R ] >>
//   xref (entries 0, R, N..N+2) · trailer << …the old trailer's… /Size N+3 /Prev old-xref >> ·
//   startxref · %%EOF
//
// where N is the old trailer's /Size and R its /Root. Cairo 1.16 (Debian 12) has no attachment
// API, which is why this exists; it writes a classic cross-reference table, which is what the
// writer needs (a PDF with cross-reference streams, or a catalog that already has /Names or /AF,
// is refused: Internal, since only our own renders are given to it).
//
// Reading: from the last startxref through the /Prev chain of classic cross-reference tables to
// the catalog's /Names /EmbeddedFiles name tree, every file whose stream is unfiltered. The input
// may be hostile: every size, depth and count is bounded, and anything malformed or beyond the
// bounds is InvalidArgument with one line saying what (never a crash, never unbounded memory).
// Cross-reference streams and filtered (compressed) embedded files are not read (a PDF re-saved
// by another program may use them): the error says so, and `pdfdetach -saveall` still extracts
// the file for `dipr verify-certificate`.
//
// Thread-safe: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace dipr::certificate {

struct EmbeddedFile {
  std::string name;         // the file name (/UF, else /F, else the name tree's key), UTF-8
  std::string mime;         // e.g. "application/json"; "" when the PDF gives none
  std::string description;  // /Desc, UTF-8; may be empty
  std::string data;
};

// Bounds of the reader. A certificate PDF is about 1 MB, its document a few kB.
inline constexpr size_t kMaxPdfBytes = 16 << 20;
inline constexpr size_t kMaxEmbeddedFileBytes = 1 << 20;
inline constexpr size_t kMaxEmbeddedFiles = 16;

// True when the bytes start as a PDF file does ("%PDF-").
bool IsPdf(std::string_view bytes);

// `pdf` with `file` attached (see above). REQUIRES: file.name is printable ASCII without
// parentheses or backslash; file.mime is "type/subtype" in ASCII letters, digits, '.', '+', '-'.
// InvalidArgument for a bad name or MIME type; Internal for a PDF this writer cannot extend.
Result<std::string> AppendEmbeddedFile(std::string_view pdf, const EmbeddedFile& file);

// The document-level embedded files of `pdf`, in name-tree order (at most kMaxEmbeddedFiles; a
// file larger than kMaxEmbeddedFileBytes is an error). An empty vector when it has none.
Result<std::vector<EmbeddedFile>> ReadEmbeddedFiles(std::string_view pdf);

}  // namespace dipr::certificate
