#include "registry/calendar_schedule.h"

#include <fmt/format.h>

namespace dipr::registry {

Result<std::shared_ptr<CalendarSchedule>> CalendarSchedule::Create(const ScheduleSettings& s) {
  calendar::Calendar cal = calendar::DefaultCalendar();
  if (!s.calendar.is_null()) {
    auto parsed = calendar::Calendar::Parse(s.calendar.dump());
    if (!parsed.ok()) return InvalidArgument("--holidays: " + parsed.status().message());
    cal = std::move(parsed).value();
  }
  std::string zone_name = !s.time_zone.empty()       ? s.time_zone
                          : !cal.time_zone().empty() ? cal.time_zone()
                                                     : std::string(calendar::kDefaultTimeZone);
  auto zone = calendar::TimeZone::Load(zone_name);
  if (!zone.ok()) {
    return InvalidArgument(fmt::format("--time-zone {}: {}", zone_name, zone.status().message()));
  }
  std::shared_ptr<CalendarSchedule> out(new CalendarSchedule(std::move(cal), std::move(*zone)));
  struct {
    const char* flag;
    const std::string& text;
    calendar::Period& into;
  } periods[] = {{"--notice-period", s.notice_period, out->notice_},
                 {"--correction-period", s.correction_period, out->correction_},
                 {"--validity", s.validity, out->validity_},
                 {"--renewal-window", s.renewal_window, out->window_},
                 {"--renewal-grace", s.renewal_grace, out->grace_}};
  for (auto& p : periods) {
    auto parsed = calendar::ParsePeriod(p.text);
    if (!parsed.ok()) {
      return InvalidArgument(fmt::format("{} {}: {}", p.flag, p.text, parsed.status().message()));
    }
    p.into = *parsed;
  }
  using U = calendar::PeriodUnit;
  U w = out->window_.unit;
  if (w != U::kDays && w != U::kHours && w != U::kMinutes && w != U::kSeconds) {
    return InvalidArgument("--renewal-window must be in days, hours, minutes or seconds");
  }
  return out;
}

const calendar::Period& CalendarSchedule::Of(Period p) const {
  switch (p) {
    case Period::kNotice:
      return notice_;
    case Period::kCorrection:
      return correction_;
    case Period::kValidity:
      return validity_;
    case Period::kRenewalWindow:
      return window_;
    case Period::kRenewalGrace:
      return grace_;
  }
  return notice_;
}

Result<Time> CalendarSchedule::End(Time start, Period period) const {
  return calendar::PeriodEnd(start, Of(period), calendar_, zone_);
}

Result<Time> CalendarSchedule::Start(Time end, Period period) const {
  const calendar::Period& p = Of(period);
  using U = calendar::PeriodUnit;
  std::chrono::seconds unit;
  switch (p.unit) {
    case U::kDays:
      unit = std::chrono::hours(24);
      break;
    case U::kHours:
      unit = std::chrono::hours(1);
      break;
    case U::kMinutes:
      unit = std::chrono::minutes(1);
      break;
    case U::kSeconds:
      unit = std::chrono::seconds(1);
      break;
    default:
      return InvalidArgument("only a period of days, hours, minutes or seconds counts back");
  }
  return end - p.count * unit;
}

void CalendarSchedule::LocalDate(Time t, int& year, int& month, int& day) const {
  auto ymd = zone_.LocalDate(t);
  year = static_cast<int>(ymd.year());
  month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  day = static_cast<int>(static_cast<unsigned>(ymd.day()));
}

std::string CalendarSchedule::Describe() const {
  return fmt::format("notice {}, correction {}, validity {}, renewal window {} / grace {}; {}; {}",
                     calendar::FormatPeriod(notice_), calendar::FormatPeriod(correction_),
                     calendar::FormatPeriod(validity_), calendar::FormatPeriod(window_),
                     calendar::FormatPeriod(grace_), calendar_.Summary(), zone_.name());
}

}  // namespace dipr::registry
