// dipr serve --data DIR --listen HOST:PORT [--db postgres://...] [--origin NAME] [--threads N]
//            [--max-connections N] [--write-timeout SECONDS] [--log-format text|json]
//            [--log-level LEVEL] [--rate-limit-address R] [--rate-limit-account R]
//            [--max-connections-per-address N] [--trusted-proxy CIDR]...
//            [--registrar-code NNNN] [--notice-period 10wd] [--validity 3y] [--public-url URL] ...
// The registrar's settings are logged on the first start (registry/settings.h); later starts use
// the logged ones, and refuse a flag that differs from them.
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <tuple>

#include "cli/common.h"
#include "common/logging.h"
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
    std::string log_format = "text";
    std::string log_level = "info";
    // docs/DEPLOY.md, "Limits": a person's browser or a CLI never comes near these; a script
    // that does is slowed down (429 with Retry-After), not cut off.
    double address_rate = 100;
    double address_burst = 200;
    double account_rate = 20;
    double account_burst = 100;
    size_t per_address_connections = 64;
    std::vector<std::string> trusted_proxies;
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
  cmd->add_option("--log-format", flags->log_format,
                  "text (a line for a person) or json (one object per line, for a collector)")
      ->capture_default_str();
  cmd->add_option("--log-level", flags->log_level, "trace, debug, info, warn or error")
      ->capture_default_str();
  cmd->add_option("--rate-limit-address", flags->address_rate,
                  "requests per second one client address may make (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--rate-burst-address", flags->address_burst,
                  "requests one client address may make at once after a quiet spell")
      ->capture_default_str();
  cmd->add_option("--rate-limit-account", flags->account_rate,
                  "requests per second one account (bearer token) may make (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--rate-burst-account", flags->account_burst,
                  "requests one account may make at once after a quiet spell")
      ->capture_default_str();
  cmd->add_option("--max-connections-per-address", flags->per_address_connections,
                  "connections one client address may hold; more are answered 429 (0: no limit; "
                  "trusted proxies are exempt)")
      ->capture_default_str();
  cmd->add_option("--trusted-proxy", flags->trusted_proxies,
                  "a reverse proxy (address or CIDR) whose X-Forwarded-For names the client; "
                  "repeat for several");
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
    auto log_format = ParseLogFormat(flags->log_format);
    if (!log_format.ok()) return Fail(ctx, log_format.status());
    auto log_level = ParseLogLevel(flags->log_level);
    if (!log_level.ok()) return Fail(ctx, log_level.status());
    SetupLogging(*log_format, *log_level);
    auto listen = http::ParseListen(flags->listen);
    if (!listen.ok()) return Fail(ctx, InputError(listen.status(), ""));
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
      return Fail(ctx, InputError("--max-connections and --write-timeout must be at least 1"));
    }
    opts.http.max_connections = flags->max_connections;
    opts.http.write_timeout = std::chrono::seconds(flags->write_timeout);
    opts.settings = flags->settings;
    for (const auto& [rate, burst, name] :
         {std::tuple{flags->address_rate, flags->address_burst, "address"},
          std::tuple{flags->account_rate, flags->account_burst, "account"}}) {
      if (!(rate >= 0 && rate <= 1e6) || !(burst >= 1 && burst <= 1e6)) {
        return Fail(ctx, InputError(fmt::format(
                             "--rate-limit-{0} must be 0 to 1000000 and --rate-burst-{0} 1 to "
                             "1000000",
                             name)));
      }
    }
    opts.http.address_rate = {.rate = flags->address_rate, .burst = flags->address_burst};
    opts.account_rate = {.rate = flags->account_rate, .burst = flags->account_burst};
    opts.http.max_connections_per_address = flags->per_address_connections;
    for (const std::string& p : flags->trusted_proxies) {
      auto cidr = http::Cidr::Parse(p);
      if (!cidr.ok()) return Fail(ctx, cidr.status());
      opts.http.trusted_proxies.push_back(*cidr);
    }
    if (!(flags->due_interval > 0 && flags->due_interval <= 3600)) {
      return Fail(ctx, InputError("--due-interval must be above 0 and at most 3600 seconds"));
    }
    opts.due_interval = std::chrono::milliseconds(static_cast<int64_t>(flags->due_interval * 1000));
    if (!(flags->scrub_hours >= 0 && flags->scrub_hours <= 24 * 365)) {
      return Fail(ctx, InputError("--scrub-interval must be 0 to 8760 hours"));
    }
    opts.scrub.interval =
        std::chrono::milliseconds(static_cast<int64_t>(flags->scrub_hours * 3600 * 1000));
    // The leader checks its lease every second: a shorter lease would be lost between checks.
    if (!(flags->pg_lease_timeout == 0 ||
          (flags->pg_lease_timeout >= 2 && flags->pg_lease_timeout <= 3600))) {
      return Fail(ctx, InputError("--pg-lease-timeout must be 0 or 2 to 3600 seconds"));
    }
    if (!(flags->pg_statement_timeout >= 0 && flags->pg_statement_timeout <= 86400)) {
      return Fail(ctx, InputError("--pg-statement-timeout must be 0 to 86400 seconds"));
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
