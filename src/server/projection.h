// What a store holds for the projection of one log entry (the account, deposit or register
// records it made), read back as one comparable text: a migration compares it between source
// and target, fsck checks that it can be read at all.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "storage/store.h"
#include "verify/event.h"

namespace dipr::server {

// DataLoss naming the entry if an account, deposit or record the entry made is missing; "" for
// an entry that projects nothing.
Result<std::string> ReadProjection(storage::Store& store, const registry::Event& e, uint64_t index);

}  // namespace dipr::server
