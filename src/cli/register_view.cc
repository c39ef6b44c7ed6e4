#include "cli/register_view.h"

#include <fmt/format.h>

#include <iostream>

namespace dipr::cli {

using nlohmann::json;

std::string Text(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

namespace {

// "key:   value" for each key present, in the order given.
void Fields(const json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    std::string v = Text(j, k);
    if (!v.empty()) std::cout << fmt::format("{:20} {}\n", std::string(k) + ":", v);
  }
}

void Holders(const json& j) {
  if (!j.contains("holders") || !j["holders"].is_array()) return;
  for (const auto& h : j["holders"]) {
    std::cout << fmt::format("{:20} {} ({}, {}{}{}), share {}\n", "holder:", Text(h, "name"),
                             Text(h, "type"), Text(h, "country"), h.contains("id") ? " " : "",
                             Text(h, "id"), Text(h, "share"));
  }
}

void History(const json& j) {
  if (!j.contains("history") || !j["history"].is_array()) return;
  std::cout << "history:\n";
  for (const auto& e : j["history"]) {
    std::cout << fmt::format("  {:>8}  {}  {}\n", Text(e, "index"), Text(e, "time"),
                             Text(e, "type"));
  }
}

}  // namespace

void PrintApplication(const json& a) {
  Fields(a, {"id", "status", "data_name", "holder", "industry", "created_at", "updated_at",
             "notice_ends_at", "correction_due", "reason", "registration_number",
             "certificate_number", "registered_at", "valid_from", "valid_until"});
  Holders(a);
  Fields(a, {"deposits", "event_index"});
  if (a.contains("objections") && a["objections"].is_array()) {
    for (const auto& o : a["objections"]) {
      std::cout << fmt::format("{:20} {} {}\n", "objection:", Text(o, "id"), Text(o, "status"));
    }
  }
  History(a);
}

void PrintRecord(const json& r) {
  Fields(r, {"registration_number", "certificate_number", "application", "status", "data_name",
             "industry", "notice_ends_at", "registered_at", "valid_from", "valid_until", "reason",
             "certificate_index"});
  Holders(r);
  History(r);
}

void PrintObjection(const json& o) {
  Fields(o, {"id", "application", "objector", "status", "filed_at", "grounds", "evidence", "ruling",
             "reason", "event_index"});
}

void PrintListing(const json& page) {
  const json items = page.value("items", json::array());
  for (const auto& it : items) {
    std::string number = Text(it, "registration_number");
    std::cout << fmt::format(
        "{:18} {:16} {:16} {}\n", number.empty() ? "-" : number, Text(it, "status"),
        Text(it, "id").empty() ? Text(it, "application") : Text(it, "id"), Text(it, "data_name"));
  }
  std::string total = Text(page, "total");
  std::cout << fmt::format("page {}: {} item{}", Text(page, "page"), items.size(),
                           items.size() == 1 ? "" : "s");
  if (!total.empty()) {
    std::cout << fmt::format(" of {}{}", page.value("total_exact", true) ? "" : "at least ", total);
  }
  std::cout << "\n";
}

void PrintEntry(const json& e) {
  Fields(e, {"index", "type", "time", "actor"});
  std::cout << "payload:\n" << e.value("payload", json::object()).dump(2) << "\n";
}

}  // namespace dipr::cli
