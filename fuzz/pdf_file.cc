// The PDF embedded-file reader (certificate/pdf_file.h) that `dipr verify-certificate cert.pdf`
// runs on whatever file it is given: bounded in files and bytes, and what it reads from a PDF it
// appended to is the file it appended.
#include "certificate/pdf_file.h"
#include "fuzz_check.h"

using namespace dipr::certificate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = dipr::fuzz::AsText(data, size);
  auto files = ReadEmbeddedFiles(in);
  if (files.ok()) {
    FUZZ_CHECK(files->size() <= kMaxEmbeddedFiles, "at most kMaxEmbeddedFiles");
    for (const auto& f : *files) FUZZ_CHECK(f.data.size() <= kMaxEmbeddedFileBytes, "file size");
    // The writer refuses a PDF that already has attachments; on one without, what it appends is
    // what the reader finds.
    if (files->empty()) {
      EmbeddedFile file{"certificate.json", "application/json", "fuzz", "{\"fuzz\":1}"};
      auto appended = AppendEmbeddedFile(in, file);
      if (appended.ok()) {
        auto back = ReadEmbeddedFiles(*appended);
        FUZZ_CHECK(back.ok() && back->size() == 1 && (*back)[0].data == file.data &&
                       (*back)[0].name == file.name,
                   "the reader finds the file the writer appended");
      }
    }
  }
  return 0;
}
