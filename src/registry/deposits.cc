#include "registry/deposits.h"

#include "registry/deposit_events.h"
#include "registry/validate.h"

namespace dipr::registry {

Result<Submission> PrepareDeposit(Registry& registry, const storage::Account& actor,
                                  const DepositRequest& req) {
  RETURN_IF_ERROR(RequireRole(actor, "holder", "deposits evidence"));
  Time now = registry.Now();
  const auto& fp = req.fingerprint;
  std::string entry = EncodeDepositEntry(now, actor.id, fp.algorithm, fp.chunk_size, fp.chunks,
                                         req.digest, fp.size, req.title);
  storage::DepositRecord d{0, actor.id, req.digest, fp.size, req.title, now};
  return Submission{std::move(entry), "", [d](storage::WriteTx& tx, uint64_t index) mutable {
                      d.index = index;
                      return tx.InsertDeposit(d);
                    }};
}

}  // namespace dipr::registry
