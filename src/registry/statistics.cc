#include "registry/statistics.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>

#include "registry/application_events.h"
#include "registry/deposit_events.h"
#include "registry/settings_events.h"
#include "verify/event.h"

namespace dipr::registry {
namespace {

// What the statistics need of an entry.
struct Fields {
  std::string type;
  Time time;
};

// An entry's type and time, read off the end of its canonical JSON (registry/event.h: keys in
// order, so it ends in ,"time":"…","type":"…","v":1} after the payload), which costs no parse of
// the payload; nullopt when it does not end so.
std::optional<Fields> QuickFields(std::string_view e) {
  constexpr std::string_view kTail = "\",\"v\":1}";
  constexpr std::string_view kType = "\",\"type\":\"";
  constexpr std::string_view kTime = ",\"time\":\"";
  if (e.size() < kTail.size() || e.substr(e.size() - kTail.size()) != kTail) return std::nullopt;
  e.remove_suffix(kTail.size());
  size_t type_at = e.rfind(kType);
  if (type_at == std::string_view::npos) return std::nullopt;
  std::string_view type = e.substr(type_at + kType.size());
  e = e.substr(0, type_at);
  size_t time_at = e.rfind(kTime);
  if (time_at == std::string_view::npos) return std::nullopt;
  std::string_view time = e.substr(time_at + kTime.size());
  if (type.find('"') != std::string_view::npos || type.find('\\') != std::string_view::npos ||
      time.find('"') != std::string_view::npos) {
    return std::nullopt;
  }
  auto t = ParseRfc3339(time);
  if (!t.ok()) return std::nullopt;
  return Fields{std::string(type), *t};
}

std::string Month(const calendar::TimeZone& zone, Time t) {
  std::chrono::year_month_day d = zone.LocalDate(t);
  return fmt::format("{:04}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()));
}

}  // namespace

Result<const calendar::TimeZone*> Statistics::ZoneAt(int64_t settings_index) {
  if (zone_ && zone_index_ == settings_index) return &*zone_;
  std::string name(calendar::kDefaultTimeZone);
  if (settings_index > 0) {
    const uint64_t at = static_cast<uint64_t>(settings_index - 1);
    ASSIGN_OR_RETURN(std::vector<std::string> e, store_.ReadEntries(at, at + 1));
    ASSIGN_OR_RETURN(Event ev, DecodeEntry(e[0]));
    auto it = ev.payload.find("time_zone");
    if (ev.type != kRegistrarSettings || it == ev.payload.end() || !it->is_string()) {
      return DataLoss(
          fmt::format("entry {} is not a registrar.settings entry with a time zone", at));
    }
    name = it->get<std::string>();
  }
  ASSIGN_OR_RETURN(calendar::TimeZone zone, calendar::TimeZone::Load(name));
  zone_ = std::move(zone);
  zone_index_ = settings_index;
  return &*zone_;
}

Status Statistics::Apply(storage::FollowerTx& tx, uint64_t from,
                         std::span<const std::string> entries) {
  // The zone in force where this run starts is what the log said before it; this process may
  // not have applied the entries before (another node's runner did), so it is read from the
  // store, never remembered from the last run.
  ASSIGN_OR_RETURN(int64_t settings_index, tx.Counter(kSettingsIndexKey));
  const int64_t settings_before = settings_index;
  ASSIGN_OR_RETURN(const calendar::TimeZone* zone, ZoneAt(settings_index));
  std::map<std::string, int64_t> add;  // one write per key and run
  for (size_t i = 0; i < entries.size(); ++i) {
    std::optional<Fields> f = QuickFields(entries[i]);
    if (!f) {
      if (auto ev = DecodeEntry(entries[i]); ev.ok()) f = Fields{ev->type, ev->time};
    }
    if (!f) {
      // Nothing in the log should be undecodable; count it rather than stop the statistics.
      ++add[std::string(kEntriesPrefix) + "?"];
      continue;
    }
    ++add[std::string(kEntriesPrefix) + f->type];
    if (f->type == kDeposit) {
      ++add[std::string(kDepositsPrefix) + Month(*zone, f->time)];
    } else if (f->type == kApplicationRegistered) {
      ++add[std::string(kRegistrationsPrefix) + Month(*zone, f->time)];
    } else if (f->type == kRegistrarSettings) {
      // From the next entry on, months are in the zone this one states.
      settings_index = static_cast<int64_t>(from + i) + 1;
      auto loaded = ZoneAt(settings_index);
      if (!loaded.ok()) {
        return Status(loaded.status().code(), fmt::format("the time zone of entry {}: {}", from + i,
                                                          loaded.status().message()));
      }
      zone = *loaded;
    }
  }
  for (const auto& [key, n] : add) RETURN_IF_ERROR(tx.AddToCounter(key, n));
  if (settings_index != settings_before) {
    RETURN_IF_ERROR(tx.SetCounter(kSettingsIndexKey, settings_index));
  }
  return Status::Ok();
}

void Statistics::CaughtUp(storage::Store& store, uint64_t) {
  auto counts = store.Counters(kEntriesPrefix);
  if (!counts.ok()) {
    spdlog::warn("statistics: reading the counts failed: {}", counts.status().ToString());
    return;
  }
  for (auto& [key, n] : *counts) key.erase(0, kEntriesPrefix.size());
  MutexLock l(mu_);
  by_type_ = std::move(counts).value();
}

std::vector<std::pair<std::string, int64_t>> Statistics::EntriesByType() const {
  MutexLock l(mu_);
  return by_type_;
}

}  // namespace dipr::registry
