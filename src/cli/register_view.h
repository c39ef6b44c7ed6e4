// How the register's commands print what the server answers, for a person (with --json the
// server's JSON is printed as it came). One place, so that `dipr show`, `dipr application show`
// and the answers of the writes read alike.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace dipr::cli {

// An application as GET /v1/applications/{id} answers (also the answer of every write on it).
void PrintApplication(const nlohmann::json& a);
// A public record (GET /v1/registrations/{number}, GET /v1/notices/{id}).
void PrintRecord(const nlohmann::json& r);
// An objection (GET /v1/objections/{id}, the answer of filing and ruling).
void PrintObjection(const nlohmann::json& o);
// A page of a listing: {"items":[…],"page":P[,"total":N,"total_exact":B,"page_size":S]}.
void PrintListing(const nlohmann::json& page);
// A decoded log entry: {"index","type","time","actor","payload"}.
void PrintEntry(const nlohmann::json& e);

// The string value of j[key], or the JSON text of a non-string, or "" if absent.
std::string Text(const nlohmann::json& j, const char* key);

}  // namespace dipr::cli
