// RFC 6962 Merkle tree hashing: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left ||
// right), and the empty tree's root is SHA-256("").
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/sha256.h"

namespace dipr::log {

using crypto::Hash;

Hash HashLeaf(std::span<const uint8_t> data);
inline Hash HashLeaf(std::string_view data) {
  return HashLeaf({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}
Hash HashChildren(const Hash& left, const Hash& right);
Hash EmptyRoot();

}  // namespace dipr::log
