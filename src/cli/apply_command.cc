// dipr apply FILE.json [--submit] --server URL --token HOLDER_TOKEN [--json]
// POST /v1/applications with the file's fields (docs/API.md; docs/examples/application.json), and
// with --submit POST …/submit right after: the application goes to the examiners' queue.
#include <iostream>

#include "cli/common.h"
#include "cli/register_view.h"
#include "common/url.h"

namespace dipr::cli {

void AddApplyCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string file;
    bool submit = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("apply", "apply to register a dataset (holder token)");
  cmd->add_option("FILE", flags->file, "the application as JSON (docs/examples/application.json); - for stdin")
      ->required();
  cmd->add_flag("--submit", flags->submit, "submit it for examination at once");
  flags->server.Add(cmd, true);
  AddJsonFlag(cmd, ctx, "print the application as the server answers it");
  cmd->callback([flags, &ctx] {
    auto body = ReadJsonInput(flags->file);
    if (!body.ok()) return Fail(ctx, body.status());
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
