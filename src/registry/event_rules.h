// What the families' apply functions share (registry/*_events.cc): reading an event's payload,
// opening the commitments its sidecar carries, the history a record keeps, certificates carried
// by issuing events. Internal to src/registry; nothing here is a rule of one event.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "registry/event_spec.h"
#include "registry/lifecycle.h"
#include "registry/register_view.h"
#include "verify/event.h"

namespace dipr::registry {

nlohmann::json OptTime(const std::optional<Time>& t);
Result<std::optional<Time>> ReadOptTime(const nlohmann::json& j, const char* key);
// The string member `key` of an event's payload (InvalidArgument naming it otherwise).
Result<std::string> Str(const nlohmann::json& j, const char* key);
Result<Time> TimeField(const nlohmann::json& j, const char* key);
// Conflict: "application <id> is <status>: <what>".
Status Refuse(const ApplicationState& a, std::string_view what);

// The fields a commitment event carries in its sidecar ({"fields","salt"}), checked against the
// commitment.
Result<nlohmann::json> OpenContent(std::string_view content, std::string_view sidecar);
// The payload's "content" into `content`, and the fields it commits to: null when the sidecar is
// absent and allowed to be (a replay of the public log).
Result<nlohmann::json> MaybeOpenContent(const Event& e, std::string_view sidecar,
                                        bool require_private, std::string& content);
// A private text of an event (docs/FORMATS.md §2.2): the payload carries only
// "<name>_commitment", and the sidecar's member {"<name>":{"salt","text"}} opens it. nullopt when
// the event has no such text (allowed unless `required`); "" when it is unknown (a replay of the
// public log). The text in clear in the payload is refused: the log would publish it forever.
Result<std::optional<std::string>> PrivateText(const Event& e, std::string_view sidecar,
                                               const std::string& name, bool required,
                                               bool require_private);
// Appends {"index","type","time",...extra} to the record's history; the record is updated now.
void AddHistory(ApplicationState& a, uint64_t index, const Event& e,
                nlohmann::json extra = nlohmann::json::object());

// The certificate an issuing event carries, checked against the application's public record.
Status CheckCertificate(const ApplicationState& a, const nlohmann::json& body, const Event& e);
// The application's certificate, numbers, validity and record become the certificate's.
Status IssueFrom(ApplicationState& a, const nlohmann::json& body, uint64_t index);
// Claims all or none: every number is checked before any is claimed.
Status ClaimNumbers(RegisterView& view, const std::vector<std::string>& numbers,
                    const std::string& record_id);
// The application named by the payload's "application" (NotFound if there is none).
Result<ApplicationState> Load(RegisterView& view, const Event& e);
// The spec's party rule: PermissionDenied unless the actor is the party of `a` the spec names.
Status RequireParty(const EventContext& ctx, const ApplicationState& a);
// InvalidArgument unless the registrar itself is the actor.
Status RequireRegistrar(const Event& e);
// The payload's "reason" ("" when absent and not required).
Result<std::string> Reason(const Event& e, bool required);

}  // namespace dipr::registry
