#include "crypto/ed25519.h"

#include <cstdlib>

#include "crypto/random.h"

namespace dipr::crypto {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

Ed25519PublicKey::Ed25519PublicKey(std::string raw, PkeyPtr key)
    : raw_(std::move(raw)), key_(key.release(), PkeyFree()) {}

Result<Ed25519PublicKey> Ed25519PublicKey::FromRaw(std::string_view raw) {
  if (raw.size() != 32) return InvalidArgument("an Ed25519 public key is 32 bytes");
  PkeyPtr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
  if (!key) return InvalidArgument("not an Ed25519 public key");
  return Ed25519PublicKey(std::string(raw), std::move(key));
}

bool Ed25519PublicKey::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != 64) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

Ed25519PrivateKey::Ed25519PrivateKey(std::string seed, PkeyPtr key, Ed25519PublicKey pub)
    : seed_(std::move(seed)), key_(key.release(), PkeyFree()), public_(std::move(pub)) {}

Ed25519PrivateKey Ed25519PrivateKey::Generate() {
  auto key = FromSeed(RandomBytes(32));
  if (!key.ok()) std::abort();  // 32 random bytes are always a valid seed.
  return std::move(key).value();
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(std::string_view seed) {
  if (seed.size() != 32) return InvalidArgument("an Ed25519 private key is 32 bytes");
  PkeyPtr key(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()), seed.size()));
  if (!key) return InvalidArgument("not an Ed25519 private key");
  std::string pub(32, '\0');
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(pub.data()), &len) !=
      1) {
    return Internal("cannot derive the Ed25519 public key");
  }
  ASSIGN_OR_RETURN(auto public_key, Ed25519PublicKey::FromRaw(pub));
  return Ed25519PrivateKey(std::string(seed), std::move(key), std::move(public_key));
}

std::string Ed25519PrivateKey::Sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    std::abort();  // Signing with a valid key cannot fail short of memory exhaustion.
  }
  return sig;
}

}  // namespace dipr::crypto
