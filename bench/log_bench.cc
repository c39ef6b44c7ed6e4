// Log internals: appending leaves to the tree (the sequencer's hashing), and inclusion proofs
// from cached tiles (the read path without HTTP).
#include <benchmark/benchmark.h>

#include <random>

#include "log/appender.h"
#include "log/memory_tiles.h"
#include "log/tile_reader.h"
#include "log/verified_tiles.h"
#include "verify/hasher.h"
#include "verify/proof.h"

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

// A tree of n leaves, its tiles stored in `tiles`.
TreeAppender BuildTree(uint64_t n, MemoryTiles& tiles) {
  TreeAppender a;
  std::vector<Hash> batch(4096);
  for (uint64_t done = 0; done < n; done += batch.size()) {
    batch.resize(std::min<uint64_t>(4096, n - done));
    for (size_t i = 0; i < batch.size(); ++i) batch[i] = HashLeaf(std::to_string(done + i));
    tiles.Store(a.Append(batch));
  }
  return a;
}

void BM_InclusionProofFromCache(benchmark::State& state) {
  const uint64_t n = state.range(0);
  MemoryTiles tiles;
  TreeAppender a = BuildTree(n, tiles);
  TileCache cache(tiles, 1ull << 30);
  SubtreeMemo memo;
  for (uint64_t i = 0; i < n; i += kTileWidth) {
    TileNodeReader reader(cache, &memo);
    benchmark::DoNotOptimize(InclusionProof(i, n, reader));
  }
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    TileNodeReader reader(cache, &memo);
    benchmark::DoNotOptimize(InclusionProof(rng() % n, n, reader));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InclusionProofFromCache)->Arg(1000)->Arg(1000000);

// The served path: tiles checked against the signed root (verified_tiles.h). Arg 1: a cache that
// holds every tile (checked once, then hits); arg 0: a cache of nothing, so every tile of every
// proof is read and checked again (the cost of a cold cache).
void BM_InclusionProofChecked(benchmark::State& state) {
  const uint64_t n = state.range(0);
  MemoryTiles tiles;
  TreeAppender a = BuildTree(n, tiles);
  VerifiedTiles checked(tiles, state.range(1) ? 1ull << 30 : 0);
  if (!checked.Advance(n, a.root()).ok()) state.SkipWithError("the edge does not verify");
  SubtreeMemo memo;
  if (state.range(1)) {
    // Warm: every tile checked once, so the loop measures the hits (the cold cost is arg 0).
    for (uint64_t i = 0; i < n; i += kTileWidth) {
      TileNodeReader reader(checked, &memo);
      benchmark::DoNotOptimize(InclusionProof(i, n, reader));
    }
  }
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    TileNodeReader reader(checked, &memo);
    auto proof = InclusionProof(rng() % n, n, reader);
    if (!proof.ok()) state.SkipWithError(proof.status().ToString().c_str());
    benchmark::DoNotOptimize(proof);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InclusionProofChecked)->Args({1000000, 1})->Args({1000000, 0});

// What checking one served entry costs beyond reading it: its leaf hash (a typical 400-byte
// deposit entry).
void BM_EntryLeafCheck(benchmark::State& state) {
  std::string entry(400, 'e');
  for (auto _ : state) benchmark::DoNotOptimize(HashLeaf(entry));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EntryLeafCheck);

}  // namespace
}  // namespace dipr::log
