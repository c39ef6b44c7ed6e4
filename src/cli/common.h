// Helpers shared by the subcommands: reporting errors, server options, key loading.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cli/client.h"
#include "cli/command.h"
#include "common/status.h"
#include "crypto/note.h"

namespace dipr::cli {

// Prints "dipr: <message>" on stderr and sets the exit code for the status.
void Fail(Context& ctx, const Status& st);
// Exit codes: 1 for a refusal or a failed verification, 2 for usage, I/O and server trouble.
int ExitCodeFor(const Status& st);

// --server and --token, defaulting to $DIPR_SERVER and $DIPR_TOKEN.
struct ServerFlags {
  std::string server;
  std::string token;
  void Add(CLI::App* cmd, bool need_token);
  Result<Client> Connect() const;
};

// What the CLI reads whole into memory is capped (common/read_file.h): a receipt and a key are
// kilobytes (server::kMaxSmallFile), a certificate, as JSON or as a PDF carrying it, a few
// hundred kilobytes.
inline constexpr size_t kMaxCertificateBytes = 16 << 20;

// A verifier key given inline ("name+id+base64") or as a file holding it.
Result<crypto::NoteVerifier> LoadVerifierKey(const std::string& key_or_file);

// Writes data to path, or to stdout for "-".
Status WriteOutput(const std::string& path, const std::string& data);

}  // namespace dipr::cli
