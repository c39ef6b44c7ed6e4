// GET /healthz, /log/key, /log/checkpoint, /log/entries, /log/proof/inclusion,
// /log/proof/consistency: everything a verifier, monitor or witness reads. No token needed.
#include <fmt/format.h>
#include <sys/statvfs.h>

#include "common/base64.h"
#include "common/json_text.h"
#include "http/api.h"

namespace dipr::http {

namespace {

// {"<a>":A,"<b>":B,"proof":["...",...]} written directly: proofs are the hottest read, and base64
// needs no JSON escaping, so building a JSON tree first would only cost time.
Response ProofResponse(const char* a, uint64_t av, const char* b, uint64_t bv,
                       const std::vector<crypto::Hash>& proof) {
  std::string out;
  out.reserve(64 + proof.size() * 48);
  out += "{\"";
  out += a;
  out += "\":";
  out += std::to_string(av);
  out += ",\"";
  out += b;
  out += "\":";
  out += std::to_string(bv);
  out += ",\"proof\":";
  AppendBase64Array(out, proof);
  out += '}';
  return {200, "application/json", std::move(out)};
}

}  // namespace

Status WriteHealth(const log::Sequencer& sequencer, const HealthOptions& options) {
  RETURN_IF_ERROR(sequencer.WriteHealth(options.stall));
  if (!options.disk_path.empty()) {
    struct statvfs fs;
    if (::statvfs(options.disk_path.c_str(), &fs) == 0) {
      uint64_t free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
      if (free < options.min_free_bytes) {
        return Unavailable(fmt::format("the disk of {} is full ({} MiB free, {} MiB needed)",
                                       options.disk_path, free >> 20,
                                       options.min_free_bytes >> 20));
      }
    }
  }
  return Status::Ok();
}

void AddLogRoutes(Router& router, registry::Registry& registry, const crypto::NoteVerifier& key,
                  const HealthOptions& health) {
  // 200 "ok" while this node takes writes; 503 with the reason as a JSON error otherwise.
  router.Add("GET", "/healthz", [&registry, health](Request&) -> asio::awaitable<Response> {
    if (Status st = WriteHealth(registry.sequencer(), health); !st.ok()) {
      co_return Response::Error(st);
    }
    co_return Response::Text(200, "ok\n");
  });

  // Prometheus text format: what an operator graphs and alerts on.
  router.Add("GET", "/metrics", [&registry, health](Request&) -> asio::awaitable<Response> {
    auto st = registry.sequencer().stats();
    auto head = registry.sequencer().Latest();
    std::string out;
    auto metric = [&out](const char* name, const char* type, const char* help, double v) {
      out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, v);
    };
    metric("dipr_log_size", "gauge", "Entries in the latest signed checkpoint.",
           static_cast<double>(head->size));
    metric("dipr_sequencer_healthy", "gauge", "1 while the sequencer accepts entries.",
           registry.sequencer().healthy() ? 1 : 0);
    metric("dipr_writes_blocked", "gauge", "1 while /healthz says writes are blocked.",
           WriteHealth(registry.sequencer(), health).ok() ? 0 : 1);
    metric("dipr_sequencer_batches_total", "counter", "Batches committed.",
           static_cast<double>(st.batches));
    metric("dipr_sequencer_entries_total", "counter", "Entries appended.",
           static_cast<double>(st.entries));
    metric("dipr_sequencer_rejected_total", "counter", "Entries dropped by their projection.",
           static_cast<double>(st.rejected));
    metric("dipr_sequencer_commit_seconds_total", "counter", "Time spent committing (fsync).",
           static_cast<double>(st.commit_micros) / 1e6);
    metric("dipr_sequencer_batch_seconds_total", "counter", "Time spent integrating batches.",
           static_cast<double>(st.batch_micros) / 1e6);
    metric("dipr_sequencer_max_batch", "gauge", "Largest batch so far.",
           static_cast<double>(st.max_batch));
    metric("dipr_sequencer_leading", "gauge", "1 while this node sequences (holds the lease).",
           registry.sequencer().leading() ? 1 : 0);
    metric("dipr_sequencer_queued_integrated_total", "counter",
           "Entries queued by other nodes that this node integrated.",
           static_cast<double>(st.queued_integrated));
    metric("dipr_sequencer_forwarded_total", "counter",
           "Entries this node queued for the sequencing node.", static_cast<double>(st.forwarded));
    metric("dipr_sequencer_results_swept_total", "counter", "Queued entries' results no node took, removed.", static_cast<double>(st.results_swept));
    metric("dipr_tile_cache_bytes", "gauge", "Bytes of tiles held in the proof cache.",
           static_cast<double>(registry.reader().tile_cache_bytes()));
    auto scrub = registry.reader().scrub_stats();
    metric("dipr_scrub_runs_total", "counter",
           "Scrubs finished (the tree re-derived from the entries).",
           static_cast<double>(scrub.runs));
    metric("dipr_scrub_failures_total", "counter", "Scrubs that found stored data not matching.",
           static_cast<double>(scrub.failures));
    metric("dipr_scrub_last_ok", "gauge", "1 unless the last finished scrub found a mismatch.",
           scrub.last_ok ? 1 : 0);
    metric("dipr_scrub_last_size", "gauge", "Tree size the last finished scrub checked.",
           static_cast<double>(scrub.last_size));
    metric("dipr_scrub_last_seconds", "gauge", "How long the last finished scrub took.",
           scrub.last_seconds);
    metric("dipr_scrub_checked_entries", "gauge", "Entries checked by the scrub in progress.",
           static_cast<double>(scrub.checked));
    co_return Response{200, "text/plain; version=0.0.4", std::move(out)};
  });

  router.Add("GET", "/log/key", [vkey = key.ToString()](Request&) -> asio::awaitable<Response> {
    co_return Response::Text(200, vkey + "\n");
  });

  router.Add("GET", "/log/checkpoint", [&registry](Request&) -> asio::awaitable<Response> {
    co_return Response::Text(200, registry.sequencer().Latest()->checkpoint);
  });

  router.Add("GET", "/log/entries?start&end", [&registry](Request& req) -> asio::awaitable<Response> {
    auto start = req.QueryUint("start");
    auto end = req.QueryUint("end");
    if (!start.ok()) co_return Response::Error(start.status());
    if (!end.ok()) co_return Response::Error(end.status());
    auto entries = registry.reader().Entries(*start, *end, *registry.sequencer().Latest());
    if (!entries.ok()) co_return Response::Error(entries.status());
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < entries->size(); ++i) {
      out.push_back({{"index", *start + i}, {"data", Base64Encode((*entries)[i])}});
    }
    co_return Response::Json(200, {{"entries", std::move(out)}});
  });

  router.Add("GET", "/log/proof/inclusion?index&size", [&registry](Request& req) -> asio::awaitable<Response> {
    auto index = req.QueryUint("index");
    auto size = req.QueryUint("size");
    if (!index.ok()) co_return Response::Error(index.status());
    if (!size.ok()) co_return Response::Error(size.status());
    auto proof = registry.reader().Inclusion(*index, *size, *registry.sequencer().Latest());
    if (!proof.ok()) co_return Response::Error(proof.status());
    co_return ProofResponse("index", *index, "size", *size, *proof);
  });

  router.Add("GET", "/log/proof/consistency?from&to",
             [&registry](Request& req) -> asio::awaitable<Response> {
               auto from = req.QueryUint("from");
               auto to = req.QueryUint("to");
               if (!from.ok()) co_return Response::Error(from.status());
               if (!to.ok()) co_return Response::Error(to.status());
               auto proof = registry.reader().Consistency(*from, *to, *registry.sequencer().Latest());
               if (!proof.ok()) co_return Response::Error(proof.status());
               co_return ProofResponse("from", *from, "to", *to, *proof);
             });
}

}  // namespace dipr::http
