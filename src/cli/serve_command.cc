// dipr serve --data DIR --listen HOST:PORT [--db postgres://...] [--origin NAME] [--threads N]
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
