// A keyed token bucket: each key (an account, a client address) holds up to `burst` tokens that
// refill at `rate` per second; a request takes one token or is refused with the time until the
// next one (the 429's Retry-After).
//
// Memory is bounded by `max_keys`, whatever the number of keys an attacker can make up (one per
// address of an IPv6 /64): a bucket that has refilled to `burst` is the same as no bucket, so it is
// dropped, and when the table is full of non-full buckets the least recently used one goes. An
// evicted key starts again with a full bucket, which is the most it can gain; the keys a flood
// keeps busy are the recently used ones, so they stay limited.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/mutex.h"
#include "common/time.h"

namespace dipr {

struct RateLimit {
  double rate = 0;   // tokens per second; 0 switches the limit off
  double burst = 1;  // the bucket's size (>= 1): requests allowed at once after a quiet spell
  size_t max_keys = 100000;
};

struct RateDecision {
  bool allowed = true;
  Micros retry_after{0};  // when refused: until the next token (> 0)
  // Retry-After is whole seconds; rounded up so a client that waits that long gets a token.
  long RetryAfterSeconds() const;
};

// Thread-safe (one lock; a Take is a hash lookup and a few arithmetic operations).
class RateLimiter {
 public:
  RateLimiter(const Clock& clock, RateLimit limit);
  RateDecision Take(std::string_view key);
  bool enabled() const { return limit_.rate > 0; }
  size_t keys() const;  // buckets held now (for tests and a gauge)

 private:
  struct Bucket {
    std::string key;
    double tokens;
    Time updated;
  };
  using Lru = std::list<Bucket>;  // front: most recently used
  double Refilled(const Bucket& b, Time now) const;
  void DropFullTail(Time now) DIPR_REQUIRES(mu_);

  const Clock& clock_;
  const RateLimit limit_;
  mutable Mutex mu_;
  Lru lru_ DIPR_GUARDED_BY(mu_);
  std::unordered_map<std::string_view, Lru::iterator> map_
      DIPR_GUARDED_BY(mu_);  // keys point into lru_
};

}  // namespace dipr
