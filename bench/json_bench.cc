// Strict parsing (common::ParseJson: duplicate keys, trailing bytes, NUL and depth refused)
// against nlohmann::json::parse, the parser it replaced, on a typical log entry.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include <string>

#include "common/json_parse.h"

namespace {

const std::string kEntry =
    R"({"actor":"u0123456789abcdef","payload":{"application":"a0123456789abcdef",)"
    R"("content":"3f2a9c8e7d6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a09",)"
    R"("fields":{"data_name":"客户数据 2026Q3","holders":[{"name":"浙江某数据有限公司",)"
    R"("id":"91330100MA2XXXXX0X","share":100}],"industry":"I",)"
    R"("scale":{"records":100000,"bytes":123456789}}},"time":"2026-12-02T01:02:03Z",)"
    R"("type":"application.created","v":1})";

void BM_NlohmannParse(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(kEntry));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kEntry.size()));
}
BENCHMARK(BM_NlohmannParse);

void BM_StrictParseJson(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(dipr::ParseJson(kEntry));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kEntry.size()));
}
BENCHMARK(BM_StrictParseJson);

}  // namespace
