#include "registry/settings.h"

#include <fmt/format.h>

#include <cstring>

#include "calendar/period.h"
#include "common/hex.h"
#include "common/json_parse.h"
#include "common/read_file.h"
#include "crypto/sha256.h"
#include "log/sequencer.h"
#include "registry/event_spec.h"
#include "registry/numbers.h"
#include "registry/projector.h"
#include "registry/register_view.h"
#include "registry/settings_events.h"
#include "registry/validate.h"

namespace dipr::registry {
namespace {

using nlohmann::json;

constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxUrlChars = 500;
// Room in an entry for the rest of the event (type, time, actor) around the payload.
constexpr size_t kEntryOverhead = 256;

// Every setting: its key (event, HTTP, `dipr settings set`), its `dipr serve` flag, the flag's
// value, where it is kept (null for the calendar, which is JSON), and the flag's help.
struct Key {
  const char* key;
  const char* flag;
  std::optional<std::string> SettingsFlags::*given;
  std::string& (*field)(Settings&);
  const char* help;
};

constexpr Key kKeys[] = {
    {"registrar_code", "--registrar-code", &SettingsFlags::registrar_code,
     [](Settings& s) -> std::string& { return s.registrar.code; },
     "the registrar's 4-digit code in registration and certificate numbers (default 0000)"},
    {"registrar_name", "--registrar-name", &SettingsFlags::registrar_name,
     [](Settings& s) -> std::string& { return s.registrar.name; },
     "the registrar's name on certificates, e.g. \"浙江省知识产权局 / Zhejiang IP Office\""},
    {"public_url", "--public-url", &SettingsFlags::public_url,
     [](Settings& s) -> std::string& { return s.registrar.public_url; },
     "base http:// or https:// URL of the public register (certificates' QR codes link to "
     "it); default http://HOST:PORT of --listen"},
    {"notice_period", "--notice-period", &SettingsFlags::notice_period,
     [](Settings& s) -> std::string& { return s.schedule.notice_period; },
     "public notice: 10wd (working days), 15d (days), or 30s/5m/2h for trials"},
    {"correction_period", "--correction-period", &SettingsFlags::correction_period,
     [](Settings& s) -> std::string& { return s.schedule.correction_period; },
     "how long a correction request stays open before the application lapses (default 30d)"},
    {"validity", "--validity", &SettingsFlags::validity,
     [](Settings& s) -> std::string& { return s.schedule.validity; },
     "how long a certificate is valid: 3y, 36mo, 30d, 1h, ... (default 3y)"},
    {"renewal_window", "--renewal-window", &SettingsFlags::renewal_window,
     [](Settings& s) -> std::string& { return s.schedule.renewal_window; },
     "renewal opens this long before expiry (days, hours, minutes or seconds; default 90d)"},
    {"renewal_grace", "--renewal-grace", &SettingsFlags::renewal_grace,
     [](Settings& s) -> std::string& { return s.schedule.renewal_grace; },
     "and stays open this long after expiry (default 6mo)"},
    {"time_zone", "--time-zone", &SettingsFlags::time_zone,
     [](Settings& s) -> std::string& { return s.schedule.time_zone; },
     "the registrar's time zone (default: the calendar's, Asia/Shanghai)"},
    {"calendar", "--holidays", &SettingsFlags::holidays_file, nullptr,
     "holiday calendar file (docs/CALENDAR.md); default: the built-in mainland China "
     "calendar"},
};
constexpr const char* kPeriodKeys[] = {"notice_period", "correction_period", "validity",
                                       "renewal_window", "renewal_grace"};

}  // namespace

std::vector<ServeFlag> ServeFlags() {
  std::vector<ServeFlag> out;
  for (const Key& k : kKeys) out.push_back({k.flag, k.given, k.help});
  return out;
}

namespace {

// How errors name a setting: by its flag (a start) or by its key (the log, the HTTP API).
enum class Naming { kFlags, kKeys };

std::string NameOf(const Key& k, Naming n) {
  return n == Naming::kFlags ? k.flag : fmt::format("\"{}\"", k.key);
}
const Key& KeyNamed(std::string_view key) {
  for (const Key& k : kKeys) {
    if (key == k.key) return k;
  }
  return kKeys[0];  // not reached: callers name keys of the table
}

// The value as a person compares it: the text, or the calendar's name and hash.
std::string Shown(const Settings& s, const Key& k) {
  if (k.field == nullptr) {
    return fmt::format("\"{}\" (sha256 {})", s.schedule.calendar.value("name", ""),
                       s.calendar_sha256);
  }
  return fmt::format("\"{}\"", k.field(const_cast<Settings&>(s)));
}

Settings Defaults() {
  Settings s;
  s.schedule.calendar = json::parse(calendar::DefaultCalendarJson());
  return s;
}

// Checks `s` and puts it in canonical form (public URL without a trailing '/', the calendar's
// hash, the zone resolved); `full` also builds the schedule, which loads the time zone.
Status Normalize(Settings& s, Naming naming, bool full) {
  auto name = [&](const char* key) { return NameOf(KeyNamed(key), naming); };
  if (!IsValidRegistrarCode(s.registrar.code)) {
    return InvalidArgument(
        fmt::format("{} must be 4 digits, not \"{}\"", name("registrar_code"), s.registrar.code));
  }
  std::string text;
  RETURN_IF_ERROR(CheckTextValue(json(s.registrar.name), name("registrar_name"), 1, kMaxNameChars,
                                 false, text));
  std::string& url = s.registrar.public_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  size_t scheme = url.rfind("https://", 0) == 0 ? 8 : url.rfind("http://", 0) == 0 ? 7 : 0;
  if (scheme == 0 || url.size() == scheme || url.size() > kMaxUrlChars ||
      url.find_first_of(" \t\r\n\"<>\\^`{|}") != std::string::npos ||
      url.find('/', scheme) == scheme) {
    return InvalidArgument(
        fmt::format("{} must be an http:// or https:// URL with a host (at most {} characters), "
                    "not \"{}\"",
                    name("public_url"), kMaxUrlChars, url));
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return InvalidArgument(
          fmt::format("{} must be ASCII without controls (percent-encode "
                      "the rest)",
                      name("public_url")));
    }
  }
  for (const char* key : kPeriodKeys) {
    std::string& v = KeyNamed(key).field(s);
    auto p = calendar::ParsePeriod(v);
    if (!p.ok())
      return InvalidArgument(fmt::format("{} \"{}\": {}", name(key), v, p.status().message()));
    v = calendar::FormatPeriod(*p);
  }
  if (!s.schedule.calendar.is_object()) {
    return InvalidArgument(
        fmt::format("{} must be a calendar (docs/CALENDAR.md)", name("calendar")));
  }
  auto canonical = CanonicalJson(s.schedule.calendar);
  if (!canonical.ok()) {
    return InvalidArgument(fmt::format("{}: {}", name("calendar"), canonical.status().message()));
  }
  auto parsed = calendar::Calendar::Parse(*canonical);
  if (!parsed.ok()) {
    return InvalidArgument(fmt::format("{}: {}", name("calendar"), parsed.status().message()));
  }
  crypto::Hash h = crypto::Sha256Of(*canonical);
  s.calendar_sha256 = HexEncode({h.data(), h.size()});
  if (full) {
    auto schedule = CalendarSchedule::Create(s.schedule);
    if (!schedule.ok()) {
      std::string message = schedule.status().message();
      if (naming == Naming::kKeys) {
        for (const Key& k : kKeys) {  // its messages name flags
          if (message.rfind(k.flag, 0) == 0)
            message = NameOf(k, naming) + message.substr(strlen(k.flag));
        }
      }
      return InvalidArgument(message);
    }
    s.schedule.time_zone = (*schedule)->zone().name();
  } else if (s.schedule.time_zone.empty()) {
    return InvalidArgument(fmt::format("{} must name a time zone", name("time_zone")));
  }
  size_t size = CanonicalJson(s.ToJson()).value().size();
  if (size > log::kMaxEntrySize - kEntryOverhead) {
    return InvalidArgument(
        fmt::format("the settings would take {} bytes in the log, more than "
                    "its {} per entry: a smaller {}",
                    size, log::kMaxEntrySize - kEntryOverhead, name("calendar")));
  }
  return Status::Ok();
}

// Sets one setting from a JSON value (a string; the calendar an object).
Status Set(Settings& s, const Key& k, const json& v, Naming naming) {
  if (k.field == nullptr) {
    s.schedule.calendar = v;  // Normalize checks it
    return Status::Ok();
  }
  if (!v.is_string()) return InvalidArgument(fmt::format("{} must be a string", NameOf(k, naming)));
  k.field(s) = v.get<std::string>();
  return Status::Ok();
}

Result<Settings> ApplyChanges(const Settings& before, const json& body) {
  RETURN_IF_ERROR(CheckObject(body));
  Settings s = before;
  for (const auto& [key, v] : body.items()) {
    const Key* k = nullptr;
    for (const Key& c : kKeys) {
      if (key == c.key) k = &c;
    }
    if (k == nullptr) {
      std::string keys;
      for (const Key& c : kKeys) keys += (keys.empty() ? "" : ", ") + std::string(c.key);
      return InvalidArgument(fmt::format("\"{}\" is not a setting (they are {})", key, keys));
    }
    RETURN_IF_ERROR(Set(s, *k, v, Naming::kKeys));
  }
  RETURN_IF_ERROR(Normalize(s, Naming::kKeys, /*full=*/true));
  if (s.ToJson() == before.ToJson()) {
    return Conflict("the settings are these already: nothing would change");
  }
  return s;
}

}  // namespace

json Settings::ToJson() const {
  json j = {{"calendar", schedule.calendar}, {"calendar_sha256", calendar_sha256}};
  for (const Key& k : kKeys) {
    if (k.field) j[k.key] = k.field(const_cast<Settings&>(*this));
  }
  return j;
}

Result<Settings> Settings::FromJson(const json& payload) {
  RETURN_IF_ERROR(CheckObject(payload, "the settings"));
  Settings s;
  for (const Key& k : kKeys) {
    if (!payload.contains(k.key)) return InvalidArgument(fmt::format("\"{}\" is required", k.key));
    RETURN_IF_ERROR(Set(s, k, payload[k.key], Naming::kKeys));
  }
  if (!payload.contains("calendar_sha256") || !payload["calendar_sha256"].is_string()) {
    return InvalidArgument("\"calendar_sha256\" is required");
  }
  if (payload.size() != std::size(kKeys) + 1) {
    return InvalidArgument("the settings have keys that are not settings");
  }
  RETURN_IF_ERROR(Normalize(s, Naming::kKeys, /*full=*/false));
  if (s.calendar_sha256 != payload["calendar_sha256"].get<std::string>()) {
    return InvalidArgument("\"calendar_sha256\" is not the hash of the calendar");
  }
  if (s.ToJson() != payload) {
    return InvalidArgument("the settings are not in their canonical form");
  }
  return s;
}

Result<Settings> SettingsFromFlags(const SettingsFlags& flags,
                                   const std::string& default_public_url) {
  Settings s = Defaults();
  s.registrar.public_url = default_public_url;
  s.schedule.time_zone.clear();  // the calendar's
  for (const Key& k : kKeys) {
    const std::optional<std::string>& v = flags.*k.given;
    if (!v) continue;
    if (k.field) {
      k.field(s) = *v;
      continue;
    }
    auto text = ReadFileUpTo(*v, log::kMaxEntrySize);
    if (!text.ok())
      return InvalidArgument(fmt::format("{} {}: {}", k.flag, *v, text.status().message()));
    auto parsed = calendar::Calendar::Parse(*text);  // refuses duplicate keys, names the entry
    if (!parsed.ok()) {
      return InvalidArgument(fmt::format("{} {}: {}", k.flag, *v, parsed.status().message()));
    }
    ASSIGN_OR_RETURN(s.schedule.calendar, ParseJson(*text));
  }
  RETURN_IF_ERROR(Normalize(s, Naming::kFlags, /*full=*/true));
  return s;
}

Result<std::optional<LoggedSettings>> ReadLoggedSettings(storage::Store& store,
                                                         uint64_t newer_than) {
  ASSIGN_OR_RETURN(auto r, store.RecordById(kSettingsKind, kSettingsId));
  if (!r || (newer_than > 0 && r->version <= newer_than)) return std::optional<LoggedSettings>();
  auto j = ParseJson(r->doc);
  if (!j.ok()) return DataLoss("the stored settings: " + j.status().message());
  auto s = Settings::FromJson(*j);
  if (!s.ok()) return DataLoss("the stored settings: " + s.status().message());
  return std::optional<LoggedSettings>(LoggedSettings{std::move(s).value(), r->version});
}

Result<LoggedSettings> EstablishSettings(Registry& registry, const Settings& wanted,
                                         const SettingsFlags& flags) {
  ASSIGN_OR_RETURN(auto logged, ReadLoggedSettings(registry.store()));
  if (!logged) {
    Event e{std::string(kRegistrarSettings), registry.Now(), std::string(kRegistrarActor),
            wanted.ToJson()};
    ASSIGN_OR_RETURN(std::string entry, EncodeEntry(e));
    auto appended = registry.Append({entry, "", [entry](storage::WriteTx& tx, uint64_t index) {
                                       return ApplyEntry(tx, index, entry, "");
                                     }});
    if (appended.ok()) return LoggedSettings{wanted, appended->index};
    if (appended.status().code() != Code::kConflict) return appended.status();
    // Another node started first and logged its settings: they hold for this one too.
    ASSIGN_OR_RETURN(logged, ReadLoggedSettings(registry.store()));
    if (!logged)
      return Internal("the registrar's first settings were refused, and none are logged");
  }
  for (const Key& k : kKeys) {
    if (!(flags.*k.given)) continue;
    std::string flag = Shown(wanted, k), in_log = Shown(logged->settings, k);
    if (flag != in_log) {
      return InvalidArgument(fmt::format(
          "{} {} differs from the registry's {} {} (log entry {}): omit the flag to run with "
          "the logged settings, or change them with `dipr settings set`",
          k.flag, flag, k.key, in_log, logged->index));
    }
  }
  return *logged;
}

Result<Submission> PrepareSettingsChange(Registry& registry, const storage::Account& actor,
                                         const json& body) {
  RETURN_IF_ERROR(RequireRole(actor, "admin", "changes the registrar's settings"));
  ASSIGN_OR_RETURN(auto logged, ReadLoggedSettings(registry.store()));
  if (!logged) return Unavailable("the registrar has logged no settings yet");
  ASSIGN_OR_RETURN(Settings changed, ApplyChanges(logged->settings, body));
  Event e{std::string(kRegistrarSettings), registry.Now(), actor.id, changed.ToJson()};
  ASSIGN_OR_RETURN(std::string entry, EncodeEntry(e));
  return Submission{entry, "", [entry](storage::WriteTx& tx, uint64_t index) {
                      return ApplyEntry(tx, index, entry, "");
                    }};
}

Result<json> SettingsView(storage::Store& store) {
  ASSIGN_OR_RETURN(auto logged, ReadLoggedSettings(store));
  if (!logged) return Unavailable("the registrar has logged no settings yet");
  json v = logged->settings.ToJson();
  v["event_index"] = logged->index;
  return v;
}

Result<Settings> ApplySettingsEvent(const std::optional<Settings>& before, const Event& e) {
  auto s = Settings::FromJson(e.payload);
  if (!s.ok()) return InvalidArgument("registrar.settings: " + s.status().message());
  if (e.actor == kRegistrarActor && before) {
    return Conflict(
        "the registrar logs its settings once, at its first start; changes are an "
        "admin's");
  }
  return s;
}

namespace {

// The settings in force become the event's.
Status SettingsLogged(RegisterView& view, const EventContext& c) {
  ASSIGN_OR_RETURN(std::optional<Settings> before, view.GetSettings());
  ASSIGN_OR_RETURN(Settings s, ApplySettingsEvent(before, c.event));
  return view.PutSettings(s, c.event.actor, c.index);
}

constexpr EventSpec kSpecs[] = {
    // By the registrar at its first start, by an admin at each change.
    {.type = kRegistrarSettings,
     .family = "settings",
     .roles = kAdmin,
     .by_registrar = true,
     .kinds = {kSettingsKind},
     .apply = SettingsLogged,
     .action = "changes the registrar's settings"},
};

}  // namespace

std::span<const EventSpec> SettingsEventSpecs() { return kSpecs; }

}  // namespace dipr::registry
