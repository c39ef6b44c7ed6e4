// dipr object APPLICATION --grounds TEXT [--evidence TEXT] --server URL --token T
// dipr object show OBJECTION --server URL --token T
// POST /v1/applications/{id}/objections during the public notice; GET /v1/objections/{id}.
#include <iostream>

#include "cli/common.h"
#include "cli/register_view.h"
#include "common/url.h"

namespace dipr::cli {

void AddObjectCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string id, grounds, evidence;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "object", "object to an application in public notice (any account); show an objection");
  cmd->add_option("APPLICATION", flags->id,
                  "the application's id (a…, as dipr search --notices lists it)");
  cmd->add_option("--grounds", flags->grounds, "why it should not be registered (required)");
  cmd->add_option("--evidence", flags->evidence, "what supports the grounds (never published)");
  flags->server.Add(cmd, true);
  AddJsonFlag(cmd, ctx);
  AddFieldFlag(cmd, ctx);
  cmd->require_subcommand(0, 1);
  auto* show = cmd->add_subcommand("show", "an objection: its state, grounds and ruling");
  show->add_option("OBJECTION", flags->id, "the objection's id (o…)")->required();
  flags->server.Add(show, true);
  AddJsonFlag(show, ctx);
  AddFieldFlag(show, ctx);
  show->callback([flags, &ctx] {
    RunCall(
        ctx, flags->server,
        [&](Client& c) { return c.GetJson("/v1/objections/" + UrlEncode(flags->id)); },
        PrintObjection);
  });
  cmd->callback([flags, &ctx, cmd, show] {
    if (show->parsed()) return;
    if (flags->id.empty()) return Fail(ctx, InputError("APPLICATION is required"));
    if (flags->grounds.empty()) return Fail(ctx, InputError("--grounds is required"));
    nlohmann::json body = {{"grounds", flags->grounds}};
    if (!flags->evidence.empty()) body["evidence"] = flags->evidence;
    RunCall(
        ctx, flags->server,
        [&](Client& c) {
          return c.PostJson("/v1/applications/" + UrlEncode(flags->id) + "/objections", body);
        },
        [](const nlohmann::json& o) {
          std::cout << "objection " << Text(o, "id") << " to " << Text(o, "application") << " is "
                    << Text(o, "status") << " (log entry " << Text(o, "event_index") << ")\n";
        });
    (void)cmd;
  });
}

}  // namespace dipr::cli
