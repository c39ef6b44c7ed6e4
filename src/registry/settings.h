// The registrar's settings: everything of its configuration that changes what it decides or
// states — the registrar code in every number, its name on certificates, the base of the public
// record URLs, the five periods, the holiday calendar and the time zone. They are logged as a
// registrar.settings event (docs/FORMATS.md §2.5): by the registrar on its first start, and by an
// admin on each deliberate change (PUT /v1/settings, `dipr settings set`). So they are public and
// replayable, and every node and every restart runs with the logged ones: a start whose flags
// differ from them is refused, a start without the flags uses them. Every rule about the settings
// is in this file.
//
// Each event states the whole settings (a payload of these keys, all required):
//   {"calendar":{…the calendar file's JSON, docs/CALENDAR.md…},"calendar_sha256":"<hex>",
//    "correction_period":"30d","notice_period":"10wd","public_url":"http://127.0.0.1:8080",
//    "registrar_code":"0000","registrar_name":"dipr","renewal_grace":"6mo",
//    "renewal_window":"90d","time_zone":"Asia/Shanghai","validity":"3y"}
// calendar_sha256 is the SHA-256 of the calendar's canonical JSON (registry/event.h), so that a
// calendar file can be compared with the logged one by its hash.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "common/status.h"
#include "registry/calendar_schedule.h"
#include "registry/registrar.h"
#include "registry/registry.h"
#include "registry/settings_events.h"
#include "storage/store.h"
#include "verify/event.h"

namespace dipr::registry {

struct Settings {
  RegistrarSettings registrar;
  // Periods in their canonical text, time_zone resolved (never empty), calendar never null.
  ScheduleSettings schedule;
  std::string calendar_sha256;

  // The event's payload (and GET /v1/settings without its event_index).
  nlohmann::json ToJson() const;
  // A logged payload: every key, well-formed, canonical, and the calendar of its hash.
  // InvalidArgument naming the key otherwise. Does not load the time zone (a replay needs no
  // tzdata); CalendarSchedule::Create does.
  static Result<Settings> FromJson(const nlohmann::json& payload);
};

// The settings a `dipr serve` asks for: a value for each flag given, nullopt for the others.
struct SettingsFlags {
  std::optional<std::string> registrar_code, registrar_name, public_url;
  std::optional<std::string> notice_period, correction_period, validity, renewal_window,
      renewal_grace;
  std::optional<std::string> holidays_file, time_zone;
};

// The `dipr serve` flags of the settings, from the one table that also names them in errors.
struct ServeFlag {
  const char* flag;
  std::optional<std::string> SettingsFlags::*given;
  const char* help;
};
std::vector<ServeFlag> ServeFlags();

// The settings of a first start: the flags given, the defaults for the others (the public URL:
// default_public_url, which `dipr serve` derives from --listen). Checks every one (and builds
// the schedule once) without touching the disk but to read the calendar file, so a start can do
// it before it creates anything: InvalidArgument naming the flag.
Result<Settings> SettingsFromFlags(const SettingsFlags& flags,
                                   const std::string& default_public_url);

struct LoggedSettings {
  Settings settings;
  uint64_t index = 0;  // of the registrar.settings event that stated them
};

// The settings in force: the last registrar.settings event's (the projection keeps them);
// nullopt before the first, and when they were stated at or before log index `newer_than` (then
// nothing is parsed: a node polling for a change pays for one row read).
Result<std::optional<LoggedSettings>> ReadLoggedSettings(storage::Store& store,
                                                         uint64_t newer_than = 0);

// What a start runs with. With settings in the log: those, if every flag given agrees with them
// (`wanted` is SettingsFromFlags of `flags`), else InvalidArgument naming the first that differs,
// its logged value and the flag's. Without: logs `wanted` as the registrar's first settings (if
// another node logged its own meanwhile, those are checked as above).
Result<LoggedSettings> EstablishSettings(Registry& registry, const Settings& wanted,
                                         const SettingsFlags& flags);

// A deliberate change by an admin (PUT /v1/settings): `body` maps setting keys to new values
// (strings; "calendar" a calendar object). InvalidArgument naming an unknown key or a bad value,
// Conflict if nothing would change; otherwise the event stating the new settings.
Result<Submission> PrepareSettingsChange(Registry& registry, const storage::Account& actor,
                                         const nlohmann::json& body);

// GET /v1/settings: the settings in force and the log index of the event that stated them.
Result<nlohmann::json> SettingsView(storage::Store& store);

// A registrar.settings event applied to the settings before it (the projector and the replay):
// the settings it states. The registrar itself logs only the first settings; InvalidArgument for
// a malformed payload, Conflict for a second "first".
Result<Settings> ApplySettingsEvent(const std::optional<Settings>& before, const Event& event);

// Record kind and id under which the projection keeps the settings in force.
inline constexpr std::string_view kSettingsKind = "settings";
inline constexpr std::string_view kSettingsId = "registrar";

}  // namespace dipr::registry
