// dipr user create|list|show|disable|enable|rotate-token: accounts, through the server's API
// (docs/API.md, "Accounts"). Human output by default, the server's JSON with --json; exit codes and
// errors as every command's (cli/common.h).
#include <fcntl.h>
#include <unistd.h>

#include <iostream>

#include "cli/common.h"
#include "server/data_dir.h"

namespace dipr::cli {
namespace {

using nlohmann::json;

struct Flags {
  ServerFlags server;
  std::string name, role, id, reason, expires_at, token_file;
  int64_t page = 1, grace_seconds = -1, ttl_seconds = -1;
};

std::string Expiry(const json& v) { return v.is_string() ? v.get<std::string>() : "never"; }

void PrintAccount(const json& a) {
  std::cout << a.value("id", "") << "  " << a.value("role", "") << "  "
            << (a.value("disabled", false) ? "DISABLED  " : "") << a.value("name", "") << "\n";
}

// Writes the token to path as admin.token is written: a temporary file, fsync, rename, and the
// directory synced, so a crash leaves the old token or the new one, never a torn file.
Status WriteTokenFile(const std::string& path, const std::string& token) {
  RETURN_IF_ERROR(server::WriteFileAtomic(path, token + "\n", 0600));
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (dir.empty()) dir = "/";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Internal("cannot open " + dir + " to sync it");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Internal("cannot sync " + dir);
  return Status::Ok();
}

}  // namespace

void AddUserCommand(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<Flags>();
  auto* user = app.add_subcommand("user",
                                  "manage accounts (an admin's token, except rotate-token "
                                  "of one's own)");
  user->require_subcommand(1);
  auto common = [flags, &ctx](CLI::App* cmd) {
    flags->server.Add(cmd, true);
    AddJsonFlag(cmd, ctx, "print the server's answer as JSON");
    AddFieldFlag(cmd, ctx);
  };

  auto* create = user->add_subcommand("create", "create an account");
  create->add_option("--name", flags->name, "display name of the person or organisation")
      ->required();
  create->add_option("--role", flags->role, "holder, examiner, finance or admin")->required();
  common(create);
  create->callback([flags, &ctx] {
    RunCall(
        ctx, flags->server,
        [&](Client& c) {
          return c.PostJson("/v1/users", {{"name", flags->name}, {"role", flags->role}});
        },
        [](const json& answer) {
          std::cout << "created " << answer.value("role", "") << " account "
                    << answer.value("id", "") << " (" << answer.value("name", "") << ")\n"
                    << "token: " << answer.value("token", "") << "\n"
                    << "(the token is shown only once; keep it secret)\n";
        });
  });

  auto* list = user->add_subcommand("list", "list accounts, oldest first, 50 a page");
  list->add_option("--role", flags->role,
                   "only this role (holder, examiner, finance, admin, "
                   "objector)");
  list->add_option("--page", flags->page, "page, from 1")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  common(list);
  list->callback([flags, &ctx] {
    std::string target = "/v1/users?page=" + std::to_string(flags->page);
    if (!flags->role.empty()) target += "&role=" + flags->role;
    RunCall(
        ctx, flags->server, [&](Client& c) { return c.GetJson(target); },
        [](const json& answer) {
          for (const auto& a : answer["items"]) PrintAccount(a);
          if (answer.contains("next_page")) {
            std::cout << "(more: --page " << answer["next_page"].get<int64_t>() << ")\n";
          }
        });
  });

  auto* show = user->add_subcommand("show", "show an account and its tokens' expiries");
  show->add_option("ID", flags->id, "account id (u…)")->required();
  common(show);
  show->callback([flags, &ctx] {
    RunCall(
        ctx, flags->server, [&](Client& c) { return c.GetJson("/v1/users/" + flags->id); },
        [](const json& answer) {
          PrintAccount(answer);
          std::cout << "created " << answer.value("created_at", "") << " (log entry "
                    << answer.value("log_index", 0) << ")\n";
          for (const auto& t : answer["tokens"]) {
            std::cout << "token: expires " << Expiry(t["expires_at"])
                      << (t.value("expired", false) ? " (expired)" : "") << "\n";
          }
        });
  });

  for (bool disable : {true, false}) {
    auto* cmd = user->add_subcommand(disable ? "disable" : "enable",
                                     disable ? "disable an account: its tokens stop working at once"
                                             : "enable a disabled account again");
    cmd->add_option("ID", flags->id, "account id (u…)")->required();
    cmd->add_option("--reason", flags->reason, "why (logged in the public log)")->required();
    common(cmd);
    cmd->callback([flags, &ctx, disable] {
      RunCall(
          ctx, flags->server,
          [&](Client& c) {
            return c.PostJson("/v1/users/" + flags->id + (disable ? "/disable" : "/enable"),
                              {{"reason", flags->reason}});
          },
          [&](const json& answer) {
            std::cout << (disable ? "disabled " : "enabled ") << flags->id << " (log entry "
                      << answer.value("event_index", 0) << ")\n";
          });
    });
  }

  auto* rotate = user->add_subcommand(
      "rotate-token",
      "give an account a new token; the old one is revoked, or kept for a grace "
      "period");
  rotate->add_option("ID", flags->id, "account id (u…)")->required();
  rotate->add_option("--grace-seconds", flags->grace_seconds,
                     "the old token keeps working this long (default: revoked at once)");
  auto* ttl = rotate->add_option("--ttl-seconds", flags->ttl_seconds,
                                 "the new token expires after this long (default: never)");
  rotate
      ->add_option("--expires-at", flags->expires_at,
                   "the new token expires then (RFC 3339, e.g. 2027-06-30T00:00:00Z)")
      ->excludes(ttl);
  rotate->add_option("--token-file", flags->token_file,
                     "write the new token to this file (mode 0600, replaced atomically; e.g. "
                     "DATA/admin.token) instead of printing it");
  common(rotate);
  rotate->callback([flags, &ctx] {
    auto client = flags->server.Connect();
    if (!client.ok()) return Fail(ctx, client.status());
    json body = json::object();
    if (flags->grace_seconds >= 0) body["grace_seconds"] = flags->grace_seconds;
    if (flags->ttl_seconds >= 0) body["ttl_seconds"] = flags->ttl_seconds;
    if (!flags->expires_at.empty()) body["expires_at"] = flags->expires_at;
    auto answer = client->PostJson("/v1/users/" + flags->id + "/tokens", body);
    if (!answer.ok()) return Fail(ctx, answer.status());
    std::string token = answer->value("token", "");
    if (!flags->token_file.empty()) {
      Status st = WriteTokenFile(flags->token_file, token);
      if (!st.ok()) {
        // The old token may be revoked already: the new one must not be lost.
        std::cerr << "dipr: the new token is " << token << "\n";
        return Fail(ctx, InputError(st, "the token file"));
      }
      answer->erase("token");
      (*answer)["token_file"] = flags->token_file;
    }
    Print(ctx, *answer, [&](const json& a) {
      std::cout << "new token for " << flags->id << " (expires " << Expiry(a["expires_at"])
                << ", log entry " << a.value("log_index", 0) << ")\n";
      if (flags->token_file.empty()) {
        std::cout << "token: " << token << "\n(the token is shown only once; keep it secret)\n";
      } else {
        std::cout << "written to " << flags->token_file << "\n";
      }
    });
  });
}

}  // namespace dipr::cli
