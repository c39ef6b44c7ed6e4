// Cryptographically secure random bytes from OpenSSL's CSPRNG.
#pragma once

#include <string>

namespace dipr::crypto {

// Aborts if the CSPRNG fails: continuing without randomness would mint guessable tokens and keys.
std::string RandomBytes(size_t n);

}  // namespace dipr::crypto
