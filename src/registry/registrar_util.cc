#include "registry/registrar_util.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/bytes.h"
#include "common/hex.h"
#include "crypto/random.h"
#include "registry/application.h"
#include "registry/commitment.h"
#include "registry/validate.h"

namespace dipr::registry {

using nlohmann::json;

std::string NewId(char prefix) {
  return std::string(1, prefix) + HexEncode(AsBytes(crypto::RandomBytes(8)));
}

// {"decision": one of `decisions`, "reason": text (required unless the decision is `free`)}.
Status ParseDecision(const json& body, std::initializer_list<std::string_view> decisions,
                     std::string_view free, std::string& decision, std::string& reason) {
  RETURN_IF_ERROR(CheckObject(body));
  RETURN_IF_ERROR(CheckOnlyFields(body, {"decision", "reason"}));
  if (!body.contains("decision")) return InvalidArgument("\"decision\" is required");
  decision = body["decision"].is_string() ? body["decision"].get<std::string>() : "";
  if (std::find(decisions.begin(), decisions.end(), decision) == decisions.end()) {
    std::string choices;
    for (auto d : decisions) choices += (choices.empty() ? "" : ", ") + std::string(d);
    return InvalidArgument(fmt::format("\"decision\" must be one of {}", choices));
  }
  bool required = decision != free;
  if (!body.contains("reason")) {
    if (required) return InvalidArgument("\"reason\" is required for this decision");
    reason.clear();
    return Status::Ok();
  }
  return CheckTextValue(body["reason"], "reason", required ? 1 : 0, kMaxReasonChars, true, reason);
}

// An optional {"reason": text} body; required: at least one character.
Status ParseReason(const json& body, bool required, std::string& reason) {
  if (body.is_null() && !required) return Status::Ok();
  RETURN_IF_ERROR(CheckObject(body));
  RETURN_IF_ERROR(CheckOnlyFields(body, {"reason"}));
  if (!body.contains("reason")) {
    if (required) return InvalidArgument("\"reason\" is required");
    return Status::Ok();
  }
  return CheckTextValue(body["reason"], "reason", required ? 1 : 0, kMaxReasonChars, true, reason);
}

// A private text goes into the log as its commitment, payload["<name>_commitment"], and into the
// sidecar as side[name] = {"salt","text"} (docs/FORMATS.md §2.2).
Status CommitText(const std::string& name, const std::string& text, json& payload, json& side) {
  std::string salt = NewSalt();
  ASSIGN_OR_RETURN(std::string commitment, TextCommitment(text, salt));
  payload[name + "_commitment"] = std::move(commitment);
  side[name] = {{"salt", salt}, {"text", text}};
  return Status::Ok();
}

// The sidecar of an event with private texts: their canonical JSON, or "" when there are none.
Result<std::string> TextSidecar(const json& side) {
  if (side.empty()) return std::string();
  return CanonicalJson(side);
}

std::string LocalDateOf(const Schedule& schedule, Time t) {
  int y, m, d;
  schedule.LocalDate(t, y, m, d);
  return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
}

}  // namespace dipr::registry
