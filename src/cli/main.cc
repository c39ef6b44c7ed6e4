// dipr: the registry server and its command-line client. main only wires the subcommands.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>

#include "cli/command.h"
#include "cli/common.h"
#include "verify/certificate.h"

int main(int argc, char** argv) {
  CLI::App app{"dipr — Data Intellectual Property Registry"};
  // Every option's default in --help; subcommands inherit this when they are added.
  app.option_defaults()->always_capture_default();
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
  dipr::cli::AddApplyCommand(app, ctx);
  dipr::cli::AddApplicationCommand(app, ctx);
  dipr::cli::AddExamineCommand(app, ctx);
  dipr::cli::AddObjectCommand(app, ctx);
  dipr::cli::AddRuleCommand(app, ctx);
  dipr::cli::AddShowCommand(app, ctx);
  dipr::cli::AddSearchCommand(app, ctx);
  dipr::cli::AddCertificateCommand(app, ctx);
  dipr::cli::AddLogCommand(app, ctx);
  dipr::cli::AddKeyCommand(app, ctx);
  dipr::cli::AddBackupCommand(app, ctx);
  spdlog::set_default_logger(spdlog::default_logger());
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::string unknown = dipr::cli::UnknownSubcommand(app, argc, argv);
    for (int i = 1; i < argc; ++i) ctx.json = ctx.json || std::strcmp(argv[i], "--json") == 0;
    dipr::cli::Fail(ctx, dipr::cli::InputError((unknown.empty() ? e.what() : unknown) +
                                               std::string(" (see dipr --help)")));
    return 2;
  }
  return ctx.exit_code;
}
