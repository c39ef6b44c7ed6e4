// dipr examine ID --accept | --correct REASON | --reject REASON --server URL --token EXAMINER
// POST /v1/applications/{id}/examination: accept starts the public notice; correct asks the
// holder to correct (the reason is the holder's, never published); reject refuses.
#include <iostream>

#include "cli/common.h"
#include "cli/register_view.h"
#include "common/url.h"

namespace dipr::cli {

void AddExamineCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string id, correct, reject;
    bool accept = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("examine", "decide on a submitted application (examiner token)");
  cmd->add_option("ID", flags->id, "the application's id")->required();
  auto* accept = cmd->add_flag("--accept", flags->accept, "accept: the public notice starts");
  auto* correct = cmd->add_option("--correct", flags->correct, "ask for a correction, saying why");
  auto* reject = cmd->add_option("--reject", flags->reject, "reject, saying why");
  accept->excludes(correct, reject);
  correct->excludes(reject);
  flags->server.Add(cmd, true);
  AddJsonFlag(cmd, ctx);
  AddFieldFlag(cmd, ctx);
  cmd->callback([flags, &ctx] {
    nlohmann::json body;
    if (flags->accept) {
      body = {{"decision", "accept"}};
    } else if (!flags->correct.empty()) {
      body = {{"decision", "correct"}, {"reason", flags->correct}};
    } else if (!flags->reject.empty()) {
      body = {{"decision", "reject"}, {"reason", flags->reject}};
    } else {
      return Fail(ctx, InputError("say --accept, --correct REASON or --reject REASON"));
    }
    RunCall(
        ctx, flags->server,
        [&](Client& c) {
          return c.PostJson("/v1/applications/" + UrlEncode(flags->id) + "/examination", body);
        },
        [](const nlohmann::json& a) {
          std::cout << "application " << Text(a, "id") << " is " << Text(a, "status");
          if (!Text(a, "notice_ends_at").empty()) {
            std::cout << "; the notice ends at " << Text(a, "notice_ends_at");
          }
          if (!Text(a, "correction_due").empty()) {
            std::cout << "; a correction is due by " << Text(a, "correction_due");
          }
          std::cout << " (log entry " << Text(a, "event_index") << ")\n";
        });
  });
}

}  // namespace dipr::cli
