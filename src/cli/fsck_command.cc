// dipr fsck DIR [--db postgres://...] [--json]
// Checks a registry's stored log offline against its signed checkpoint and the key in DIR
// (server/fsck.h). Exit 0: everything checked holds; 1: something does not (the first problem
// named: an entry index or a tile); 2: the registry could not be read.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/common.h"
#include "server/data_dir.h"
#include "server/fsck.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace dipr::cli {
namespace {

// A line on stderr every tenth of a phase, for runs long enough to wonder about.
class FsckProgress {
 public:
  void operator()(const char* phase, uint64_t done, uint64_t total) {
    if (total < 100000 && !::isatty(STDERR_FILENO)) return;
    if (phase != phase_) {
      phase_ = phase;
      next_ = 0;
    }
    if (done < next_ && done < total) return;
    next_ = done + std::max<uint64_t>(total / 10, 1);
    std::fprintf(stderr, "fsck: %s: %llu of %llu entries\n", phase,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
  }

 private:
  std::string phase_;
  uint64_t next_ = 0;
};

}  // namespace

void AddFsckCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    std::string dir, db;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "fsck", "check a registry's stored log against its signed checkpoint, offline");
  cmd->add_option("DIR", flags->dir, "the registry's data directory (its log.key)")->required();
  cmd->add_option("--db", flags->db, "the registry's PostgreSQL database (default: SQLite in DIR)");
  AddJsonFlag(cmd, ctx, "print the result as JSON");
  cmd->callback([flags, &ctx] {
    auto signer = server::ReadLogKey(flags->dir);
    if (!signer.ok()) return Fail(ctx, Unavailable(signer.status().message()));
    Result<std::unique_ptr<storage::Store>> store = Unavailable("");
    if (flags->db.empty()) {
      std::string path = flags->dir + "/dipr.db";
      // Never create the database that is to be checked.
      if (::access(path.c_str(), F_OK) != 0) {
        return Fail(ctx, Unavailable(path + ": no such database (use --db for PostgreSQL)"));
      }
      store = storage::OpenSqliteStore(path);
    } else {
      store = storage::OpenPostgresStore(flags->db);
    }
    if (!store.ok()) return Fail(ctx, Unavailable(store.status().message()));
    FsckProgress progress;
    auto report = server::Fsck(**store, signer->verifier(), std::ref(progress));
    if (!report.ok()) return Fail(ctx, Unavailable(report.status().message()));
    const server::FsckReport& r = *report;
    const bool ok = r.problem.ok();
    if (ctx.json) {
      nlohmann::json out = {{"ok", ok},
                            {"origin", r.origin},
                            {"size", r.size},
                            {"signature", r.signature},
                            {"entries", r.entries},
                            {"tiles", r.tiles},
                            {"root", r.root},
                            {"projections", r.projections},
                            {"server_running", r.server_running},
                            {"problem", nullptr}};
      if (!ok) {
        out["problem"] = {{"code", std::string(CodeName(r.problem.code()))},
                          {"message", r.problem.message()}};
      }
      std::cout << out.dump() << "\n";
    } else {
      std::cout << "log " << r.origin << ", latest signed checkpoint at size " << r.size << "\n";
      auto line = [](bool done, const std::string& what) {
        std::cout << (done ? "  ok       " : "  not done ") << what << "\n";
      };
      line(r.signature, "the checkpoint verifies with " + flags->dir +
                            "/log.key and states the stored size and root");
      line(r.root, std::to_string(r.entries) + " entries re-hashed, " + std::to_string(r.tiles) +
                       " tiles rebuilt and compared, the rebuilt root is the signed root");
      line(ok && r.root,
           std::to_string(r.projections) + " entries decoded and their projections read");
      if (r.server_running) {
        std::cout << "a server holds the log's lease: checked up to size " << r.size
                  << "; what it appended since was not\n";
      }
      std::cout << (ok ? "OK\n" : "FAILED: " + r.problem.message() + "\n");
    }
    if (!ok) ctx.exit_code = 1;
  });
}

}  // namespace dipr::cli
