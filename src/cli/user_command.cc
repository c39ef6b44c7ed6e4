// dipr user create --name NAME --role ROLE --server URL --token ADMIN_TOKEN [--json] [--field K]
#include <iostream>

#include "cli/common.h"

namespace dipr::cli {

void AddUserCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string name, role;
  };
  auto flags = std::make_shared<Flags>();
  auto* user = app.add_subcommand("user", "manage accounts");
  user->require_subcommand(1);
  auto* create = user->add_subcommand("create", "create an account (admin token required)");
  create->add_option("--name", flags->name, "display name of the person or organisation")
      ->required();
  create->add_option("--role", flags->role, "holder, examiner, finance or admin")->required();
  flags->server.Add(create, true);
  AddJsonFlag(create, ctx);
  AddFieldFlag(create, ctx);
  create->callback([flags, &ctx] {
    RunCall(
        ctx, flags->server,
        [&](Client& c) {
          return c.PostJson("/v1/users", {{"name", flags->name}, {"role", flags->role}});
        },
        [](const nlohmann::json& answer) {
          std::cout << "created " << answer.value("role", "") << " account "
                    << answer.value("id", "") << " (" << answer.value("name", "") << ")\n"
                    << "token: " << answer.value("token", "") << "\n"
                    << "(the token is shown only once; keep it secret)\n";
        });
  });
}

}  // namespace dipr::cli
