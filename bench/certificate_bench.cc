// Certificate rendering: one typical certificate (two holders) and the most crowded one the
// registry allows (a 200-character name, 20 holders), and the typical one from several threads at
// once, which shows whether rendering scales without a lock. The first render in a thread loads
// that thread's font map; benchmark's warm-up iterations absorb it.
#include <benchmark/benchmark.h>

#include <string>

#include "certificate/pdf.h"

namespace dipr::certificate {
namespace {

CertificateView Typical() {
  CertificateView v;
  v.registration_number = "202633010000012X";
  v.certificate_number = "20261233010000007";
  v.data_name = "杭州城市交通出行数据集（2026 年第三季度）";
  v.holders = {{"浙江某数据有限公司", "enterprise", "91330100MA2XXXXX1Q", "CN", 2},
               {"Example Data GmbH", "enterprise", "HRB 123456", "DE", 1}};
  v.industry = "I 信息传输、软件和信息技术服务业";
  v.registered_on = v.valid_from = "2026-12-21";
  v.valid_until = "2029-12-20";
  v.registrar = "浙江省知识产权局 / Zhejiang IP Office";
  v.registrar_code = "3301";
  v.public_url = "https://ip.example.cn/dipr/r/202633010000012X";
  v.log_origin = "ip.example.cn/dipr";
  v.log_index = 48213;
  v.key_id = "ip.example.cn/dipr+6f1a2b3c";
  return v;
}

CertificateView Crowded() {
  CertificateView v = Typical();
  v.data_name.clear();
  for (int i = 0; i < 9; ++i) v.data_name += "城市交通出行轨迹与公共交通刷卡记录融合数据集";
  v.data_name += "完整";
  v.holders.clear();
  for (uint64_t i = 0; i < 20; ++i) {
    v.holders.push_back({"浙江省杭州市某某数据科技股份有限公司第" + std::to_string(i) + "分公司",
                         "enterprise", "91330100MA2XXXX" + std::to_string(100 + i), "CN", i + 1});
  }
  return v;
}

void Render(benchmark::State& state, const CertificateView& view) {
  size_t bytes = 0;
  for (auto _ : state) {
    Result<std::string> pdf = RenderPdf(view);
    if (!pdf.ok()) {
      state.SkipWithError(pdf.status().ToString().c_str());
      return;
    }
    bytes = pdf->size();
    benchmark::DoNotOptimize(pdf->data());
  }
  state.counters["pdf_bytes"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kAvgThreads);
  state.SetItemsProcessed(state.iterations());
}

// What the server renders since certificates embed their signed document (a few kB; 6 kB here)
// and print their deposits: the typical page, revoked (the stamp is a translucent layer).
CertificateView RevokedWithDocument() {
  CertificateView v = Typical();
  v.status = "revoked";
  v.status_on = "2027-03-04";
  v.deposits = {{7, std::string(64, 'a'), 65537}, {9, std::string(64, 'b'), 3}};
  v.document = "{\"certificate\":{\"record\":\"" + std::string(6000, 'x') + "\"}}";
  return v;
}

void BM_RenderTypical(benchmark::State& state) { Render(state, Typical()); }
void BM_RenderRevokedWithDocument(benchmark::State& state) { Render(state, RevokedWithDocument()); }
void BM_RenderCrowded(benchmark::State& state) { Render(state, Crowded()); }

BENCHMARK(BM_RenderTypical)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RenderTypical)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(4);
BENCHMARK(BM_RenderCrowded)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RenderRevokedWithDocument)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace dipr::certificate
