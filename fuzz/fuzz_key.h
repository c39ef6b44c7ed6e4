// The log and registrar key of the fuzz corpus: fuzz/make_seeds.cc signs the seeds with it, and
// the targets verify with it, so that a seed passes the signature and the fuzzer explores what
// lies behind. An all-0x07 seed: for fuzzing only.
#pragma once

#include <string>

#include "crypto/note.h"

namespace dipr::fuzz {

inline const crypto::NoteSigner& FuzzSigner() {
  static const crypto::NoteSigner signer = crypto::NoteSigner(
      "fuzz.example/dipr", crypto::Ed25519PrivateKey::FromSeed(std::string(32, '\x07')).value());
  return signer;
}

}  // namespace dipr::fuzz
