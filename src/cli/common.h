// The conventions every subcommand shares, in one place (docs/CLI.md): the server options, --json,
// how an error is printed, and the exit codes.
//
// Exit codes: 0 success; 1 the server refused (any 4xx answer: a bad field, 401, 403, 404, 409,
// 413) or a verification failed (a receipt, a certificate, a checkpoint, an audit); 2 a usage
// error, an input that cannot be read or used (a missing file, a bad key, a malformed --server),
// a server that cannot be reached or spoken to (connection refused, TLS verification failed,
// 5xx, an answer that is not dipr's), or a bug.
//
// Errors: one line "dipr: REASON" on stderr, always. With --json, also one object on stdout, the
// same shape as the server's error bodies plus the outcome:
//   {"ok":false,"error":{"code":"not_found","message":"server: no registration …"},"exit_code":1}
// so a script reading stdout always gets exactly one JSON value.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "cli/client.h"
#include "cli/command.h"
#include "common/status.h"
#include "crypto/note.h"

namespace dipr::cli {

// What the user gave cannot be used, or the server cannot be talked to: exit 2. (Coded
// kUnavailable: the codes of a server's 4xx answers all exit 1.)
Status InputError(std::string message);
// The same for a Status that came from reading a local input (a file, a key): whatever its code,
// the user's input is at fault, not a server.
Status InputError(const Status& st, const std::string& what);

int ExitCodeFor(const Status& st);

// Prints the error (above) and sets the exit code for the status.
void Fail(Context& ctx, const Status& st);
// For a check whose result was printed already (its --json object says "ok":false and what
// failed): the line on stderr and the exit code only.
void FailAfterResult(Context& ctx, const Status& st);

// --json on cmd, into ctx.json (one flag per command; only one command runs).
void AddJsonFlag(CLI::App* cmd, Context& ctx, const std::string& what = "print the answer as JSON");

// --field KEY on cmd, into ctx.field, for commands whose answer goes through Print: only that
// key's value is printed (a string as it is), for scripts: APP=$(dipr apply … --field id).
void AddFieldFlag(CLI::App* cmd, Context& ctx);

// With --field the key's value (exit 2 if the answer has none); with --json the value on stdout
// (one line); otherwise human(value).
void Print(Context& ctx, const nlohmann::json& value,
           const std::function<void(const nlohmann::json&)>& human);

// --server, --token and --ca, defaulting to $DIPR_SERVER, $DIPR_TOKEN and $DIPR_CA.
struct ServerFlags {
  std::string server;
  std::string token;
  std::string ca;
  void Add(CLI::App* cmd, bool need_token);
  ClientOptions options() const { return {ca}; }
  // A missing or malformed --server or an unreadable --ca is an InputError (exit 2).
  Result<Client> Connect() const;
};

// A command that is one API call: connect, call, print the answer (--json: as it came; else
// human(answer)), or Fail.
void RunCall(Context& ctx, const ServerFlags& server,
             const std::function<Result<nlohmann::json>(Client&)>& call,
             const std::function<void(const nlohmann::json&)>& human);

// A JSON file the user gives (an application): read (at most 1 MiB) and parsed with dipr's
// strict rules; an InputError if it cannot be read or is not one valid JSON value.
Result<nlohmann::json> ReadJsonInput(const std::string& path);

// What the CLI reads whole into memory is capped (common/read_file.h): a receipt and a key are
// kilobytes (server::kMaxSmallFile), a certificate, as JSON or as a PDF carrying it, a few
// hundred kilobytes.
inline constexpr size_t kMaxCertificateBytes = 16 << 20;

// A local input read whole, at most max_bytes ("-": stdin); any failure an InputError.
Result<std::string> ReadInput(const std::string& path, size_t max_bytes, const std::string& what);

// A verifier key given inline ("name+id+base64") or as a file holding it; an InputError if it
// is neither.
Result<crypto::NoteVerifier> LoadVerifierKey(const std::string& key_or_file);

// Writes data to path, or to stdout for "-".
Status WriteOutput(const std::string& path, const std::string& data);

}  // namespace dipr::cli
