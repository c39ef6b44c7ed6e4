// dipr log get INDEX --server URL [--json]
// One log entry (GET /log/entries?start=INDEX&end=INDEX+1) decoded: its type, time, actor and
// payload. The entry is shown as served, not proved: `dipr verify` checks a receipt's entry
// against a signed checkpoint, `dipr audit` the whole log. No token.
#include <iostream>

#include "cli/common.h"
#include "cli/register_view.h"
#include "common/base64.h"
#include "common/time.h"
#include "verify/event.h"

namespace dipr::cli {
namespace {

Result<nlohmann::json> GetEntry(Client& c, uint64_t index) {
  ASSIGN_OR_RETURN(nlohmann::json page, c.GetJson("/log/entries?start=" + std::to_string(index) +
                                                  "&end=" + std::to_string(index + 1)));
  if (!page.contains("entries") || !page["entries"].is_array() || page["entries"].size() != 1 ||
      !page["entries"][0].contains("data") || !page["entries"][0]["data"].is_string()) {
    return Internal("the server's /log/entries answer has no entry " + std::to_string(index));
  }
  const std::string data = page["entries"][0]["data"];
  auto bytes = Base64Decode(data);
  if (!bytes.ok()) return DataLoss("entry " + std::to_string(index) + " is not base64");
  auto event = registry::DecodeEntry(*bytes);
  if (!event.ok()) {
    return DataLoss("entry " + std::to_string(index) +
                    " is not a dipr event: " + event.status().message());
  }
  return nlohmann::json{
      {"index", index},        {"type", event->type},       {"time", FormatRfc3339(event->time)},
      {"actor", event->actor}, {"payload", event->payload}, {"data", data}};
}

}  // namespace

void AddLogCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    uint64_t index = 0;
  };
  auto flags = std::make_shared<Flags>();
  auto* group = app.add_subcommand("log", "read the public log");
  group->require_subcommand(1);
  auto* get = group->add_subcommand("get", "one entry, decoded (as served; not proved)");
  get->add_option("INDEX", flags->index, "the entry's index (0 is the first)")->required();
  flags->server.Add(get, false);
  AddJsonFlag(get, ctx, "print {index, type, time, actor, payload, data (base64)}");
  AddFieldFlag(get, ctx);
  get->callback([flags, &ctx] {
    RunCall(
        ctx, flags->server, [&](Client& c) { return GetEntry(c, flags->index); }, PrintEntry);
  });
}

}  // namespace dipr::cli
