// Ed25519 keys (RFC 8032) through OpenSSL 3. Both classes are immutable after construction and
// thread-safe.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dipr::crypto {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

class Ed25519PublicKey {
 public:
  // REQUIRES: raw is 32 bytes; use FromRaw to validate untrusted input.
  static Result<Ed25519PublicKey> FromRaw(std::string_view raw);
  const std::string& raw() const { return raw_; }
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  Ed25519PublicKey(std::string raw, PkeyPtr key);
  std::string raw_;
  std::shared_ptr<EVP_PKEY> key_;  // shared: the key object is immutable and copied cheaply
};

class Ed25519PrivateKey {
 public:
  static Ed25519PrivateKey Generate();
  // seed: the 32-byte RFC 8032 private key.
  static Result<Ed25519PrivateKey> FromSeed(std::string_view seed);

  const std::string& seed() const { return seed_; }
  const Ed25519PublicKey& public_key() const { return public_; }
  // 64-byte signature. Thread-safe.
  std::string Sign(std::string_view message) const;

 private:
  Ed25519PrivateKey(std::string seed, PkeyPtr key, Ed25519PublicKey pub);
  std::string seed_;
  std::shared_ptr<EVP_PKEY> key_;
  Ed25519PublicKey public_;
};

}  // namespace dipr::crypto
