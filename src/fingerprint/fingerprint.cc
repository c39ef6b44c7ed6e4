#include "fingerprint/fingerprint.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include "common/hex.h"
#include "common/mutex.h"
#include "verify/hasher.h"

namespace dipr::fingerprint {
namespace {

using crypto::Hash;

// A segment is the unit of work a thread claims. A power of two of chunks, so that each full
// segment is exactly one complete subtree of the RFC 6962 tree: threads reduce their segments to
// one hash each and we keep 32 bytes per 4 MiB instead of per 64 KiB, whatever the file size.
constexpr uint64_t kSegmentChunks = 64;
constexpr uint64_t kSegmentBytes = kSegmentChunks * kChunkSize;
static_assert((kSegmentChunks & (kSegmentChunks - 1)) == 0, "segments must be complete subtrees");

// pread window. Small enough that the copied bytes are still in the core's L2 (2 MiB here) when
// SHA-256 reads them: 4 MiB and 16 MiB windows measured slower (docs/perf-fingerprint.md).
constexpr size_t kReadBytes = 512 * 1024;
static_assert(kReadBytes % kChunkSize == 0 && kSegmentBytes % kReadBytes == 0);

constexpr size_t kPage = 4096;
constexpr auto kProgressInterval = std::chrono::milliseconds(100);

// Iterative RFC 6962 root, in place: pair neighbours level by level and move an odd last node up
// unchanged. This builds the same tree as MTH's split at the largest power of two below n.
Hash ReduceInPlace(std::span<Hash> nodes) {
  if (nodes.empty()) return log::EmptyRoot();
  size_t n = nodes.size();
  while (n > 1) {
    size_t out = 0;
    for (size_t i = 0; i + 1 < n; i += 2) nodes[out++] = log::HashChildren(nodes[i], nodes[i + 1]);
    if (n % 2 != 0) nodes[out++] = nodes[n - 1];
    n = out;
  }
  return nodes[0];
}

// Leaf hashes of the chunks in `data` (each kChunkSize bytes but maybe the last) into `out`,
// with one reused context: no allocation per chunk.
//
// Each chunk goes to SHA-256 in pieces that end at 4 KiB address boundaries, not in one Update.
// Measured on the reference machine when the bytes come from RAM (a page-cached mapping): one
// 64 KiB Update after the 0x00 prefix byte runs at ~1.1 GB/s, 4 KiB pieces at ~1.5 GB/s; from
// L2 both run at ~1.95 GB/s. We could not profile why (no perf on the box); the effect is large
// and stable, see docs/perf-fingerprint.md. Software prefetching the next page did not help.
// REQUIRES: out has room for ChunkCount(data.size()) hashes.
void HashLeaves(crypto::Sha256& h, std::span<const uint8_t> data, Hash* out) {
  for (size_t chunk = 0; chunk < data.size(); chunk += kChunkSize) {
    const uint8_t* p = data.data() + chunk;
    const uint8_t* const end = p + std::min<size_t>(kChunkSize, data.size() - chunk);
    h.Reset();
    h.Update(uint8_t{0x00});
    while (p < end) {
      const size_t to_boundary = kPage - reinterpret_cast<uintptr_t>(p) % kPage;
      const size_t n = std::min<size_t>(to_boundary, static_cast<size_t>(end - p));
      h.Update(std::span<const uint8_t>(p, n));
      p += n;
    }
    *out++ = h.Final();
  }
}

// Gives access to bytes of the input. One per worker thread; not thread-safe.
class Reader {
 public:
  virtual ~Reader() = default;
  // The bytes [offset, offset + len); the span stays valid until the next call.
  virtual Result<std::span<const uint8_t>> Read(uint64_t offset, size_t len) = 0;
  // Bytes per Read that suit this reader; a multiple of kChunkSize dividing kSegmentBytes.
  virtual size_t Window() const = 0;
};

// Bytes already in memory: a string, or a file mapping.
class MemoryReader : public Reader {
 public:
  MemoryReader(const uint8_t* base, bool populate) : base_(base), populate_(populate) {}

  Result<std::span<const uint8_t>> Read(uint64_t offset, size_t len) override {
    const uint8_t* p = base_ + offset;
    // One call maps the window's pages instead of a page fault every 16 pages, and turns a file
    // truncated under us into an error here instead of a SIGBUS in SHA-256 (most of the time:
    // a truncation after this call still raises SIGBUS, the price of mmap).
    if (populate_ && madvise(const_cast<uint8_t*>(p), len, MADV_POPULATE_READ) != 0 &&
        errno == EFAULT) {
      return Conflict("the file shrank while it was being fingerprinted");
    }
    return std::span<const uint8_t>(p, len);
  }
  size_t Window() const override { return kSegmentBytes; }

 private:
  const uint8_t* base_;
  bool populate_;
};

class PreadReader : public Reader {
 public:
  explicit PreadReader(int fd) : fd_(fd), buf_(new uint8_t[kReadBytes]) {}

  Result<std::span<const uint8_t>> Read(uint64_t offset, size_t len) override {
    size_t got = 0;
    while (got < len) {
      ssize_t r = pread(fd_, buf_.get() + got, len - got, static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Internal("read failed: " + std::generic_category().message(errno));
      if (r == 0) return Conflict("the file shrank while it was being fingerprinted");
      got += static_cast<size_t>(r);
    }
    return std::span<const uint8_t>(buf_.get(), len);
  }
  size_t Window() const override { return kReadBytes; }

 private:
  int fd_;
  std::unique_ptr<uint8_t[]> buf_;
};

// Shared state of one fingerprint computation. Thread-safe: atomics, and mu for the rest.
struct Job {
  uint64_t size = 0;
  uint64_t segments = 0;
  std::vector<Hash> segment_roots;  // each written by the one thread that claimed the segment
  std::atomic<uint64_t> next_segment{0};
  std::atomic<uint64_t> done_bytes{0};
  std::atomic<bool> failed{false};

  Mutex mu;
  CondVar cv;
  unsigned running DIPR_GUARDED_BY(mu) = 0;
  Status error DIPR_GUARDED_BY(mu);  // the first failure

  void Fail(Status st) {
    MutexLock lock(mu);
    if (error.ok()) error = std::move(st);
    failed.store(true, std::memory_order_relaxed);
  }
};

void Work(Job& job, Reader& reader) {
  crypto::Sha256 h;
  std::array<Hash, kSegmentChunks> leaves;
  const size_t window = reader.Window();
  while (!job.failed.load(std::memory_order_relaxed)) {
    const uint64_t seg = job.next_segment.fetch_add(1, std::memory_order_relaxed);
    if (seg >= job.segments) return;
    const uint64_t begin = seg * kSegmentBytes;
    const uint64_t end = std::min(job.size, begin + kSegmentBytes);
    size_t n = 0;
    for (uint64_t off = begin; off < end; off += window) {
      const size_t len = static_cast<size_t>(std::min<uint64_t>(window, end - off));
      Result<std::span<const uint8_t>> data = reader.Read(off, len);
      if (!data.ok()) return job.Fail(data.status());
      HashLeaves(h, *data, &leaves[n]);
      n += ChunkCount(len);
      job.done_bytes.fetch_add(len, std::memory_order_relaxed);
    }
    job.segment_roots[seg] = ReduceInPlace(std::span<Hash>(leaves.data(), n));
  }
}

unsigned UsableCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

// Hashes `size` bytes read through readers from make_reader (one per thread) into the root.
template <typename MakeReader>
Result<Hash> Run(uint64_t size, const FingerprintOptions& opts, MakeReader make_reader) {
  Job job;
  job.size = size;
  job.segments = size / kSegmentBytes + (size % kSegmentBytes != 0 ? 1 : 0);
  job.segment_roots.resize(job.segments);

  unsigned threads = opts.threads == 0 ? UsableCpus() : opts.threads;
  threads = static_cast<unsigned>(std::min<uint64_t>(threads, std::max<uint64_t>(1, job.segments)));

  if (threads == 1 && !opts.progress) {
    std::unique_ptr<Reader> reader = make_reader();
    Work(job, *reader);
  } else {
    {
      MutexLock lock(job.mu);
      job.running = threads;
    }
    std::vector<std::thread> workers;
    workers.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) {
      auto body = [&job, reader = make_reader()] {
        Work(job, *reader);
        MutexLock lock(job.mu);
        if (--job.running == 0) job.cv.SignalAll();
      };
      // std::thread reports failure by throwing; we don't let that escape. Fewer threads only
      // costs speed, and if none could start the calling thread does the work.
      try {
        workers.emplace_back(std::move(body));
      } catch (const std::system_error&) {
        MutexLock lock(job.mu);
        job.running -= threads - i;
        break;
      }
    }
    if (workers.empty()) {
      std::unique_ptr<Reader> reader = make_reader();
      Work(job, *reader);
    }
    MutexLock lock(job.mu);
    while (job.running != 0) {
      const auto deadline = std::chrono::steady_clock::now() + kProgressInterval;
      while (job.running != 0 && job.cv.WaitUntil(job.mu, deadline)) {
      }
      if (job.running == 0 || !opts.progress) continue;
      lock.Unlock();
      opts.progress(job.done_bytes.load(std::memory_order_relaxed), size);
      lock.Lock();
    }
    lock.Unlock();
    for (std::thread& t : workers) t.join();
  }

  if (job.failed.load()) {
    MutexLock lock(job.mu);
    return job.error;
  }
  if (opts.progress) opts.progress(size, size);
  return ReduceInPlace(job.segment_roots);
}

Status OpenError(int err, const std::string& path) {
  if (err == ENOENT || err == ENOTDIR) return NotFound("no such file: " + path);
  if (err == EACCES || err == EPERM) return PermissionDenied("cannot read " + path);
  return Internal("cannot open " + path + ": " + std::generic_category().message(err));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class Mapping {
 public:
  Mapping(void* addr, size_t len) : addr_(addr), len_(len) {}
  ~Mapping() {
    if (addr_ != MAP_FAILED) munmap(addr_, len_);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  const uint8_t* data() const { return static_cast<const uint8_t*>(addr_); }
  bool ok() const { return addr_ != MAP_FAILED; }

 private:
  void* addr_;
  size_t len_;
};

Fingerprint Make(const Hash& digest, uint64_t size) {
  Fingerprint fp;
  fp.digest = digest;
  fp.size = size;
  fp.chunks = ChunkCount(size);
  return fp;
}

// Field access for FingerprintFromJson; errors name the field.
Status FieldError(std::string_view field, std::string_view what) {
  return InvalidArgument("fingerprint." + std::string(field) + ": " + std::string(what));
}

// A string from the input as a quoted JSON string, cut to 64 bytes: it ends up in a one-line
// error message, so no raw newlines and no megabytes. The cut may split a UTF-8 sequence, hence
// `replace`: dump() would otherwise throw.
std::string Escaped(const std::string& s) {
  return nlohmann::json(s.size() > 64 ? s.substr(0, 64) : s)
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<uint64_t> GetUint(const nlohmann::json& j, std::string_view field) {
  auto it = j.find(std::string(field));
  if (it == j.end()) return FieldError(field, "missing");
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer()) {
    // Built in C++ from an int, a non-negative value is a signed JSON integer.
    int64_t v = it->get<int64_t>();
    if (v < 0) return FieldError(field, "must not be negative, got " + std::to_string(v));
    return static_cast<uint64_t>(v);
  }
  if (it->is_number_float()) return FieldError(field, "must be an integer, got " + it->dump());
  return FieldError(field, std::string("must be an integer, got ") + it->type_name());
}

Result<std::string> GetString(const nlohmann::json& j, std::string_view field) {
  auto it = j.find(std::string(field));
  if (it == j.end()) return FieldError(field, "missing");
  if (!it->is_string())
    return FieldError(field, std::string("must be a string, got ") + it->type_name());
  return it->get<std::string>();
}

}  // namespace

Hash MerkleRoot(std::span<const Hash> leaves) {
  std::vector<Hash> nodes(leaves.begin(), leaves.end());
  return ReduceInPlace(nodes);
}

Result<Fingerprint> FingerprintFile(const std::string& path, const FingerprintOptions& opts) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return OpenError(errno, path);
  struct stat before;
  if (fstat(fd.get(), &before) != 0) return OpenError(errno, path);
  if (!S_ISREG(before.st_mode)) return InvalidArgument("not a regular file: " + path);
  const uint64_t size = static_cast<uint64_t>(before.st_size);
  // Doubles the kernel's readahead window: what matters when the file is not in the page cache.
  posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);

  Result<Hash> root = log::EmptyRoot();
  if (size == 0) {
    if (opts.progress) opts.progress(0, 0);
  } else {
    // mmap by default: it saves the copy into user space (~0.1 s of CPU per GiB, 5% of the wall
    // time with two threads). The price is a SIGBUS if the file is truncated while we read it,
    // made unlikely by the MADV_POPULATE_READ in MemoryReader. pread is the fallback wherever
    // mapping fails (some FUSE and network file systems).
    void* addr = MAP_FAILED;
    if (opts.read_method != ReadMethod::kPread) {
      addr = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
      if (addr == MAP_FAILED && opts.read_method == ReadMethod::kMmap) {
        return Internal("cannot map " + path + ": " + std::generic_category().message(errno));
      }
    }
    Mapping map(addr, size);
    if (map.ok()) {
      madvise(addr, size, MADV_SEQUENTIAL);
      root = Run(size, opts, [&] { return std::make_unique<MemoryReader>(map.data(), true); });
    } else {
      root = Run(size, opts, [&] { return std::make_unique<PreadReader>(fd.get()); });
    }
  }
  if (!root.ok()) return Status(root.status().code(), path + ": " + root.status().message());

  // A file written while we read it has no well-defined fingerprint; say so rather than return
  // the digest of a mixture of old and new bytes.
  struct stat after;
  if (fstat(fd.get(), &after) != 0) return OpenError(errno, path);
  if (after.st_size != before.st_size || after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
      after.st_mtim.tv_nsec != before.st_mtim.tv_nsec) {
    return Conflict(path + ": the file changed while it was being fingerprinted");
  }
  return Make(*root, size);
}

Result<Fingerprint> FingerprintBytes(std::string_view data) {
  FingerprintOptions opts;
  opts.threads = 1;
  const auto* base = reinterpret_cast<const uint8_t*>(data.data());
  Result<Hash> root =
      Run(data.size(), opts, [&] { return std::make_unique<MemoryReader>(base, false); });
  if (!root.ok()) return root.status();
  return Make(*root, data.size());
}

nlohmann::json ToJson(const Fingerprint& fp) {
  nlohmann::json j = nlohmann::json::object();
  j["algorithm"] = fp.algorithm;
  j["chunk_size"] = fp.chunk_size;
  j["chunks"] = fp.chunks;
  j["digest"] = HexEncode(fp.digest);
  j["size"] = fp.size;
  return j;
}

Result<Fingerprint> FingerprintFromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return InvalidArgument(std::string("fingerprint: must be a JSON object, got ") + j.type_name());
  }
  static constexpr std::array<std::string_view, 5> kFields = {"algorithm", "chunk_size", "chunks",
                                                              "digest", "size"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(kFields.begin(), kFields.end(), key) == kFields.end()) {
      std::string name = Escaped(key);
      return FieldError(name.substr(1, name.size() - 2), "unknown field");
    }
  }

  Fingerprint fp;
  ASSIGN_OR_RETURN(fp.algorithm, GetString(j, "algorithm"));
  if (fp.algorithm != kAlgorithm) {
    return FieldError("algorithm", "unknown algorithm " + Escaped(fp.algorithm) + " (want \"" +
                                       std::string(kAlgorithm) + "\")");
  }
  ASSIGN_OR_RETURN(std::string digest, GetString(j, "digest"));
  if (!IsLowerHex64(digest)) return FieldError("digest", "must be 64 lower-case hex digits");
  Result<std::string> raw = HexDecode(digest);
  if (!raw.ok()) return FieldError("digest", raw.status().message());
  std::copy(raw->begin(), raw->end(), fp.digest.begin());

  ASSIGN_OR_RETURN(fp.size, GetUint(j, "size"));
  ASSIGN_OR_RETURN(fp.chunk_size, GetUint(j, "chunk_size"));
  if (fp.chunk_size != kChunkSize) {
    return FieldError("chunk_size", "must be " + std::to_string(kChunkSize) + " for " +
                                        std::string(kAlgorithm) + ", got " +
                                        std::to_string(fp.chunk_size));
  }
  ASSIGN_OR_RETURN(fp.chunks, GetUint(j, "chunks"));
  if (fp.chunks != ChunkCount(fp.size)) {
    return FieldError("chunks", "must be " + std::to_string(ChunkCount(fp.size)) + " for size " +
                                    std::to_string(fp.size) + ", got " + std::to_string(fp.chunks));
  }
  return fp;
}

}  // namespace dipr::fingerprint
