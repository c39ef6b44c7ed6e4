// The statistics follower (log/follower.h): counts of the log's entries by event type, and of
// deposits and registrations by month, kept in the store's generic counters (key -> integer) so
// that later statistics (by industry, region, finance amounts: issue 12) add keys, not columns.
// Keys (docs/FORMATS.md, "Followers"):
//
//   statistics/entries/<event type>         entries of that type ("?" for an undecodable one)
//   statistics/deposits/<YYYY-MM>           deposit entries whose time falls in that month
//   statistics/registrations/<YYYY-MM>      application.registered entries, likewise
//   statistics/settings_index               1 + the log index of the registrar.settings entry
//                                           in force (0: none yet)
//
// Months are local months in the registrar's time zone as the log states it at each entry (the
// last registrar.settings entry before it; Asia/Shanghai, the default, before the first), so the
// counts follow from the log alone, whichever node applied which entries.
//
// Apply and CaughtUp run on the runner's thread; EntriesByType is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "calendar/time_zone.h"
#include "common/mutex.h"
#include "log/follower.h"

namespace dipr::registry {

class Statistics final : public log::Follower {
 public:
  static constexpr std::string_view kName = "statistics";
  static constexpr std::string_view kEntriesPrefix = "statistics/entries/";
  static constexpr std::string_view kDepositsPrefix = "statistics/deposits/";
  static constexpr std::string_view kRegistrationsPrefix = "statistics/registrations/";
  static constexpr std::string_view kSettingsIndexKey = "statistics/settings_index";

  // The store the registrar.settings entries are read from (for the time zone in force where a
  // run starts).
  explicit Statistics(storage::Store& store) : store_(store) {}

  std::string_view name() const override { return kName; }
  Status Apply(storage::FollowerTx& tx, uint64_t from,
               std::span<const std::string> entries) override;
  void CaughtUp(storage::Store& store, uint64_t cursor) override;

  // Entries by event type, as of the last catch-up, in type order (for /metrics).
  std::vector<std::pair<std::string, int64_t>> EntriesByType() const;

 private:
  // The time zone in force after the registrar.settings entry at `settings_index` - 1 (0: the
  // default), loaded once and kept while it stays in force.
  Result<const calendar::TimeZone*> ZoneAt(int64_t settings_index);

  storage::Store& store_;
  int64_t zone_index_ = -1;  // the settings index zone_ is for; -1: none loaded
  std::optional<calendar::TimeZone> zone_;

  mutable Mutex mu_;
  std::vector<std::pair<std::string, int64_t>> by_type_ DIPR_GUARDED_BY(mu_);
};

}  // namespace dipr::registry
