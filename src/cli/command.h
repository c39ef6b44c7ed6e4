// Each subcommand lives in its own file and adds itself to the CLI11 app through one function
// declared here; main.cc only calls them. A subcommand's callback stores its exit code in the
// context and prints a one-line reason on stderr when it fails. Exit codes: 0 success; 1 refused or not valid (a
// receipt that does not verify, a 4xx from the server); 2 usage, a missing or unreadable file,
// an unreachable server, or an internal error.
#pragma once

#include <CLI/CLI.hpp>

namespace dipr::cli {

struct Context {
  int exit_code = 0;
};

void AddServeCommand(CLI::App& app, Context& ctx);
void AddFingerprintCommand(CLI::App& app, Context& ctx);
void AddDepositCommand(CLI::App& app, Context& ctx);
void AddVerifyCommand(CLI::App& app, Context& ctx);
void AddUserCommand(CLI::App& app, Context& ctx);
void AddCheckCommand(CLI::App& app, Context& ctx);
void AddMigrateCommand(CLI::App& app, Context& ctx);
void AddVerifyCertificateCommand(CLI::App& app, Context& ctx);
void AddAuditCommand(CLI::App& app, Context& ctx);
void AddFsckCommand(CLI::App& app, Context& ctx);
void AddSettingsCommand(CLI::App& app, Context& ctx);
void AddBackupCommand(CLI::App& app, Context& ctx);

}  // namespace dipr::cli
