// SHA-256 through OpenSSL 3 (which uses the CPU's SHA extensions where present).
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace dipr::crypto {

using Hash = std::array<uint8_t, 32>;

// Incremental hasher. Not thread-safe; cheap to reuse via Reset().
class Sha256 {
 public:
  Sha256();
  void Reset();
  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data) {
    Update({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
  }
  void Update(uint8_t byte) { Update(std::span<const uint8_t>(&byte, 1)); }
  Hash Final();

 private:
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx_;
};

Hash Sha256Of(std::span<const uint8_t> data);
inline Hash Sha256Of(std::string_view data) {
  return Sha256Of({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

inline std::string_view HashChars(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

}  // namespace dipr::crypto
