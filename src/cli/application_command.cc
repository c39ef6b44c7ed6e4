// dipr application show ID | list [--status S] [--page P] | update ID FILE.json | submit ID |
//                  withdraw ID   --server URL --token T [--json]
// A holder's own applications (an examiner's or admin's work queue for `list --status`):
// GET /v1/applications…, PUT /v1/applications/{id}, POST …/submit and …/withdrawal.
#include <iostream>

#include "cli/common.h"
#include "cli/register_view.h"
#include "common/url.h"

namespace dipr::cli {

void AddApplicationCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string id, file, status;
    uint64_t page = 1;
  };
  auto flags = std::make_shared<Flags>();
  auto* group = app.add_subcommand("application", "a holder's applications, an examiner's queue");
  group->require_subcommand(1);
  auto path = [flags] { return "/v1/applications/" + UrlEncode(flags->id); };

  auto* show = group->add_subcommand("show", "an application with its history and objections");
  show->add_option("ID", flags->id, "the application's id (a…)")->required();
  flags->server.Add(show, true);
  AddJsonFlag(show, ctx);
  AddFieldFlag(show, ctx);
  show->callback([flags, &ctx, path] {
    RunCall(
        ctx, flags->server, [&](Client& c) { return c.GetJson(path()); }, PrintApplication);
  });

  auto* list = group->add_subcommand(
      "list", "a holder's applications, latest first; for examiners the queue in one status");
  list->add_option("--status", flags->status,
                   "examiners and admins: the queue of this status (the server's default: "
                   "submitted)");
  list->add_option("--page", flags->page, "page, 20 items each")->check(CLI::Range(1, 5000));
  flags->server.Add(list, true);
  AddJsonFlag(list, ctx);
  AddFieldFlag(list, ctx);
  list->callback([flags, &ctx] {
    std::string target = "/v1/applications?page=" + std::to_string(flags->page);
    if (!flags->status.empty()) target += "&status=" + UrlEncode(flags->status);
    RunCall(
        ctx, flags->server, [&](Client& c) { return c.GetJson(target); }, PrintListing);
  });

  auto* update = group->add_subcommand(
      "update", "replace a draft's or a correction's fields with FILE.json's (the whole body)");
  update->add_option("ID", flags->id, "the application's id")->required();
  update->add_option("FILE", flags->file, "the application as JSON; - for stdin")->required();
  flags->server.Add(update, true);
  AddJsonFlag(update, ctx);
  AddFieldFlag(update, ctx);
  update->callback([flags, &ctx, path] {
    auto body = ReadJsonInput(flags->file);
    if (!body.ok()) return Fail(ctx, body.status());
    RunCall(
        ctx, flags->server, [&](Client& c) { return c.DoJson("PUT", path(), body->dump()); },
        PrintApplication);
  });

  // The two writes without a body: the application as it is after them.
  auto action = [&](const char* name, const char* help, const char* route) {
    auto* cmd = group->add_subcommand(name, help);
    cmd->add_option("ID", flags->id, "the application's id")->required();
    flags->server.Add(cmd, true);
    AddJsonFlag(cmd, ctx);
    AddFieldFlag(cmd, ctx);
    cmd->callback([flags, &ctx, path, route] {
      RunCall(
          ctx, flags->server,
          [&](Client& c) { return c.PostJson(path() + route, nlohmann::json::object()); },
          [](const nlohmann::json& a) {
            std::cout << "application " << Text(a, "id") << " is " << Text(a, "status")
                      << " (log entry " << Text(a, "event_index") << ")\n";
          });
    });
  };
  action("submit", "submit a draft or a correction for examination", "/submit");
  action("withdraw", "withdraw an application not yet in notice", "/withdrawal");
}

}  // namespace dipr::cli
