// dipr apply FILE.json [--receipt R]... [--submit] --server URL --token HOLDER_TOKEN [--json]
// POST /v1/applications with the file's fields (docs/API.md; docs/examples/application.json), and
// with --submit POST …/submit right after: the application goes to the examiners' queue. Each
// --receipt (a deposit's receipt, as dipr deposit saved it) sets "deposits" to the receipts'
// indexes and "scale.bytes" to their total size, which the server requires to agree.
#include <iostream>

#include "cli/common.h"
#include "cli/register_view.h"
#include "common/url.h"
#include "registry/deposit_events.h"
#include "verify/event.h"
#include "verify/receipt.h"

namespace dipr::cli {
namespace {

// The deposits the receipts name, and their total size, into the application's body.
Status UseReceipts(const std::vector<std::string>& paths, nlohmann::json& body) {
  nlohmann::json deposits = nlohmann::json::array();
  uint64_t bytes = 0;
  for (const auto& path : paths) {
    ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonInput(path));
    auto receipt = registry::Receipt::FromJson(j);
    if (!receipt.ok()) return InputError(receipt.status(), path);
    auto event = registry::DecodeEntry(receipt->entry);
    if (!event.ok() || event->type != registry::kDeposit ||
        !event->payload.contains("fingerprint") ||
        !event->payload["fingerprint"].contains("size") ||
        !event->payload["fingerprint"]["size"].is_number_unsigned()) {
      return InputError(path + " is not a deposit's receipt");
    }
    deposits.push_back(receipt->index);
    bytes += event->payload["fingerprint"]["size"].get<uint64_t>();
  }
  if (!body.is_object()) return InputError("the application must be a JSON object");
  body["deposits"] = deposits;
  if (!body.contains("scale") || !body["scale"].is_object())
    body["scale"] = nlohmann::json::object();
  body["scale"]["bytes"] = bytes;
  return Status::Ok();
}

}  // namespace

void AddApplyCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string file;
    std::vector<std::string> receipts;
    bool submit = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("apply", "apply to register a dataset (holder token)");
  cmd->add_option("FILE", flags->file,
                  "the application as JSON (docs/examples/application.json); - for stdin")
      ->required();
  cmd->add_option("--receipt", flags->receipts,
                  "a deposit's receipt: sets deposits and scale.bytes (repeat for several files)");
  cmd->add_flag("--submit", flags->submit, "submit it for examination at once");
  flags->server.Add(cmd, true);
  AddJsonFlag(cmd, ctx, "print the application as the server answers it");
  AddFieldFlag(cmd, ctx);
  cmd->callback([flags, &ctx] {
    auto body = ReadJsonInput(flags->file);
    if (!body.ok()) return Fail(ctx, body.status());
    if (!flags->receipts.empty()) {
      if (Status st = UseReceipts(flags->receipts, *body); !st.ok()) return Fail(ctx, st);
    }
    RunCall(
        ctx, flags->server,
        [&](Client& c) -> Result<nlohmann::json> {
          ASSIGN_OR_RETURN(nlohmann::json a, c.PostJson("/v1/applications", *body));
          if (!flags->submit) return a;
          return c.PostJson("/v1/applications/" + UrlEncode(Text(a, "id")) + "/submit",
                            nlohmann::json::object());
        },
        [&](const nlohmann::json& a) {
          std::cout << "application " << Text(a, "id") << " is " << Text(a, "status") << "\n";
          if (!flags->submit) {
            std::cout << "submit it with: dipr application submit " << Text(a, "id") << "\n";
          }
        });
  });
}

}  // namespace dipr::cli
