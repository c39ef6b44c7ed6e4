#include "crypto/sha256.h"

#include <cstdlib>

namespace dipr::crypto {
namespace {

// Fetched once: EVP_get_digestbyname on every call would take a lock in the provider layer.
const EVP_MD* Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) std::abort();  // OpenSSL without SHA-256 is a broken installation.
  return md;
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) { Reset(); }

void Sha256::Reset() { EVP_DigestInit_ex2(ctx_.get(), Md(), nullptr); }

void Sha256::Update(std::span<const uint8_t> data) {
  EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

Hash Sha256::Final() {
  Hash out;
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_.get(), out.data(), &len);
  return out;
}

Hash Sha256Of(std::span<const uint8_t> data) {
  thread_local Sha256 h;
  h.Reset();
  h.Update(data);
  return h.Final();
}

}  // namespace dipr::crypto
