// dipr certificate NUMBER [-o cert.json|cert.pdf] [--pdf] --server URL [--json]
// The signed certificate document (GET /v1/registrations/{number}/certificate) or, for a file
// ending in .pdf or with --pdf, the printable PDF that embeds it (…/certificate.pdf); either
// checks offline with dipr verify-certificate. No token.
#include <iostream>

#include "cli/common.h"
#include "common/url.h"

namespace dipr::cli {

void AddCertificateCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string number, out;
    bool pdf = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("certificate", "download a registration's certificate");
  cmd->add_option("NUMBER", flags->number, "the registration number")->required();
  cmd->add_option("-o,--output", flags->out,
                  "save it here; a name ending in .pdf saves the PDF (default: the JSON document "
                  "on stdout)");
  cmd->add_flag("--pdf", flags->pdf, "the PDF rather than the JSON document");
  flags->server.Add(cmd, false);
  AddJsonFlag(cmd, ctx, "with -o: print what was saved as JSON");
  cmd->callback([flags, &ctx] {
    const std::string& out = flags->out;
    const bool pdf = flags->pdf || (out.size() > 4 && out.ends_with(".pdf"));
    const bool to_stdout = out.empty() || out == "-";
    if (pdf && out.empty())
      return Fail(ctx, InputError("the PDF needs -o FILE (or -o - for stdout)"));
    if (ctx.json && to_stdout) {
      return Fail(ctx, InputError("--json describes a saved file; give -o FILE (the document "
                                  "on stdout is JSON already)"));
    }
    auto client = flags->server.Connect();
    if (!client.ok()) return Fail(ctx, client.status());
    std::string target = "/v1/registrations/" + UrlEncode(flags->number) +
                         (pdf ? "/certificate.pdf" : "/certificate");
    auto r = client->Get(target);
    if (!r.ok()) return Fail(ctx, r.status());
    if (r->status != 200) return Fail(ctx, StatusFromHttp(*r));
    // The bytes as served: the document's signature covers its body, not our formatting of it.
    if (Status st = WriteOutput(to_stdout ? "-" : out, r->body); !st.ok()) return Fail(ctx, st);
    if (to_stdout) return;
    nlohmann::json saved = {{"number", flags->number},
                            {"file", out},
                            {"format", pdf ? "pdf" : "json"},
                            {"bytes", r->body.size()}};
    Print(ctx, saved, [&](const nlohmann::json&) {
      std::cout << "saved the certificate of " << flags->number << " (" << (pdf ? "PDF" : "JSON")
                << ", " << r->body.size() << " bytes) to " << out
                << "\ncheck it offline with: dipr verify-certificate " << out
                << " --key registry.key\n";
    });
  });
}

}  // namespace dipr::cli
