// dipr key [-o FILE] --server URL [--json]
// The registry's verifier key (GET /log/key), what every offline check takes as --key. Fetch it
// once over a channel you trust (https, or the registrar's publication) and keep it. No token.
#include <iostream>

#include "cli/common.h"
#include "crypto/note.h"

namespace dipr::cli {

void AddKeyCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string out;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("key", "the registry's verifier key, for --key");
  cmd->add_option("-o,--output", flags->out, "save it to this file (default: stdout)");
  flags->server.Add(cmd, false);
  AddJsonFlag(cmd, ctx, "print {key, name[, file]}");
  AddFieldFlag(cmd, ctx);
  cmd->callback([flags, &ctx] {
    auto client = flags->server.Connect();
    if (!client.ok()) return Fail(ctx, client.status());
    auto r = client->Get("/log/key");
    if (!r.ok()) return Fail(ctx, r.status());
    if (r->status != 200) return Fail(ctx, StatusFromHttp(*r));
    std::string text = r->body;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto key = crypto::NoteVerifier::Parse(text);
    if (!key.ok()) return Fail(ctx, Internal("the server's key: " + key.status().message()));
    if (!flags->out.empty() && flags->out != "-") {
      if (Status st = WriteOutput(flags->out, text + "\n"); !st.ok()) return Fail(ctx, st);
    }
    nlohmann::json j = {{"key", text}, {"name", key->name()}};
    if (!flags->out.empty()) j["file"] = flags->out;
    Print(ctx, j, [&](const nlohmann::json&) {
      if (flags->out.empty() || flags->out == "-") {
        std::cout << text << "\n";
      } else {
        std::cout << "saved the key of " << key->name() << " to " << flags->out << "\n";
      }
    });
  });
}

}  // namespace dipr::cli
