// dipr search [TEXT] [--industry X] [--holder TEXT] [--status S1,S2] [--page P] [--notices]
// The public register: GET /v1/registrations?… (or /v1/notices?… with --notices). No token.
#include "cli/common.h"
#include "cli/register_view.h"
#include "common/url.h"

namespace dipr::cli {

void AddSearchCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string text, industry, holder, status;
    uint64_t page = 1;
    bool notices = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("search", "search the public register");
  cmd->add_option("TEXT", flags->text,
                  "a substring of the public text, or a whole registration number");
  cmd->add_option("--industry", flags->industry, "GB/T 4754 section letter, A to T");
  cmd->add_option("--holder", flags->holder, "a substring of a holder's name or identifier");
  cmd->add_option("--status", flags->status,
                  "registered, expired, cancelled, revoked, in_notice, refused, comma-separated "
                  "(the server's default: the first four)");
  cmd->add_option("--page", flags->page, "page, 20 items each")->check(CLI::Range(1, 5000));
  cmd->add_flag("--notices", flags->notices, "the applications in public notice instead");
  flags->server.Add(cmd, false);
  AddJsonFlag(cmd, ctx);
  AddFieldFlag(cmd, ctx);
  cmd->callback([flags, &ctx] {
    if (flags->notices && !flags->status.empty()) {
      return Fail(ctx, InputError("--notices lists one status; leave out --status"));
    }
    std::string target = std::string(flags->notices ? "/v1/notices" : "/v1/registrations") +
                         "?page=" + std::to_string(flags->page);
    auto add = [&](const char* key, const std::string& value) {
      if (!value.empty()) target += std::string("&") + key + "=" + UrlEncode(value);
    };
    add("q", flags->text);
    add("industry", flags->industry);
    add("holder", flags->holder);
    add("status", flags->status);
    RunCall(
        ctx, flags->server, [&](Client& c) { return c.GetJson(target); }, PrintListing);
  });
}

}  // namespace dipr::cli
