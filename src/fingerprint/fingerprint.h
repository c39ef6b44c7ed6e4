// Client-side dataset fingerprint: an RFC 6962 Merkle tree hash over a file's fixed-size chunks.
// The data never leaves the holder's machine; only the Fingerprint (digest, size, chunk count) is
// sent to the registry. The format is specified in docs/FORMATS.md, section 1.
//
// Thread-safety: every function here is thread-safe (no shared mutable state). FingerprintFile
// runs its own worker threads and calls the progress callback on the calling thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/sha256.h"

namespace dipr::fingerprint {

// The only algorithm so far. A new chunk size or hash would be a new name, never a new meaning
// for this one: a registered digest must stay re-computable forever.
inline constexpr std::string_view kAlgorithm = "rfc6962-sha256-64k";
inline constexpr uint64_t kChunkSize = 65536;

struct Fingerprint {
  std::string algorithm{kAlgorithm};
  crypto::Hash digest{};
  uint64_t size = 0;                 // bytes
  uint64_t chunk_size = kChunkSize;  // bytes per leaf (the last leaf may be shorter)
  uint64_t chunks = 0;               // number of leaves: ceil(size / chunk_size)

  bool operator==(const Fingerprint&) const = default;
};

// How FingerprintFile reads the file. Exposed so benchmarks and tests can compare the two; callers
// should leave it at kAuto: mmap, or pread where the file cannot be mapped
// (docs/perf-fingerprint.md has the numbers behind the choice).
enum class ReadMethod { kAuto, kPread, kMmap };

struct FingerprintOptions {
  // Worker threads; 0 means one per CPU this process may run on.
  unsigned threads = 0;
  // Called on the calling thread at most about 10 times a second while hashing, then once with
  // done_bytes == total_bytes on success. May be empty.
  std::function<void(uint64_t done_bytes, uint64_t total_bytes)> progress;
  ReadMethod read_method = ReadMethod::kAuto;
};

// Fingerprints a regular file without loading it into memory (memory use is a few MiB per thread
// whatever the file size). Errors: NotFound (no such file), PermissionDenied, InvalidArgument
// (not a regular file), Conflict (the file changed while it was read), Internal (I/O error).
Result<Fingerprint> FingerprintFile(const std::string& path, const FingerprintOptions& opts = {});

// The same digest over bytes in memory, single-threaded. Never fails; Result for symmetry.
Result<Fingerprint> FingerprintBytes(std::string_view data);

// One line of JSON with sorted keys:
// {"algorithm":"rfc6962-sha256-64k","chunk_size":65536,"chunks":K,"digest":"<hex>","size":N}
nlohmann::json ToJson(const Fingerprint& fp);

// Strict inverse of ToJson: every field required, no unknown fields, the algorithm known, the
// digest 64 lower-case hex digits, size a non-negative integer, chunk_size 65536 and chunks equal
// to ceil(size / chunk_size). Errors are InvalidArgument naming the field ("fingerprint.size:
// ...").
Result<Fingerprint> FingerprintFromJson(const nlohmann::json& j);

// ceil(size / kChunkSize), without overflow near 2^64.
inline constexpr uint64_t ChunkCount(uint64_t size) {
  return size / kChunkSize + (size % kChunkSize != 0 ? 1 : 0);
}

// RFC 6962 Merkle tree hash of already-hashed leaves (log::EmptyRoot() for none). Exposed for
// tests and benchmarks.
crypto::Hash MerkleRoot(std::span<const crypto::Hash> leaves);

}  // namespace dipr::fingerprint
