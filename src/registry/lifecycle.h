// The life of an application, from draft to registration and beyond, as a pure function of the
// log: ApplyRegisterEvent takes one event and the records it touches to their next state. The
// projector runs it against the store (in the sequencer's transaction), and `dipr audit` runs it
// against memory to replay a downloaded log. It checks only what the log itself says (states,
// order, the times and numbers events carry); rules that depend on the registrar's settings (the
// notice period, the renewal window, roles) are applied when an event is made, and the event
// records their outcome, so a replay never needs the settings.
//
//   draft ──submit──▶ submitted ──accept──▶ in_notice ──(notice ends, no objection open)──▶
//   registered
//     ▲  edit            │  │                  │ objection upheld ▶ refused                 │
//     renew, change └── correction_requested ◀─correct─┘  └─reject▶ rejected ├─cancel ▶ cancelled
//           └─(deadline passes) ▶ withdrawn ├─revoke ▶ revoked
//                                                                                           └─(validity
//                                                                                           ends) ▶
//                                                                                           expired
//                                                                                           ─renew▶
//                                                                                           registered
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "storage/store.h"
#include "verify/event.h"

namespace dipr::registry {

// Record kinds in the store.
inline constexpr std::string_view kApplicationKind = "application";
inline constexpr std::string_view kObjectionKind = "objection";

// Status names (docs/API.md).
namespace status {
inline constexpr std::string_view kDraft = "draft";
inline constexpr std::string_view kSubmitted = "submitted";
inline constexpr std::string_view kCorrectionRequested = "correction_requested";
inline constexpr std::string_view kWithdrawn = "withdrawn";
inline constexpr std::string_view kRejected = "rejected";
inline constexpr std::string_view kInNotice = "in_notice";
inline constexpr std::string_view kRefused = "refused";
inline constexpr std::string_view kRegistered = "registered";
inline constexpr std::string_view kExpired = "expired";
inline constexpr std::string_view kCancelled = "cancelled";
inline constexpr std::string_view kRevoked = "revoked";
}  // namespace status

// Statuses of a registration (what GET /v1/registrations lists by default).
bool IsRegistrationStatus(std::string_view s);
bool IsApplicationStatus(std::string_view s);

struct ApplicationState {
  std::string id;      // "a" + 16 hex digits
  std::string holder;  // the applicant's account id
  std::string status;
  Time created{}, updated{};
  std::string content;    // commitment to the current fields (registry/application.h)
  nlohmann::json fields;  // the fields; null where unknown (a replay of the public log)
  nlohmann::json record;  // the public fields, from acceptance for notice on; null before
  std::optional<Time> notice_ends_at, correction_due;
  std::string registration_number, certificate_number;
  std::optional<Time> registered_at, valid_from, valid_until;
  nlohmann::json certificate;           // body of the current certificate; null before registration
  uint64_t certificate_index = 0;       // the log index of the event that issued it
  std::vector<std::string> objections;  // ids, in filing order
  uint32_t objections_pending = 0;
  std::string change_content;    // a requested change under examination; "" when none
  nlohmann::json change_fields;  // its fields; null where unknown
  std::string reason;            // of the last decision
  nlohmann::json history = nlohmann::json::array();  // [{"index","type","time",...}]

  // When the registrar acts on it by itself: the end of the notice (unless an objection is open),
  // the correction deadline, the end of validity.
  std::optional<Time> Due() const;

  // The stored form (storage::Record::doc) and its one codec: FromRecord is how every reader of
  // a stored application gets it (DataLoss naming it when it is malformed).
  nlohmann::json ToJson() const;
  static Result<ApplicationState> FromJson(const nlohmann::json& j);
  static Result<ApplicationState> FromRecord(const storage::Record& r);

  // The applicant's and examiners' view (GET /v1/applications/{id}).
  nlohmann::json View() const;
  // The public record (GET /v1/registrations/{number}); REQUIRES: !record.is_null().
  nlohmann::json PublicRecord() const;
};

struct ObjectionState {
  std::string id;  // "o" + 16 hex digits
  std::string application;
  std::string objector;  // account id
  std::string status;    // pending | upheld | dismissed
  // The texts; "" where unknown (a replay of the public log knows the grounds once ruled on, and
  // never the evidence). The commitments are what objection.filed logged (docs/FORMATS.md §2.2).
  std::string grounds, evidence;
  std::string grounds_commitment, evidence_commitment;
  Time filed{};
  uint64_t index = 0;  // of objection.filed
  std::string decision_reason;
  std::optional<Time> ruled;

  // The stored form and its one codec, as ApplicationState's.
  nlohmann::json ToJson() const;
  static Result<ObjectionState> FromJson(const nlohmann::json& j);
  static Result<ObjectionState> FromRecord(const storage::Record& r);
};

// The public register's row for an application that has a public record (nullopt before).
std::optional<storage::Listing> ListingOf(const ApplicationState& a);

// The body of a certificate (docs/FORMATS.md, "Certificates").
struct CertificateFacts {
  std::string registration_number, certificate_number;
  std::string registrar_code, registrar_name;
  Time issued{}, registered{}, valid_from{}, valid_until{};
  // The registrar's time zone and the local dates of registered, valid_from and valid_until in
  // it ("2026-12-21"): what the PDF prints and a verifier shows, the same everywhere.
  std::string time_zone, registered_on, valid_from_on, valid_until_on;
  // One {"algorithm","digest","index","size"} per deposit of the record, in the record's order:
  // what `dipr verify-certificate --file` checks a dataset against.
  nlohmann::json deposits = nlohmann::json::array();
};
nlohmann::json CertificateBody(const ApplicationState& a, const CertificateFacts& facts);

}  // namespace dipr::registry
