// The public register: public records, notices and search (GET /v1/registrations…).
#include "registry/registrar.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "common/bytes.h"
#include "common/hex.h"
#include "common/json_parse.h"
#include "crypto/random.h"
#include "fingerprint/fingerprint.h"
#include "registry/application.h"
#include "registry/application_events.h"
#include "registry/commitment.h"
#include "registry/deposit_events.h"
#include "registry/event_spec.h"
#include "registry/numbers.h"
#include "registry/objection_events.h"
#include "registry/projector.h"
#include "registry/read_view.h"
#include "registry/registration_events.h"
#include "registry/settings.h"
#include "registry/validate.h"
#include "storage/grams.h"

#include "registry/registrar_util.h"

namespace dipr::registry {

using nlohmann::json;

// --- the public register ---

Result<json> Registrar::PublicRecord(const std::string& number) {
  ASSIGN_OR_RETURN(auto a, LoadRegistration(number));
  return a.PublicRecord();
}

Result<json> Registrar::NoticeRecord(const std::string& id) {
  auto a = LoadApplication(id);
  // Not published (a draft, or under examination) is the same 404 as not there at all.
  if (!a.ok() || a->record.is_null()) {
    if (!a.ok() && a.status().code() != Code::kNotFound) return a.status();
    return NotFound(fmt::format("no application {} was published for notice", id));
  }
  return a->PublicRecord();
}

Result<json> Registrar::Search(const std::map<std::string, std::string>& query, bool notices_only) {
  auto get = [&](const char* k) {
    auto it = query.find(k);
    return it == query.end() ? std::string() : it->second;
  };
  storage::ListingQuery q;
  std::string text = get("q"), holder = get("holder");
  RETURN_IF_ERROR(CheckTextValue(json(text), "q", 0, 200, false, q.text));
  RETURN_IF_ERROR(CheckTextValue(json(holder), "holder", 0, 200, false, q.holder));
  q.industry = get("industry");
  if (!q.industry.empty() && IndustryName(q.industry).empty()) {
    return InvalidArgument("\"industry\" must be a GB/T 4754 section letter, A to T");
  }
  std::string statuses = get("status");
  if (notices_only) {
    if (!statuses.empty()) return InvalidArgument("notices are all in_notice; drop \"status\"");
    q.statuses = {std::string(status::kInNotice)};
  } else if (statuses.empty()) {
    for (auto s : {status::kRegistered, status::kExpired, status::kCancelled, status::kRevoked}) {
      q.statuses.emplace_back(s);
    }
  } else {
    size_t start = 0;
    while (start <= statuses.size()) {
      size_t comma = statuses.find(',', start);
      std::string s =
          statuses.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!OneOf(kListingStatuses, s)) {
        return InvalidArgument(fmt::format(
            "\"status\" must be registered, expired, cancelled, revoked, in_notice or refused "
            "(comma-separated), not \"{}\"",
            s));
      }
      q.statuses.push_back(s);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  size_t page = 1;
  std::string p = get("page");
  if (!p.empty()) {
    if (p.size() > 6 || p.find_first_not_of("0123456789") != std::string::npos) {
      return InvalidArgument("\"page\" must be a number from 1");
    }
    page = std::stoul(p);
    if (page < 1 || page > kMaxPage) {
      return InvalidArgument(fmt::format("\"page\" must be 1 to {}", kMaxPage));
    }
  }
  q.offset = (page - 1) * kPageSize;
  q.limit = kPageSize;
  if (IsValidRegistrationNumber(q.text)) {
    // A registration number is not in the searched text: look it up (one row at most), and let
    // the other filters apply to it.
    ASSIGN_OR_RETURN(auto r, store_.RecordByNumber(q.text));
    std::optional<storage::Listing> l;
    if (r) {
      ASSIGN_OR_RETURN(auto a, ApplicationState::FromRecord(*r));
      l = ListingOf(a);
    }
    bool match = l && (q.industry.empty() || l->industry == q.industry) &&
                 std::find(q.statuses.begin(), q.statuses.end(), l->status) != q.statuses.end();
    if (match && !q.holder.empty()) {
      // As the store's search compares holders (storage/grams.h).
      match = storage::FoldAsciiCase(l->holders).find(storage::FoldAsciiCase(q.holder)) !=
              std::string::npos;
    }
    json items = json::array();
    if (match && page == 1) {
      auto item = ParseJson(l->item);
      if (!item.ok()) return DataLoss("a stored listing is " + item.status().message());
      items.push_back(std::move(item).value());
    }
    return json{{"items", std::move(items)},
                {"total", match ? 1 : 0},
                {"total_exact", true},
                {"page", page},
                {"page_size", kPageSize}};
  }
  ASSIGN_OR_RETURN(auto result, store_.SearchListings(q));
  json items = json::array();
  for (const auto& item : result.items) {
    auto j = ParseJson(item);
    if (!j.ok()) return DataLoss("a stored listing is " + j.status().message());
    items.push_back(std::move(j).value());
  }
  return json{{"items", std::move(items)},
              {"total", result.total},
              {"total_exact", result.total_exact},
              {"page", page},
              {"page_size", kPageSize}};
}

}  // namespace dipr::registry
