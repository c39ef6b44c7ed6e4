// `dipr fingerprint FILE [--json] [--threads N]`: computes a dataset's fingerprint locally. The
// file is only read; nothing is sent anywhere.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/common.h"
#include "cli/progress.h"
#include "common/hex.h"
#include "fingerprint/fingerprint.h"

namespace dipr::cli {
namespace {

struct Args {
  std::string path;
  unsigned threads = 0;
};

void Run(const Args& args, Context& ctx) {
  fingerprint::FingerprintOptions opts;
  opts.threads = args.threads;

  Progress progress("fingerprinting");
  opts.progress = progress.Callback();
  Result<fingerprint::Fingerprint> fp = fingerprint::FingerprintFile(args.path, opts);
  progress.Done();
  if (!fp.ok()) return Fail(ctx, InputError(fp.status(), ""));

  if (ctx.json) {
    fmt::print("{}\n", fingerprint::ToJson(*fp).dump());
    return;
  }
  fmt::print("file:       {}\n", args.path);
  fmt::print("size:       {} ({} bytes)\n", HumanBytes(fp->size), fp->size);
  fmt::print("chunks:     {} of {}\n", fp->chunks, HumanBytes(fp->chunk_size));
  fmt::print("algorithm:  {}\n", fp->algorithm);
  fmt::print("digest:     {}\n", HexEncode(fp->digest));
}

}  // namespace

void AddFingerprintCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "fingerprint", "Compute a file's fingerprint locally (the data never leaves this machine)");
  cmd->add_option("FILE", args->path, "File to fingerprint")->required();
  AddJsonFlag(cmd, ctx, "Print the fingerprint as one line of JSON");
  cmd->add_option("--threads", args->threads, "Worker threads (0 = one per CPU)")
      ->check(CLI::Range(0u, 1024u));
  cmd->callback([args, &ctx] { Run(*args, ctx); });
}

}  // namespace dipr::cli
