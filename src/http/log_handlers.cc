// GET /healthz (/metrics: metrics_handlers.cc), /log/key, /log/checkpoint, /log/entries,
// /log/proof/inclusion, /log/proof/consistency: everything a verifier, monitor or witness reads. No
// token needed.
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
                  const HealthOptions& health, std::shared_ptr<ReadPool> reads) {
  // 200 "ok" while this node takes writes; 503 with the reason as a JSON error otherwise.
  router.Add("GET", "/healthz", [&registry, health](Request&) -> asio::awaitable<Response> {
    if (Status st = WriteHealth(registry.sequencer(), health); !st.ok()) {
      co_return Response::Error(st);
    }
    co_return Response::Text(200, "ok\n");
  });

  router.Add("GET", "/log/key", [vkey = key.ToString()](Request&) -> asio::awaitable<Response> {
    co_return Response::Text(200, vkey + "\n");
  });

  router.Add("GET", "/log/checkpoint", [&registry](Request&) -> asio::awaitable<Response> {
    co_return Response::Text(200, registry.sequencer().Latest()->checkpoint);
  });

  // Entries are read from the store (no cache in front): on the read pool.
  router.Add("GET", "/log/entries?start&end",
             [&registry, reads](Request& req) -> asio::awaitable<Response> {
               auto start = req.QueryUint("start");
               auto end = req.QueryUint("end");
               if (!start.ok()) co_return Response::Error(start.status());
               if (!end.ok()) co_return Response::Error(end.status());
               auto read = [&registry, start = *start, end = *end]() -> Response {
                 auto entries =
                     registry.reader().Entries(start, end, *registry.sequencer().Latest());
                 if (!entries.ok()) return Response::Error(entries.status());
                 nlohmann::json out = nlohmann::json::array();
                 for (size_t i = 0; i < entries->size(); ++i) {
                   out.push_back({{"index", start + i}, {"data", Base64Encode((*entries)[i])}});
                 }
                 return Response::Json(200, {{"entries", std::move(out)}});
               };
               Response r = co_await reads->Run(read);
               co_return r;
             });

  router.Add("GET", "/log/proof/inclusion?index&size",
             [&registry](Request& req) -> asio::awaitable<Response> {
               auto index = req.QueryUint("index");
               auto size = req.QueryUint("size");
               if (!index.ok()) co_return Response::Error(index.status());
               if (!size.ok()) co_return Response::Error(size.status());
               auto proof =
                   registry.reader().Inclusion(*index, *size, *registry.sequencer().Latest());
               if (!proof.ok()) co_return Response::Error(proof.status());
               co_return ProofResponse("index", *index, "size", *size, *proof);
             });

  router.Add("GET", "/log/proof/consistency?from&to",
             [&registry](Request& req) -> asio::awaitable<Response> {
               auto from = req.QueryUint("from");
               auto to = req.QueryUint("to");
               if (!from.ok()) co_return Response::Error(from.status());
               if (!to.ok()) co_return Response::Error(to.status());
               auto proof =
                   registry.reader().Consistency(*from, *to, *registry.sequencer().Latest());
               if (!proof.ok()) co_return Response::Error(proof.status());
               co_return ProofResponse("from", *from, "to", *to, *proof);
             });
}

}  // namespace dipr::http
