// dipr rule OBJECTION --uphold REASON | --dismiss REASON --server URL --token EXAMINER [--json]
// POST /v1/objections/{id}/ruling: uphold refuses the application; dismiss lets it go on. The
// ruling, its reason and the objection's grounds are public.
#include <iostream>

#include "cli/common.h"
#include "cli/register_view.h"
#include "common/url.h"

namespace dipr::cli {

void AddRuleCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string id, uphold, dismiss;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("rule", "rule on an objection (examiner token)");
  cmd->add_option("OBJECTION", flags->id, "the objection's id (o…)")->required();
  auto* uphold = cmd->add_option("--uphold", flags->uphold, "uphold it, saying why: refused");
  auto* dismiss = cmd->add_option("--dismiss", flags->dismiss, "dismiss it, saying why");
  uphold->excludes(dismiss);
  flags->server.Add(cmd, true);
  AddJsonFlag(cmd, ctx);
  AddFieldFlag(cmd, ctx);
  cmd->callback([flags, &ctx] {
    nlohmann::json body;
    if (!flags->uphold.empty()) {
      body = {{"decision", "uphold"}, {"reason", flags->uphold}};
    } else if (!flags->dismiss.empty()) {
      body = {{"decision", "dismiss"}, {"reason", flags->dismiss}};
    } else {
      return Fail(ctx, InputError("say --uphold REASON or --dismiss REASON"));
    }
    RunCall(
        ctx, flags->server,
        [&](Client& c) {
          return c.PostJson("/v1/objections/" + UrlEncode(flags->id) + "/ruling", body);
        },
        PrintObjection);
  });
}

}  // namespace dipr::cli
