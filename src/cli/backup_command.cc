// dipr backup DIR -o FILE [--without-secrets] [--json]
// An online, consistent backup of a SQLite registry's data directory into one tar file
// (server/backup.h), safe while `dipr serve` runs. PostgreSQL registries are refused with the
// pointer to pg_dump. Exit 0: written and its checkpoint verified; 2: not written.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/common.h"
#include "cli/progress.h"
#include "server/backup.h"

namespace dipr::cli {

void AddBackupCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    std::string dir, out, db;
    bool json = false;
    bool without_secrets = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "backup", "copy a SQLite registry's data directory into one tar file, while it serves");
  cmd->add_option("DIR", flags->dir, "the registry's data directory (dipr.db, log.key)")
      ->required();
  cmd->add_option("-o,--output", flags->out,
                  "the archive to write (must not exist; created 0600: it holds the log's key)")
      ->required();
  cmd->add_option("--db", flags->db, "a PostgreSQL registry: refused (use pg_dump)");
  cmd->add_flag("--without-secrets", flags->without_secrets,
                "leave log.key and admin.token out (restore them from their own backup)");
  cmd->add_flag("--json", flags->json, "print the result as JSON");
  cmd->callback([flags, &ctx] {
    if (!flags->db.empty()) {
      return Fail(ctx,
                  Unavailable("dipr backup copies SQLite registries; back up a PostgreSQL one with "
                              "pg_dump -Fc and a copy of its data directory (docs/DEPLOY.md, "
                              "\"Backups\")"));
    }
    server::BackupOptions options;
    options.secrets = !flags->without_secrets;
    // A line on stderr every tenth, for databases big enough to wonder about (or a terminal).
    uint64_t next = 0;
    const bool tty = ::isatty(STDERR_FILENO);
    options.progress = [&next, tty](uint64_t done, uint64_t total) {
      if (!tty && total < 65536) return;  // under 256 MiB of 4 KiB pages
      if (done < next && done < total) return;
      next = done + std::max<uint64_t>(total / 10, 1);
      std::fprintf(stderr, "backup: %llu of %llu pages (%llu%%)\n",
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                   static_cast<unsigned long long>(total ? done * 100 / total : 100));
    };
    auto report = server::BackupDataDir(flags->dir, flags->out, options);
    // Whatever the reason, nothing was written: exit 2, as for an unreadable input.
    if (!report.ok()) return Fail(ctx, Unavailable(report.status().message()));
    const server::BackupReport& r = *report;
    if (flags->json) {
      std::cout << nlohmann::json{{"archive", r.archive},
                                  {"archive_bytes", r.archive_bytes},
                                  {"database_bytes", r.database_bytes},
                                  {"tree_size", r.tree_size},
                                  {"checkpoint", r.checkpoint},
                                  {"files", r.files},
                                  {"seconds", r.seconds}}
                       .dump()
                << "\n";
    } else {
      std::cout << "wrote " << r.archive << " (" << HumanBytes(r.archive_bytes) << ", " << r.seconds
                << " s): the log up to size " << r.tree_size << ", its checkpoint verified with "
                << flags->dir << "/log.key\n";
      if (options.secrets) {
        std::cout << "it holds the log's private key and the admin token: keep it as secret as "
                     "they are\n";
      }
    }
  });
}

}  // namespace dipr::cli
