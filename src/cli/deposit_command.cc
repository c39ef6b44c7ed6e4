// dipr deposit FILE --server URL [--token T] [--title T] [-o receipt.json] [--json]
// Fingerprints FILE here (only the digest leaves the machine), deposits it, saves the receipt.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "cli/common.h"
#include "cli/progress.h"
#include "fingerprint/fingerprint.h"
#include "verify/receipt.h"

namespace dipr::cli {

void AddDepositCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string file, title, out;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("deposit", "fingerprint a file and deposit its evidence");
  cmd->add_option("FILE", flags->file, "the dataset file")->required();
  flags->server.Add(cmd, true);
  cmd->add_option("--title", flags->title, "title of the deposit (default: the file name)");
  cmd->add_option("-o,--output", flags->out, "write the receipt here (default: stdout)");
  AddJsonFlag(cmd, ctx, "print the receipt as JSON on stdout, nothing else");
  cmd->callback([flags, &ctx] {
    auto client = flags->server.Connect();
    if (!client.ok()) return Fail(ctx, client.status());
    fingerprint::FingerprintOptions opts;
    Progress progress("fingerprinting");
    opts.progress = progress.Callback();
    auto fp = fingerprint::FingerprintFile(flags->file, opts);
    progress.Done();
    if (!fp.ok()) return Fail(ctx, InputError(fp.status(), ""));
    std::string title = flags->title.empty()
                            ? std::filesystem::path(flags->file).filename().string()
                            : flags->title;
    int status = 0;
    auto answer = client->PostJson(
        "/v1/deposits", {{"fingerprint", fingerprint::ToJson(*fp)}, {"title", title}}, &status);
    if (!answer.ok()) return Fail(ctx, answer.status());
    auto receipt = registry::Receipt::FromJson(*answer);
    if (!receipt.ok())
      return Fail(ctx, Internal("the server sent a bad receipt: " + receipt.status().message()));
    std::string text = answer->dump(2) + "\n";
    bool to_stdout = flags->out.empty() || flags->out == "-";
    if (ctx.json && !to_stdout) {
      return Fail(ctx, InputError("--json prints the receipt; leave out -o"));
    }
    if (Status st = WriteOutput(to_stdout ? "-" : flags->out, text); !st.ok()) {
      return Fail(ctx, st);
    }
    if (!ctx.json) {
      std::fprintf(stderr, "%s %s as log entry %llu%s\n",
                   status == 201 ? "deposited" : "already deposited", flags->file.c_str(),
                   static_cast<unsigned long long>(receipt->index),
                   to_stdout ? "" : ("; receipt in " + flags->out).c_str());
    }
  });
}

}  // namespace dipr::cli
