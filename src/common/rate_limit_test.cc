#include "common/rate_limit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace dipr {
namespace {

Time Start() { return *ParseRfc3339("2026-12-01T00:00:00Z"); }

TEST(RateLimiter, AllowsTheBurstThenRefusesWithTheTimeToTheNextToken) {
  FakeClock clock(Start());
  RateLimiter limiter(clock, {.rate = 2, .burst = 3});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("a").allowed) << i;
  RateDecision d = limiter.Take("a");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, Micros(500000));
  EXPECT_EQ(d.RetryAfterSeconds(), 1);
  clock.Advance(Micros(499999));
  EXPECT_FALSE(limiter.Take("a").allowed);
  clock.Advance(Micros(1));
  EXPECT_TRUE(limiter.Take("a").allowed);
  EXPECT_FALSE(limiter.Take("a").allowed);
}

TEST(RateLimiter, RetryAfterRoundsUpToWholeSeconds) {
  FakeClock clock(Start());
  RateLimiter limiter(clock, {.rate = 0.1, .burst = 1});
  EXPECT_TRUE(limiter.Take("a").allowed);
  clock.Advance(Micros(500000));
  RateDecision d = limiter.Take("a");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, Micros(9500000));
  EXPECT_EQ(d.RetryAfterSeconds(), 10);
}

TEST(RateLimiter, KeysHaveTheirOwnBuckets) {
  FakeClock clock(Start());
  RateLimiter limiter(clock, {.rate = 1, .burst = 1});
  EXPECT_TRUE(limiter.Take("a").allowed);
  EXPECT_FALSE(limiter.Take("a").allowed);
  EXPECT_TRUE(limiter.Take("b").allowed);
}

TEST(RateLimiter, RefillsNoMoreThanTheBurst) {
  FakeClock clock(Start());
  RateLimiter limiter(clock, {.rate = 10, .burst = 2});
  EXPECT_TRUE(limiter.Take("a").allowed);
  clock.Advance(std::chrono::hours(1));
  EXPECT_TRUE(limiter.Take("a").allowed);
  EXPECT_TRUE(limiter.Take("a").allowed);
  EXPECT_FALSE(limiter.Take("a").allowed);
}

TEST(RateLimiter, AClockThatStepsBackRefillsNothing) {
  FakeClock clock(Start());
  RateLimiter limiter(clock, {.rate = 1, .burst = 1});
  EXPECT_TRUE(limiter.Take("a").allowed);
  clock.Advance(-std::chrono::hours(1));
  EXPECT_FALSE(limiter.Take("a").allowed);
  clock.Advance(std::chrono::hours(1));
  EXPECT_FALSE(limiter.Take("a").allowed);  // the step back gives no credit either
  clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(limiter.Take("a").allowed);
}

TEST(RateLimiter, ARateOfZeroIsNoLimit) {
  FakeClock clock(Start());
  RateLimiter limiter(clock, {.rate = 0, .burst = 1});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.Take("a").allowed);
  EXPECT_EQ(limiter.keys(), 0u);
}

TEST(RateLimiter, ManyAddressesDoNotGrowMemoryBeyondTheBound) {
  FakeClock clock(Start());
  RateLimiter limiter(clock, {.rate = 1, .burst = 5, .max_keys = 100});
  for (int i = 0; i < 100000; ++i) {
    EXPECT_TRUE(limiter.Take("2001:db8::" + std::to_string(i)).allowed);
    ASSERT_LE(limiter.keys(), 100u);
  }
}

TEST(RateLimiter, RefilledBucketsAreDropped) {
  FakeClock clock(Start());
  RateLimiter limiter(clock, {.rate = 1, .burst = 5, .max_keys = 1000});
  for (int i = 0; i < 500; ++i) (void)limiter.Take("k" + std::to_string(i));
  EXPECT_EQ(limiter.keys(), 500u);
  clock.Advance(std::chrono::seconds(1));  // every bucket back at 5 of 5: the same as none
  for (int i = 0; i < 300; ++i) (void)limiter.Take("busy");
  EXPECT_EQ(limiter.keys(), 1u);
}

TEST(RateLimiter, AFloodOfNewKeysDoesNotFreeAKeyThatKeepsAsking) {
  FakeClock clock(Start());
  RateLimiter limiter(clock, {.rate = 1, .burst = 1, .max_keys = 10});
  EXPECT_TRUE(limiter.Take("attacker").allowed);
  for (int i = 0; i < 1000; ++i) {
    (void)limiter.Take("other" + std::to_string(i));
    ASSERT_FALSE(limiter.Take("attacker").allowed) << i;
  }
}

TEST(RateLimiter, ConcurrentTakesNeverExceedTheBurst) {
  FakeClock clock(Start());
  RateLimiter limiter(clock, {.rate = 1, .burst = 1000});
  std::atomic<int> allowed = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) allowed += limiter.Take("shared").allowed ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 1000);
}

}  // namespace
}  // namespace dipr
