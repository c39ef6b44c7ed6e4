// Each subcommand lives in its own file and adds itself to the CLI11 app through one function
// declared here; main.cc only calls them. A subcommand's callback stores its exit code in the
// context and reports a failure through cli/common.h's Fail, which holds the conventions every
// command shares (the exit codes, --json, the server options): docs/CLI.md.
#pragma once

#include <CLI/CLI.hpp>

namespace dipr::cli {

struct Context {
  int exit_code = 0;
  bool json = false;  // the running command's --json
  std::string field;  // its --field: print only this key of the answer
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
// The register, for what needed curl before: one file each.
void AddApplyCommand(CLI::App& app, Context& ctx);
void AddApplicationCommand(CLI::App& app, Context& ctx);
void AddExamineCommand(CLI::App& app, Context& ctx);
void AddObjectCommand(CLI::App& app, Context& ctx);
void AddRuleCommand(CLI::App& app, Context& ctx);
void AddShowCommand(CLI::App& app, Context& ctx);
void AddSearchCommand(CLI::App& app, Context& ctx);
void AddCertificateCommand(CLI::App& app, Context& ctx);
void AddLogCommand(CLI::App& app, Context& ctx);
void AddKeyCommand(CLI::App& app, Context& ctx);

// An argument where a subcommand was expected (`dipr nosuch`, `dipr application nosuch`): the
// message naming it and the commands there are; empty if argv has none.
std::string UnknownSubcommand(const CLI::App& app, int argc, const char* const* argv);

}  // namespace dipr::cli
