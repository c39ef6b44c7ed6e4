// dipr settings show [--server URL] [--json]
// dipr settings set KEY=VALUE... --server URL --token ADMIN_TOKEN [--json]
// The registrar's settings as logged (GET /v1/settings), and a deliberate change of some of them
// (PUT /v1/settings): one registrar.settings event in the log, in force from then on. Keys:
// registrar_code, registrar_name, public_url, notice_period, correction_period, validity,
// renewal_window, renewal_grace, time_zone, and calendar=FILE (a calendar file,
// docs/CALENDAR.md, sent as its JSON).
#include <fmt/format.h>

#include <iostream>

#include "cli/common.h"
#include "common/json_parse.h"
#include "common/read_file.h"

namespace dipr::cli {
namespace {

using nlohmann::json;

constexpr size_t kMaxCalendarFileBytes = 64 * 1024;  // what one log entry holds

void Print(const json& s) {
  for (const auto& [k, v] : s.items()) {
    if (k == "calendar") {
      std::cout << fmt::format(
          "{:18} {} ({} years from {}), sha256 {}\n", k, v.value("name", ""),
          v.contains("years") ? v["years"].size() : 0,
          v.contains("years") && !v["years"].empty() ? v["years"][0].dump() : "-",
          s.value("calendar_sha256", ""));
    } else if (k != "calendar_sha256") {
      std::cout << fmt::format("{:18} {}\n", k, v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
}

// KEY=VALUE pairs as the JSON body of PUT /v1/settings.
Result<json> ChangesOf(const std::vector<std::string>& pairs) {
  json body = json::object();
  for (const auto& p : pairs) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InputError(fmt::format("\"{}\" is not KEY=VALUE", p));
    }
    std::string key = p.substr(0, eq), value = p.substr(eq + 1);
    if (body.contains(key)) {
      return InputError(fmt::format("{} is given twice", key));
    }
    if (key == "calendar") {
      auto text = ReadFileUpTo(value, kMaxCalendarFileBytes);
      if (!text.ok()) {
        return InputError(text.status(), "calendar=" + value);
      }
      auto j = ParseJson(*text);
      if (!j.ok()) {
        return InputError(fmt::format("calendar={}: {}", value, j.status().message()));
      }
      body[key] = std::move(j).value();
    } else {
      body[key] = value;
    }
  }
  return body;
}

}  // namespace

void AddSettingsCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::vector<std::string> pairs;
  };
  auto flags = std::make_shared<Flags>();
  auto* settings = app.add_subcommand("settings", "the registrar's logged settings");
  settings->require_subcommand(1);

  auto* show = settings->add_subcommand("show", "print the settings in force");
  flags->server.Add(show, false);
  AddJsonFlag(show, ctx);
  show->callback([flags, &ctx] {
    auto client = flags->server.Connect();
    if (!client.ok()) return Fail(ctx, client.status());
    auto answer = client->GetJson("/v1/settings");
    if (!answer.ok()) return Fail(ctx, answer.status());
    if (ctx.json) {
      std::cout << answer->dump() << "\n";
      return;
    }
    Print(*answer);
  });

  auto* set = settings->add_subcommand(
      "set", "change settings (admin token required): KEY=VALUE..., calendar=FILE");
  set->add_option("changes", flags->pairs, "KEY=VALUE, e.g. notice_period=15wd")->required();
  flags->server.Add(set, true);
  AddJsonFlag(set, ctx);
  set->callback([flags, &ctx] {
    auto body = ChangesOf(flags->pairs);
    if (!body.ok()) return Fail(ctx, body.status());
    auto client = flags->server.Connect();
    if (!client.ok()) return Fail(ctx, client.status());
    auto r = client->Do("PUT", "/v1/settings", body->dump());
    if (!r.ok()) return Fail(ctx, r.status());
    if (r->status != 200) return Fail(ctx, StatusFromHttp(*r));
    auto parsed = ParseJson(r->body);
    if (!parsed.ok())
      return Fail(ctx, Internal("the server's answer: " + parsed.status().message()));
    const json& answer = *parsed;
    if (ctx.json) {
      std::cout << answer.dump() << "\n";
      return;
    }
    std::cout << "settings changed in log entry " << answer.value("event_index", 0) << ":\n";
    Print(answer);
  });
}

}  // namespace dipr::cli
