// Record::parties as both backends keep them: a set of (role, id), read back in byte order. A
// read fetches a record's parties with the record, in one query, as one text: each party
// "role 0x1F id", parties separated by 0x1E (which is why neither may appear in them).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/store.h"

namespace dipr::storage {

inline constexpr char kPartySeparator = '\x1e';
inline constexpr char kPartyFieldSeparator = '\x1f';

// InvalidArgument if a party holds a separator.
inline Status CheckParties(const std::vector<Party>& parties) {
  for (const Party& p : parties) {
    for (std::string_view s : {std::string_view(p.role), std::string_view(p.id)}) {
      if (s.find(kPartySeparator) != s.npos || s.find(kPartyFieldSeparator) != s.npos) {
        return InvalidArgument("a record's party may not contain the bytes 0x1E or 0x1F");
      }
    }
  }
  return Status::Ok();
}

// The set: sorted, without repeats.
inline std::vector<Party> PartySet(std::vector<Party> parties) {
  std::sort(parties.begin(), parties.end());
  parties.erase(std::unique(parties.begin(), parties.end()), parties.end());
  return parties;
}

// The parties of the text a read fetched ("" : none).
inline std::vector<Party> DecodeParties(std::string_view joined) {
  std::vector<Party> out;
  while (!joined.empty()) {
    size_t end = joined.find(kPartySeparator);
    std::string_view one = joined.substr(0, end);
    size_t field = one.find(kPartyFieldSeparator);
    if (field != one.npos) {
      out.push_back(Party{std::string(one.substr(0, field)), std::string(one.substr(field + 1))});
    }
    if (end == joined.npos) break;
    joined.remove_prefix(end + 1);
  }
  return PartySet(std::move(out));
}

}  // namespace dipr::storage
