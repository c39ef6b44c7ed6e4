// Realistic-looking registration data for load runs (bench/workflow_load.cc): holders with valid
// unified social credit codes, application bodies whose names and descriptions mix Chinese and
// English from a fixed vocabulary over the 20 industry sections A-T, and public search queries
// drawn from the same vocabulary. Deterministic for a seed. Not thread-safe (one per thread).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace dipr::bench {

struct Holder {
  std::string name;     // the account's name and the application's first holder
  std::string type;     // enterprise | institution
  std::string id;       // a valid USCC for CN holders
  std::string country;  // "CN" mostly
};

// The `n` holders of a run: the same list for the same seed.
std::vector<Holder> MakeHolders(size_t n, uint64_t seed);

// A search query of the public register, as a request target, and which class it is of.
struct SearchQuery {
  std::string kind;    // zh3 | en | zh2 | holder | industry | browse
  std::string target;  // "/v1/registrations?..." (URL-encoded)
};

class WorkflowData {
 public:
  explicit WorkflowData(uint64_t seed) : rng_(seed) {}

  // A valid application body for `holder`, referencing `deposit` (a log index of their deposit)
  // of `deposit_bytes` bytes (its scale.bytes).
  nlohmann::json Application(const Holder& holder, uint64_t deposit, uint64_t deposit_bytes);
  // A deposit body with a fresh random digest.
  nlohmann::json Deposit();
  // A mix of searches: roughly what a public register sees (see the .cc for the weights).
  std::vector<SearchQuery> Queries(size_t n, const std::vector<Holder>& holders);

 private:
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::string Individual(std::string& id);

  std::mt19937_64 rng_;
};

// RFC 3986 percent-encoding of a query value (UTF-8 bytes).
std::string UrlEncode(const std::string& s);

}  // namespace dipr::bench
