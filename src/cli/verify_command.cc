// dipr verify RECEIPT --key KEY_OR_FILE [--file FILE] [--json]
// Offline: checks the checkpoint's signature, the entry's inclusion proof and, with --file, that
// the file's fingerprint is the one the entry records. Exit 0 only when everything holds.
#include <iostream>

#include "cli/common.h"
#include "cli/progress.h"
#include "common/hex.h"
#include "common/json_parse.h"
#include "fingerprint/fingerprint.h"
#include "registry/deposit_events.h"
#include "server/data_dir.h"
#include "verify/event.h"
#include "verify/receipt.h"

namespace dipr::cli {
namespace {

struct Verified {
  registry::Event event;
  log::Checkpoint checkpoint;
  uint64_t index = 0;
  bool file_checked = false;
};

Result<Verified> VerifyReceiptFile(const std::string& receipt_path, const std::string& key_arg,
                                   const std::string& file) {
  ASSIGN_OR_RETURN(auto key, LoadVerifierKey(key_arg));
  auto read = server::ReadFile(receipt_path);
  if (!read.ok()) return InputError(read.status(), "");
  const std::string& text = *read;
  auto json = ParseJson(text);
  if (!json.ok()) return InvalidArgument(receipt_path + " is " + json.status().message());
  ASSIGN_OR_RETURN(auto receipt, registry::Receipt::FromJson(*json));
  Verified v;
  v.index = receipt.index;
  ASSIGN_OR_RETURN(v.checkpoint, registry::VerifyReceipt(receipt, key));
  auto event = registry::DecodeEntry(receipt.entry);
  if (!event.ok())
    return InvalidArgument("the entry is not a dipr event: " + event.status().message());
  v.event = std::move(event).value();
  if (!file.empty()) {
    if (v.event.type != registry::kDeposit) {
      return InvalidArgument("--file given, but the entry is a " + v.event.type +
                             ", not a deposit");
    }
    auto recorded =
        fingerprint::FingerprintFromJson(v.event.payload.value("fingerprint", nlohmann::json()));
    if (!recorded.ok()) return InvalidArgument("the deposit's fingerprint is malformed");
    fingerprint::FingerprintOptions opts;
    Progress progress("fingerprinting");
    opts.progress = progress.Callback();
    auto fp = fingerprint::FingerprintFile(file, opts);
    progress.Done();
    if (!fp.ok()) return InputError(fp.status(), "--file");
    if (fp->digest != recorded->digest || fp->size != recorded->size) {
      return InvalidArgument(file + " is not the deposited file: digest " + HexEncode(fp->digest) +
                             ", the entry records " + HexEncode(recorded->digest));
    }
    v.file_checked = true;
  }
  return v;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    std::string receipt, key, file;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("verify", "verify a deposit receipt offline");
  cmd->add_option("RECEIPT", flags->receipt, "receipt JSON file")->required();
  cmd->add_option("--key", flags->key, "the registry's verifier key, or a file holding it")
      ->required();
  cmd->add_option("--file", flags->file, "also check that this file is the deposited one");
  AddJsonFlag(cmd, ctx, "print the result as JSON");
  cmd->callback([flags, &ctx] {
    auto v = VerifyReceiptFile(flags->receipt, flags->key, flags->file);
    if (!v.ok()) {
      // An input that could not be used exits 2; anything else the receipt failed (1).
      return Fail(
          ctx, ExitCodeFor(v.status()) == 2 ? v.status() : InvalidArgument(v.status().message()));
    }
    std::string digest = v->event.payload.contains("fingerprint")
                             ? v->event.payload["fingerprint"].value("digest", "")
                             : "";
    if (ctx.json) {
      std::cout << nlohmann::json{{"ok", true},
                                  {"index", v->index},
                                  {"type", v->event.type},
                                  {"time", FormatRfc3339(v->event.time)},
                                  {"actor", v->event.actor},
                                  {"log", v->checkpoint.origin},
                                  {"tree_size", v->checkpoint.size},
                                  {"file_checked", v->file_checked}}
                       .dump()
                << "\n";
      return;
    }
    std::cout << "OK: entry " << v->index << " (" << v->event.type << " by " << v->event.actor
              << " at " << FormatRfc3339(v->event.time) << ") is in the log "
              << v->checkpoint.origin << " of size " << v->checkpoint.size << "\n";
    if (!digest.empty()) std::cout << "    digest " << digest << "\n";
    if (v->file_checked) std::cout << "    " << flags->file << " matches the deposited digest\n";
  });
}

}  // namespace dipr::cli
