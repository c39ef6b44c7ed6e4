// dipr check --server URL --key KEY_OR_FILE [--since CHECKPOINT_FILE] [--save CHECKPOINT_FILE]
//            [--json]
// For monitors, witnesses and operators who restored a backup: fetches the registry's current
// checkpoint and verifies its signature; with --since, verifies that an older checkpoint the
// registry signed is consistent with it (the log only grew: nothing was rewritten or rolled
// back). --save keeps the current checkpoint for the next run, only when every check held, so
// `dipr check --since last.cp --save last.cp` from cron keeps failing until someone looks.
// Exit 0: all holds; 1: it does not (one line says why); 2: usage, unreadable files, no server.
#include <fmt/format.h>

#include <iostream>

#include "cli/common.h"
#include "common/base64.h"
#include "server/data_dir.h"
#include "verify/checkpoint.h"
#include "verify/receipt.h"
#include "verify/verify.h"

namespace dipr::cli {
namespace {

struct Checked {
  log::Checkpoint current;
  std::string current_note;              // the signed checkpoint as served
  std::optional<log::Checkpoint> since;  // the older checkpoint, with --since
};

// The consistency proof from size `from` to size `to`, as served.
Result<std::vector<crypto::Hash>> FetchConsistencyProof(Client& client, uint64_t from,
                                                        uint64_t to) {
  auto answer = client.GetJson("/log/proof/consistency?from=" + std::to_string(from) +
                               "&to=" + std::to_string(to));
  if (!answer.ok()) {
    return Status(answer.status().code(),
                  fmt::format("cannot get the consistency proof from size {} to {}: {}", from, to,
                              answer.status().message()));
  }
  // Receipt::FromJson reads base64 hash arrays; only the proof field matters here.
  auto parsed = registry::Receipt::FromJson({{"index", 0},
                                             {"entry", ""},
                                             {"checkpoint", ""},
                                             {"proof", answer->value("proof", nlohmann::json())}});
  if (!parsed.ok()) {
    return InvalidArgument("the server's consistency proof is malformed: " +
                           parsed.status().message());
  }
  return std::move(parsed->proof);
}

Result<Checked> Check(const ServerFlags& server, const std::string& key_arg,
                      const std::string& since_path) {
  auto key = LoadVerifierKey(key_arg);
  if (!key.ok()) return InputError(key.status().message());
  std::string since_note;
  if (!since_path.empty()) {
    auto text = server::ReadFile(since_path);
    if (!text.ok()) {
      return InputError("cannot read --since " + since_path + ": " + text.status().message());
    }
    since_note = std::move(text).value();
  }
  ASSIGN_OR_RETURN(Client client, server.Connect());

  ASSIGN_OR_RETURN(HttpResult got, client.Get("/log/checkpoint"));
  if (got.status != 200) {
    Status st = StatusFromHttp(got);
    return InputError("cannot get the checkpoint: " + st.message());
  }
  Checked c;
  c.current_note = std::move(got.body);
  auto current = log::OpenCheckpoint(c.current_note, *key);
  if (!current.ok()) {
    return InvalidArgument("the server's checkpoint does not verify with the key " + key->name() +
                           ": " + current.status().message());
  }
  c.current = std::move(current).value();
  if (since_path.empty()) return c;

  auto since = log::OpenCheckpoint(since_note, *key);
  if (!since.ok()) {
    return InvalidArgument(since_path + " is not a checkpoint signed with the key " + key->name() +
                           ": " + since.status().message());
  }
  c.since = std::move(since).value();
  const uint64_t m = c.since->size, n = c.current.size;
  if (m > n) {
    return InvalidArgument(fmt::format(
        "the registry's log is shorter than a checkpoint it signed — rolled back? (it serves size "
        "{}; {} is signed at size {})",
        n, since_path, m));
  }
  if (m == n) {
    if (c.since->root != c.current.root) {
      return InvalidArgument(fmt::format(
          "the registry signed two different trees of size {} ({} and the current checkpoint): "
          "it equivocated",
          n, since_path));
    }
    return c;
  }
  if (m == 0) return c;  // every tree extends the empty one
  ASSIGN_OR_RETURN(auto proof, FetchConsistencyProof(client, m, n));
  Status st = log::VerifyConsistency(m, n, proof, c.since->root, c.current.root);
  if (!st.ok()) {
    return InvalidArgument(
        fmt::format("the registry's log of size {} is not consistent with {} "
                    "(size {}): {}",
                    n, since_path, m, st.message()));
  }
  return c;
}

}  // namespace

void AddCheckCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string key, since, save;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "check", "verify the registry's current checkpoint, and that it extends an older one");
  flags->server.Add(cmd, false);
  cmd->add_option("--key", flags->key, "the registry's verifier key, or a file holding it")
      ->required();
  cmd->add_option("--since", flags->since,
                  "a checkpoint the registry signed earlier (file): check the log extends it");
  cmd->add_option("--save", flags->save,
                  "write the current checkpoint to this file once every check held");
  AddJsonFlag(cmd, ctx, "print the result as JSON");
  cmd->callback([flags, &ctx] {
    if (ctx.json && flags->save == "-") {
      return Fail(ctx, InputError("--json and --save - would both write to stdout"));
    }
    auto fail = [&](const Status& st) { Fail(ctx, st); };
    auto c = Check(flags->server, flags->key, flags->since);
    if (!c.ok()) return fail(c.status());
    if (!flags->save.empty()) {
      Status st = WriteOutput(flags->save, c->current_note);
      if (!st.ok()) return fail(InputError("cannot save the checkpoint: " + st.message()));
    }
    const log::Checkpoint& cur = c->current;
    if (ctx.json) {
      nlohmann::json out = {{"ok", true},
                            {"log", cur.origin},
                            {"size", cur.size},
                            {"root", Base64Encode({cur.root.data(), cur.root.size()})}};
      if (c->since) out["since"] = {{"file", flags->since}, {"size", c->since->size}};
      if (!flags->save.empty()) out["saved"] = flags->save;
      std::cout << out.dump() << "\n";
      return;
    }
    if (flags->save == "-") return;  // the checkpoint is the output
    std::cout << "OK: the log " << cur.origin << " is at size " << cur.size << ", root "
              << Base64Encode({cur.root.data(), cur.root.size()}) << ", signed\n";
    if (c->since) {
      std::cout << "    it extends " << flags->since << " (size " << c->since->size << ")\n";
    }
    if (!flags->save.empty()) std::cout << "    saved to " << flags->save << "\n";
  });
}

}  // namespace dipr::cli
