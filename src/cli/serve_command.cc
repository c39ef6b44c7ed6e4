// dipr serve --data DIR --listen HOST:PORT [--db postgres://...] [--origin NAME] [--threads N]
//            [--max-connections N] [--write-timeout SECONDS]
//            [--registrar-code NNNN] [--notice-period 10wd] [--validity 3y] [--public-url URL] ...
// The registrar's settings are logged on the first start (registry/settings.h); later starts use
// the logged ones, and refuse a flag that differs from them.
#include <signal.h>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "server/node.h"

namespace dipr::cli {

void AddServeCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    std::string data = "var";
    std::string listen = "127.0.0.1:8080";
    std::string origin;
    std::string db;
    int threads = 0;
    size_t tile_cache_mib = log::kDefaultTileCacheBytes >> 20;
    size_t body_limit = 1 << 20;
    size_t max_connections = 1024;
    int write_timeout = 10;
    registry::SettingsFlags settings;  // only the flags given: the others are the logged ones
    double due_interval = 1.0;
    double scrub_hours = 24;
    double pg_lease_timeout = 5;
    double pg_statement_timeout = 10;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("serve", "run the registry server");
  cmd->add_option("--data", flags->data, "data directory (created on first start)");
  cmd->add_option("--listen", flags->listen, "HOST:PORT to listen on");
  cmd->add_option("--origin", flags->origin,
                  "log origin and key name for a new registry, e.g. registry.example.cn/dipr");
  cmd->add_option("--db", flags->db,
                  "PostgreSQL URI, e.g. postgres://dipr@127.0.0.1:5432/dipr (default: SQLite in "
                  "--data)");
  cmd->add_option("--threads", flags->threads, "HTTP threads (default: one per core)");
  cmd->add_option("--tile-cache", flags->tile_cache_mib,
                  "MiB of tiles kept for proofs (a log of N entries has about N*64 bytes)");
  cmd->add_option("--body-limit", flags->body_limit, "largest request body in bytes");
  cmd->add_option("--max-connections", flags->max_connections,
                  "connections served at once; more are answered 503 with Retry-After");
  cmd->add_option("--write-timeout", flags->write_timeout,
                  "seconds a client may read nothing of an answer before it is dropped");
  // The registrar's settings: logged on the first start; a later start uses the logged ones and
  // refuses a flag that differs (change them with `dipr settings set`).
  for (const registry::ServeFlag& f : registry::ServeFlags()) {
    cmd->add_option_function<std::string>(
        f.flag, [flags, given = f.given](const std::string& v) { flags->settings.*given = v; },
        f.help);
  }
  cmd->add_option("--due-interval", flags->due_interval,
                  "seconds between the registrar's checks for ends of notice, lapses and expiries");
  cmd->add_option("--scrub-interval", flags->scrub_hours,
                  "hours between background scrubs that re-derive the whole tree from the "
                  "entries (the first 5 minutes after start; 0: never)");
  cmd->add_option("--pg-lease-timeout", flags->pg_lease_timeout,
                  "PostgreSQL: seconds a silent node keeps its lease and open write transaction "
                  "(a partitioned leader is replaced after about this long); 0: until TCP gives "
                  "up")
      ->capture_default_str();
  cmd->add_option("--pg-statement-timeout", flags->pg_statement_timeout,
                  "PostgreSQL: seconds a statement may run before the server cancels it; 0: no "
                  "limit")
      ->capture_default_str();
  cmd->callback([flags, &ctx] {
    auto listen = http::ParseListen(flags->listen);
    if (!listen.ok()) return Fail(ctx, listen.status());
    // Block the signals before any thread starts, so that only sigwait below receives them.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    server::NodeOptions opts;
    opts.data_dir = flags->data;
    opts.origin = flags->origin;
    opts.db = flags->db;
    opts.http.host = listen->first;
    opts.http.port = listen->second;
    opts.http.threads = flags->threads;
    opts.tile_cache_bytes = flags->tile_cache_mib << 20;
    opts.http.body_limit = flags->body_limit;
    if (flags->max_connections < 1 || flags->write_timeout < 1) {
      return Fail(ctx, InvalidArgument("--max-connections and --write-timeout must be at least 1"));
    }
    opts.http.max_connections = flags->max_connections;
    opts.http.write_timeout = std::chrono::seconds(flags->write_timeout);
    opts.settings = flags->settings;
    if (!(flags->due_interval > 0 && flags->due_interval <= 3600)) {
      return Fail(ctx, InvalidArgument("--due-interval must be above 0 and at most 3600 seconds"));
    }
    opts.due_interval =
        std::chrono::milliseconds(static_cast<int64_t>(flags->due_interval * 1000));
    if (!(flags->scrub_hours >= 0 && flags->scrub_hours <= 24 * 365)) {
      return Fail(ctx, InvalidArgument("--scrub-interval must be 0 to 8760 hours"));
    }
    opts.scrub.interval =
        std::chrono::milliseconds(static_cast<int64_t>(flags->scrub_hours * 3600 * 1000));
    // The leader checks its lease every second: a shorter lease would be lost between checks.
    if (!(flags->pg_lease_timeout == 0 ||
          (flags->pg_lease_timeout >= 2 && flags->pg_lease_timeout <= 3600))) {
      return Fail(ctx, InvalidArgument("--pg-lease-timeout must be 0 or 2 to 3600 seconds"));
    }
    if (!(flags->pg_statement_timeout >= 0 && flags->pg_statement_timeout <= 86400)) {
      return Fail(ctx, InvalidArgument("--pg-statement-timeout must be 0 to 86400 seconds"));
    }
    opts.pg.lease_timeout =
        std::chrono::milliseconds(static_cast<int64_t>(flags->pg_lease_timeout * 1000));
    opts.pg.statement_timeout =
        std::chrono::milliseconds(static_cast<int64_t>(flags->pg_statement_timeout * 1000));
    auto node = server::Node::Start(opts);
    if (!node.ok()) return Fail(ctx, node.status());
    const auto& d = (*node)->data();
    spdlog::info("dipr serving {} on http://{}:{}", d.signer->name(), listen->first,
                 (*node)->port());
    spdlog::info("log key: {}", d.signer->verifier().ToString());
    spdlog::info("admin token in {}/admin.token", d.path);
    int sig = 0;
    sigwait(&set, &sig);
    spdlog::info("signal {}: stopping", sig);
    (*node)->Stop();
  });
}

}  // namespace dipr::cli
