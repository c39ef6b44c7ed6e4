// Writes the seed inputs that need the registry to make them: a certificate document, receipts,
// signed checkpoints, a public log to replay, request bodies against fuzz/registry_env.h's
// register, and a PDF with an embedded certificate. All signed with the fuzz key, so that they
// verify in the targets. Run by fuzz/seeds.sh; its output is committed in fuzz/corpus/.
// Usage: make_seeds CORPUS_DIR
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "certificate/pdf_file.h"
#include "fingerprint/fingerprint.h"
#include "registry_env.h"
#include "verify/certificate.h"

using namespace dipr;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path out_dir;

void Write(const std::string& target, const std::string& name, std::string_view bytes) {
  fs::create_directories(out_dir / target);
  std::ofstream(out_dir / target / name, std::ios::binary) << bytes;
}
void Request(const std::string& name, uint8_t op, const std::string& body) {
  Write("registry_requests", name, std::string(1, static_cast<char>(op)) + body);
}

// The smallest PDF the embedded-file writer extends: one empty page, a classic xref table.
std::string MinimalPdf() {
  std::vector<std::string> objs = {"<< /Type /Catalog /Pages 2 0 R >>",
                                   "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                   "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"};
  std::string pdf = "%PDF-1.7\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objs.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
  }
  size_t xref = pdf.size();
  pdf += "xref\n0 4\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    std::string n = std::to_string(off);
    pdf += std::string(10 - n.size(), '0') + n + " 00000 n \n";
  }
  pdf += "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR\n");
    return 2;
  }
  out_dir = argv[1];
  fuzz::RegistryEnv env;
  auto& registrar = env.registrar();
  auto& store = env.store();

  json cert = fuzz::Must(registrar.Certificate(env.number), "certificate");
  // The seeds are valid, so that the targets get past their checks: make sure of it here.
  fuzz::Must(registry::VerifyCertificate(cert, fuzz::FuzzSigner().verifier()), "verify");
  Write("certificate", "issued.json", cert.dump());
  Write("receipt", "certificate.json", cert["receipt"].dump());
  auto head = fuzz::Must(store.LatestTreeHead(), "head").value();
  for (uint64_t i : {uint64_t{0}, env.deposit, head.size - 1}) {
    auto r = fuzz::Must(env.registry().MakeReceipt(i, head), "receipt");
    fuzz::Must(registry::VerifyReceipt(r, fuzz::FuzzSigner().verifier()), "verify the receipt");
    Write("receipt", "entry-" + std::to_string(i) + ".json", r.ToJsonText());
  }
  Write("checkpoint", "signed.txt", head.checkpoint);
  Write("checkpoint", "body.txt", fuzz::Must(crypto::ParseNote(head.checkpoint), "note").text);

  auto entries = fuzz::Must(store.ReadEntries(0, head.size), "entries");
  std::string log;
  for (const auto& e : entries) log += e + "\n";
  Write("replay", "log.txt", log);
  Write("replay", "first-entries.txt", entries[0] + "\n" + entries[1] + "\n");

  Request("deposit.json", 0,
          json{{"fingerprint", fingerprint::ToJson(*fingerprint::FingerprintBytes("x"))},
               {"title", "a title"}}
              .dump());
  Request("account.json", 1, R"({"name":"Examiner Wang","role":"examiner"})");
  Request("settings.json", 2, R"({"notice_period":"15wd","registrar_name":"浙江"})");
  Request("create.json", 3, env.ApplicationBody().dump());
  Request("update.json", 4, env.ApplicationBody().dump());
  Request("examine-accept.json", 5, R"({"decision":"accept"})");
  Request("examine-correct.json", 5, R"({"decision":"correct","reason":"the scale is wrong"})");
  Request("object.json", 6, R"({"grounds":"this is ours","evidence":"contract 2024-17"})");
  Request("rule.json", 7, R"({"decision":"dismiss","reason":"no evidence of ownership"})");
  json change = env.ApplicationBody();
  change["data_name"] = "Renamed";
  Request("change.json", 8, change.dump());
  Request("change-examine.json", 9, R"({"decision":"accept"})");
  Request("cancel.json", 10, R"({"reason":"the holder gives it up"})");
  Request("revoke.json", 11, R"({"reason":"obtained by fraud"})");
  Request("search.txt", 12, "q=交通&industry=G&status=registered,in_notice&page=1");
  Request("search-holder.txt", 12, "holder=杭州&page=2");
  Request("lookup-number.txt", 13, env.number);
  Request("lookup-id.txt", 13, env.in_notice);
  Request("lookup-objection.txt", 13, env.objection);
  Request("list.txt", 14, "in_notice");
  Request("fields.json", 15, env.ApplicationBody().dump());
  Request("certificate-body.json", 15, cert["certificate"].dump());

  std::string pdf = MinimalPdf();
  Write("pdf_file", "minimal.pdf", pdf);
  auto with = fuzz::Must(
      certificate::AppendEmbeddedFile(
          pdf, {"certificate.json", "application/json", "the signed certificate", cert.dump()}),
      "embed");
  Write("pdf_file", "embedded.pdf", with);
  return 0;
}
