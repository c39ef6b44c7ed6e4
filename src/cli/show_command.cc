// dipr show NUMBER | APPLICATION_ID --server URL [--json]
// The public record: GET /v1/registrations/{number}, or for an application published for notice
// (an id a…) GET /v1/notices/{id}. No token.
#include "cli/common.h"
#include "cli/register_view.h"
#include "common/url.h"

namespace dipr::cli {

void AddShowCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string what;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("show", "a registration's public record, with its history");
  cmd->add_option("NUMBER", flags->what,
                  "a registration number, or the id (a…) of an application published for notice")
      ->required();
  flags->server.Add(cmd, false);
  AddJsonFlag(cmd, ctx);
  AddFieldFlag(cmd, ctx);
  cmd->callback([flags, &ctx] {
    // Registration numbers are digits (FORMATS.md §2.3); application ids start with a letter.
    const bool id =
        !flags->what.empty() && !std::isdigit(static_cast<unsigned char>(flags->what[0]));
    std::string target = (id ? "/v1/notices/" : "/v1/registrations/") + UrlEncode(flags->what);
    RunCall(
        ctx, flags->server, [&](Client& c) { return c.GetJson(target); }, PrintRecord);
  });
}

}  // namespace dipr::cli
