#include "common/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace dipr {

long RateDecision::RetryAfterSeconds() const {
  if (allowed) return 0;
  return std::max<long>(1, static_cast<long>((retry_after.count() + 999999) / 1000000));
}

RateLimiter::RateLimiter(const Clock& clock, RateLimit limit) : clock_(clock), limit_(limit) {}

double RateLimiter::Refilled(const Bucket& b, Time now) const {
  double elapsed = std::chrono::duration<double>(now - b.updated).count();
  if (elapsed <= 0) return b.tokens;  // a clock that stepped back refills nothing
  return std::min(limit_.burst, b.tokens + elapsed * limit_.rate);
}

void RateLimiter::DropFullTail(Time now) {
  // Two per call: the table shrinks faster than one Take can grow it, and no call scans.
  for (int i = 0; i < 2 && !lru_.empty(); ++i) {
    const Bucket& tail = lru_.back();
    if (Refilled(tail, now) < limit_.burst) return;
    map_.erase(tail.key);
    lru_.pop_back();
  }
}

RateDecision RateLimiter::Take(std::string_view key) {
  if (!enabled()) return {};
  Time now = clock_.Now();
  MutexLock lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) {
    DropFullTail(now);
    if (lru_.size() >= std::max<size_t>(1, limit_.max_keys)) {
      map_.erase(lru_.back().key);
      lru_.pop_back();
    }
    lru_.push_front(Bucket{std::string(key), limit_.burst, now});
    it = map_.emplace(lru_.front().key, lru_.begin()).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second);
  }
  Bucket& b = *it->second;
  b.tokens = Refilled(b, now);
  b.updated = std::max(b.updated, now);
  RateDecision d;
  if (b.tokens >= 1) {
    b.tokens -= 1;
  } else {
    d.allowed = false;
    d.retry_after = Micros(static_cast<int64_t>(std::ceil((1 - b.tokens) / limit_.rate * 1e6)));
  }
  DropFullTail(now);  // never this key: it was just moved to the front and is not full
  return d;
}

size_t RateLimiter::keys() const {
  MutexLock lock(mu_);
  return lru_.size();
}

}  // namespace dipr
