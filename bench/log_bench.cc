// Log internals: appending leaves to the tree (the sequencer's hashing), and inclusion proofs
// from cached tiles (the read path without HTTP).
#include <benchmark/benchmark.h>

#include <random>

#include "log/appender.h"
#include "log/hasher.h"
#include "log/memory_tiles.h"
#include "log/proof.h"
#include "log/tile_reader.h"

namespace dipr::log {
namespace {

void BM_HashChildren(benchmark::State& state) {
  Hash a = HashLeaf("a"), b = HashLeaf("b");
  for (auto _ : state) {
    a = HashChildren(a, b);
    benchmark::DoNotOptimize(a);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HashChildren);

void BM_AppendBatch(benchmark::State& state) {
  std::vector<Hash> leaves(state.range(0));
  for (size_t i = 0; i < leaves.size(); ++i) leaves[i] = HashLeaf(std::to_string(i));
  TreeAppender a;
  for (auto _ : state) benchmark::DoNotOptimize(a.Append(leaves));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AppendBatch)->Arg(64)->Arg(256)->Arg(4096);

void BM_InclusionProofFromCache(benchmark::State& state) {
  const uint64_t n = state.range(0);
  MemoryTiles tiles;
  TreeAppender a;
  std::vector<Hash> batch(4096);
  for (uint64_t done = 0; done < n; done += batch.size()) {
    batch.resize(std::min<uint64_t>(4096, n - done));
    for (size_t i = 0; i < batch.size(); ++i) batch[i] = HashLeaf(std::to_string(done + i));
    tiles.Store(a.Append(batch));
  }
  TileCache cache(tiles, 1ull << 30);
  SubtreeMemo memo;
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    TileNodeReader reader(cache, &memo);
    benchmark::DoNotOptimize(InclusionProof(rng() % n, n, reader));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InclusionProofFromCache)->Arg(1000)->Arg(1000000);

}  // namespace
}  // namespace dipr::log

