#include "calendar/time_zone.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>

#include "calendar/read_file.h"

namespace dipr::calendar {
namespace {

namespace chr = std::chrono;

// Real zones are a few KiB; the largest in tzdata 2025 is under 4 KiB.
constexpr size_t kMaxTzifBytes = 1 << 20;
// Generous bounds on the counts, so that size arithmetic cannot overflow.
constexpr uint32_t kMaxCount = 1 << 16;

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool Has(uint64_t n) const { return data_.size() - pos_ >= n; }
  size_t pos() const { return pos_; }
  std::string_view Take(size_t n) {
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  uint8_t U8() { return static_cast<uint8_t>(data_[pos_++]); }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | U8();
    return v;
  }
  int64_t I64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | U8();
    return static_cast<int64_t>(v);
  }
  std::string_view Rest() const { return data_.substr(pos_); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

struct TzifHeader {
  char version = 0;
  uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;

  // The size of the data block that follows, with time_size-byte transition times.
  uint64_t BlockSize(uint64_t time_size) const {
    return timecnt * time_size + timecnt + typecnt * 6ull + charcnt + leapcnt * (time_size + 4) +
           isstdcnt + isutcnt;
  }
};

Status ReadHeader(Reader& r, TzifHeader& h) {
  if (!r.Has(44) || r.Take(4) != "TZif") return InvalidArgument("not a TZif file");
  h.version = static_cast<char>(r.U8());
  r.Take(15);
  h.isutcnt = r.U32();
  h.isstdcnt = r.U32();
  h.leapcnt = r.U32();
  h.timecnt = r.U32();
  h.typecnt = r.U32();
  h.charcnt = r.U32();
  if (h.typecnt == 0 || h.charcnt == 0 || (h.isutcnt != 0 && h.isutcnt != h.typecnt) ||
      (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) || h.timecnt > kMaxCount || h.typecnt > 256 ||
      h.charcnt > kMaxCount || h.leapcnt > kMaxCount) {
    return InvalidArgument("TZif header counts are inconsistent");
  }
  return Status::Ok();
}

}  // namespace

Result<TimeZone> TimeZone::FromTzif(std::string name, std::string_view tzif) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("time zone " + name + ": " + why);
  };
  Reader r(tzif);
  TzifHeader h;
  if (Status st = ReadHeader(r, h); !st.ok()) return bad(st.message());
  // Version 1 files hold only 32-bit times (nothing past 2038) and no footer rule; tzdata has
  // written version 2 or later since 2005.
  if (h.version < '2') return bad("TZif version 1 is not supported");
  if (!r.Has(h.BlockSize(4))) return bad("truncated TZif file");
  r.Take(h.BlockSize(4));  // the version 1 block; its 64-bit twin follows
  if (Status st = ReadHeader(r, h); !st.ok()) return bad(st.message());
  // "right/" zones count leap seconds in their transition times; dipr's Time does not.
  if (h.leapcnt != 0) return bad("zones with leap seconds (right/...) are not supported");
  if (!r.Has(h.BlockSize(8))) return bad("truncated TZif file");

  TimeZone tz;
  tz.name_ = std::move(name);
  tz.transitions_.reserve(h.timecnt);
  for (uint32_t i = 0; i < h.timecnt; ++i) {
    int64_t t = r.I64();
    if (!tz.transitions_.empty() && t <= tz.transitions_.back()) {
      return bad("TZif transition times are not ascending");
    }
    tz.transitions_.push_back(t);
  }
  tz.transition_types_.reserve(h.timecnt);
  for (uint32_t i = 0; i < h.timecnt; ++i) {
    uint8_t type = r.U8();
    if (type >= h.typecnt) return bad("TZif transition names a missing type");
    tz.transition_types_.push_back(type);
  }
  struct RawType {
    int32_t utoff;
    uint8_t isdst, desigidx;
  };
  std::vector<RawType> raw(h.typecnt);
  for (RawType& t : raw) {
    t.utoff = static_cast<int32_t>(r.U32());
    t.isdst = r.U8();
    t.desigidx = r.U8();
    // Real offsets lie within about ±15 hours; RFC 8536 forbids -2^31.
    if (t.utoff <= -26 * 3600 || t.utoff >= 26 * 3600 || t.isdst > 1 || t.desigidx >= h.charcnt) {
      return bad("TZif local time type out of range");
    }
  }
  std::string_view chars = r.Take(h.charcnt);
  for (const RawType& t : raw) {
    size_t end = chars.find('\0', t.desigidx);
    if (end == std::string_view::npos) return bad("TZif abbreviation is not terminated");
    tz.types_.push_back(
        {t.utoff, t.isdst == 1, std::string(chars.substr(t.desigidx, end - t.desigidx))});
  }
  r.Take(h.isstdcnt + h.isutcnt);  // only meaningful for POSIX-style TZ defaults; unused

  // Footer: "\n<POSIX TZ string>\n"; an empty string means no rule after the table.
  std::string_view rest = r.Rest();
  if (!rest.empty()) {
    if (rest.size() < 2 || rest[0] != '\n') return bad("malformed TZif footer");
    size_t end = rest.find('\n', 1);
    if (end == std::string_view::npos) return bad("malformed TZif footer");
    std::string_view spec = rest.substr(1, end - 1);
    if (!spec.empty()) {
      auto footer = PosixTz::Parse(spec);
      if (!footer.ok()) return bad(footer.status().message());
      tz.footer_ = std::move(footer).value();
    }
  }
  return tz;
}

TimeZone TimeZone::Utc() { return Fixed("UTC", 0); }

TimeZone TimeZone::Fixed(std::string name, int32_t utc_offset) {
  TimeZone tz;
  tz.types_.push_back({utc_offset, false, name});
  tz.name_ = std::move(name);
  tz.source_ = "fixed offset";
  return tz;
}

Result<TimeZone> TimeZone::Load(std::string_view name) {
  const char* dir = std::getenv("TZDIR");
  return Load(name, dir && *dir ? std::string(dir) : std::string(kSystemZoneinfoDir));
}

Result<TimeZone> TimeZone::Load(std::string_view name, const std::string& zoneinfo_dir) {
  std::string n(name);
  if (n == "UTC") return Utc();
  if (!n.empty() && (n[0] == '+' || n[0] == '-')) {
    auto digit = [&](size_t i) { return n[i] >= '0' && n[i] <= '9'; };
    if (n.size() != 6 || !digit(1) || !digit(2) || n[3] != ':' || !digit(4) || !digit(5)) {
      return InvalidArgument("bad time zone offset \"" + n + "\" (want +HH:MM or -HH:MM)");
    }
    int hours = (n[1] - '0') * 10 + (n[2] - '0');
    int minutes = (n[4] - '0') * 10 + (n[5] - '0');
    if (hours > 23 || minutes > 59) return InvalidArgument("bad time zone offset \"" + n + "\"");
    int32_t offset = (hours * 3600 + minutes * 60) * (n[0] == '-' ? -1 : 1);
    return Fixed(n, offset);
  }
  // An IANA name is a relative path below the tzdata directory; anything that could step out
  // of it ("..", an absolute path) is refused.
  bool ok = !n.empty() && n[0] != '/' && n.back() != '/' && n.find("//") == std::string::npos;
  for (char c : n) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
                c == '+');
  }
  if (!ok) return InvalidArgument("bad time zone name \"" + n + "\"");

  std::string path = zoneinfo_dir + "/" + n;
  auto data = ReadSmallFile(path, kMaxTzifBytes);
  if (!data.ok()) {
    if (data.status().code() != Code::kNotFound) return data.status();
    if (n == kDefaultTimeZone) {
      // China has kept UTC+8 without daylight saving since September 1991, so the default
      // zone is exact without tzdata for every instant dipr will meet.
      TimeZone tz = Fixed(n, 8 * 3600);
      tz.types_[0].abbreviation = "CST";
      tz.source_ = "built in (no " + path + "): fixed +08:00";
      return tz;
    }
    return NotFound("unknown time zone \"" + n + "\" (no " + path + ")");
  }
  ASSIGN_OR_RETURN(TimeZone tz, FromTzif(n, *data));
  tz.source_ = path;
  return tz;
}

ZoneOffset TimeZone::LookupSeconds(int64_t t) const {
  if (transitions_.empty() || t >= transitions_.back()) {
    if (footer_) return footer_->Lookup(t);
    return transitions_.empty() ? types_[0] : types_[transition_types_.back()];
  }
  // RFC 8536: before the first transition, local time type 0 applies.
  if (t < transitions_.front()) return types_[0];
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  return types_[transition_types_[it - transitions_.begin() - 1]];
}

ZoneOffset TimeZone::OffsetAt(Time t) const {
  return LookupSeconds(chr::floor<chr::seconds>(t.time_since_epoch()).count());
}

LocalTime TimeZone::ToLocal(Time t) const {
  return LocalTime(t.time_since_epoch() + chr::seconds(OffsetAt(t).utc_offset));
}

chr::year_month_day TimeZone::LocalDate(Time t) const {
  return chr::year_month_day(chr::floor<chr::days>(ToLocal(t)));
}

Time TimeZone::FromLocal(LocalTime local) const {
  auto whole = chr::floor<chr::seconds>(local.time_since_epoch());
  Micros fraction = local.time_since_epoch() - whole;
  int64_t wall = whole.count();
  // The offsets in force a day either side (and at the wall time read as UTC) include every
  // offset that can apply near it: zones change offset at most once in a few days.
  int32_t before = LookupSeconds(wall - 86400).utc_offset;
  int32_t candidates[] = {before, LookupSeconds(wall).utc_offset,
                          LookupSeconds(wall + 86400).utc_offset};
  std::optional<int64_t> earliest;
  for (int32_t offset : candidates) {
    int64_t t = wall - offset;
    if (LookupSeconds(t).utc_offset == offset && (!earliest || t < *earliest)) earliest = t;
  }
  // None fits: the wall time was skipped. Reading it with the earlier offset moves it forward
  // by the length of the gap.
  int64_t t = earliest ? *earliest : wall - before;
  return Time(chr::seconds(t)) + fraction;
}

Time TimeZone::StartOfDay(chr::year_month_day date) const {
  return FromLocal(LocalTime(chr::local_days(date)));
}

std::string TimeZone::FormatLocal(Time t) const {
  int32_t offset = OffsetAt(t).utc_offset;
  LocalTime local = ToLocal(t);
  auto day = chr::floor<chr::days>(local);
  chr::year_month_day ymd(day);
  chr::hh_mm_ss<Micros> tod(local - day);
  std::string out =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  tod.hours().count(), tod.minutes().count(), tod.seconds().count());
  if (tod.subseconds().count() != 0) out += fmt::format(".{:06}", tod.subseconds().count());
  int32_t abs = offset < 0 ? -offset : offset;
  out += fmt::format("{}{:02}:{:02}", offset < 0 ? '-' : '+', abs / 3600, abs / 60 % 60);
  if (abs % 60 != 0) out += fmt::format(":{:02}", abs % 60);  // pre-1900 local mean time only
  return out;
}

}  // namespace dipr::calendar
