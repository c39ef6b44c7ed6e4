// The check the crash, two-node and migration tests share: receipts a registry issued earlier
// still hold against its current checkpoint.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/client.h"
#include "verify/checkpoint.h"
#include "verify/receipt.h"
#include "verify/verify.h"

namespace dipr::testenv {

struct IssuedReceipt {
  registry::Receipt receipt;
  std::string digest;  // the deposited fingerprint's digest
};

// The "proof" array of a /log/proof/* answer.
inline std::vector<crypto::Hash> ProofOf(const nlohmann::json& answer) {
  auto r = registry::Receipt::FromJson(
      {{"index", 0}, {"entry", ""}, {"checkpoint", ""}, {"proof", answer["proof"]}});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->proof : std::vector<crypto::Hash>();
}

// Every receipt verifies offline, its checkpoint is consistent with `current` (proved by the
// server), and the server still finds the deposit at the receipt's index. Returns how many held.
inline size_t ExpectReceiptsHold(cli::Client& server, const crypto::NoteVerifier& key,
                                 const log::Checkpoint& current,
                                 const std::vector<IssuedReceipt>& issued) {
  size_t held = 0;
  for (const auto& is : issued) {
    auto rcp = registry::VerifyReceipt(is.receipt, key);
    EXPECT_TRUE(rcp.ok()) << rcp.status().ToString();
    if (!rcp.ok()) continue;
    EXPECT_LE(rcp->size, current.size) << "a receipt's checkpoint is ahead of the log";
    if (rcp->size < current.size) {
      auto p = server.GetJson("/log/proof/consistency?from=" + std::to_string(rcp->size) +
                              "&to=" + std::to_string(current.size));
      EXPECT_TRUE(p.ok());
      if (!p.ok()) continue;
      EXPECT_TRUE(
          log::VerifyConsistency(rcp->size, current.size, ProofOf(*p), rcp->root, current.root)
              .ok())
          << "the checkpoint of size " << rcp->size << " is not consistent with the current one";
    } else if (rcp->size == current.size) {
      EXPECT_EQ(rcp->root, current.root);
    }
    auto found = server.GetJson("/v1/deposits?digest=" + is.digest);
    EXPECT_TRUE(found.ok());
    if (!found.ok() || (*found)["deposits"].size() != 1u ||
        (*found)["deposits"][0]["index"] != is.receipt.index) {
      ADD_FAILURE() << "the deposit of receipt " << is.receipt.index << " is not found there";
      continue;
    }
    ++held;
  }
  return held;
}

}  // namespace dipr::testenv
