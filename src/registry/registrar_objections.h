// The registrar's prepare steps of examination and objections (application_events.h,
// objection_events.h): an examiner's decision, an objection filed in the public notice, and its
// ruling. Each answers the submission to append, or the error the API returns.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "common/status.h"
#include "registry/registrar.h"
#include "storage/store.h"

namespace dipr::registry {

// application.examined: {"decision": accept|correct|reject, "reason"}; an acceptance opens the
// public notice (its end by the schedule in force) and publishes the record.
Result<Prepared> PrepareExamination(Registrar& registrar, const storage::Account& actor,
                                    const std::string& id, const nlohmann::json& body);
// objection.filed: {"grounds", "evidence"} against an application in notice; both private
// (commitments in the log, the texts in the sidecar).
Result<Prepared> PrepareObjection(Registrar& registrar, const storage::Account& actor,
                                  const std::string& id, const nlohmann::json& body);
// objection.ruled: {"decision": uphold|dismiss, "reason"}; publishes the grounds' opening.
Result<Prepared> PrepareRuling(Registrar& registrar, const storage::Account& actor,
                               const std::string& objection_id, const nlohmann::json& body);

}  // namespace dipr::registry
