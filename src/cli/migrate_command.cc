// dipr migrate --from DIR --to postgres://... [--json]
// Copies a registry's SQLite database into an empty PostgreSQL database by replaying its log, and
// verifies the copy: the same signed checkpoint and root, the same entries, the same projections.
#include <iostream>

#include "cli/common.h"
#include "cli/progress.h"
#include "server/data_dir.h"
#include "server/migrate.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace dipr::cli {

void AddMigrateCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    std::string from, to;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("migrate", "copy a SQLite registry into PostgreSQL and verify it");
  cmd->add_option("--from", flags->from, "the registry's data directory (SQLite)")->required();
  cmd->add_option("--to", flags->to, "an empty PostgreSQL database, postgres://...")->required();
  AddJsonFlag(cmd, ctx, "print the result as JSON");
  cmd->callback([flags, &ctx] {
    auto signer = server::ReadLogKey(flags->from);
    if (!signer.ok()) return Fail(ctx, InputError(signer.status(), "--from"));
    auto source = storage::OpenSqliteStore(flags->from + "/dipr.db");
    if (!source.ok()) return Fail(ctx, InputError(source.status(), "--from"));
    auto target = storage::OpenPostgresStore(flags->to);
    if (!target.ok()) return Fail(ctx, InputError(target.status(), "--to"));
    Progress progress("migrating");
    auto report = server::Migrate(**source, **target, signer->verifier(), progress.Callback());
    progress.Done();
    if (!report.ok()) return Fail(ctx, report.status());
    if (ctx.json) {
      std::cout << nlohmann::json{{"entries", report->entries},
                                  {"accounts", report->accounts},
                                  {"deposits", report->deposits},
                                  {"checkpoint", report->checkpoint},
                                  {"verified", true}}
                       .dump()
                << "\n";
      return;
    }
    std::cout << "migrated " << report->entries << " entries (" << report->accounts << " accounts, "
              << report->deposits << " deposits)\n"
              << "verified: the same signed checkpoint and root, entries and projections\n"
              << "start the registry with: dipr serve --data " << flags->from << " --db <URI>\n";
  });
}

}  // namespace dipr::cli
