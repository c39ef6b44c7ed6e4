// dipr: the registry server and its command-line client. main only wires the subcommands.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "cli/command.h"

int main(int argc, char** argv) {
  CLI::App app{"dipr — Data Intellectual Property Registry"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "dipr 0.1.0");
  dipr::cli::Context ctx;
  dipr::cli::AddServeCommand(app, ctx);
  dipr::cli::AddFingerprintCommand(app, ctx);
  dipr::cli::AddDepositCommand(app, ctx);
  dipr::cli::AddVerifyCommand(app, ctx);
  dipr::cli::AddUserCommand(app, ctx);
  dipr::cli::AddCheckCommand(app, ctx);
  dipr::cli::AddMigrateCommand(app, ctx);
  dipr::cli::AddVerifyCertificateCommand(app, ctx);
  dipr::cli::AddAuditCommand(app, ctx);
  dipr::cli::AddFsckCommand(app, ctx);
  dipr::cli::AddSettingsCommand(app, ctx);
  dipr::cli::AddBackupCommand(app, ctx);
  spdlog::set_default_logger(spdlog::default_logger());
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "dipr: %s (see dipr --help)\n", e.what());
    return 2;
  }
  return ctx.exit_code;
}
