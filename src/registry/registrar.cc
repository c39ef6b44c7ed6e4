// The registrar: what it holds (the settings in force, numbers, signer) and how every prepare step
// loads records and makes its event (Make, which dry-runs the event's apply function).
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

Registrar::Registrar(Registry& registry, const crypto::NoteSigner& signer,
                     std::shared_ptr<const Schedule> schedule, RegistrarSettings settings,
                     uint64_t settings_index)
    : registry_(registry),
      store_(registry.store()),
      signer_(signer),
      in_force_(std::make_shared<const InForce>(
          InForce{std::move(settings), std::move(schedule), settings_index})),
      numbers_(registry.store()) {}

std::shared_ptr<const Registrar::InForce> Registrar::in_force() const {
  MutexLock lock(settings_mu_);
  return in_force_;
}

Status Registrar::RefreshSettings() {
  ASSIGN_OR_RETURN(auto logged, ReadLoggedSettings(store_, in_force()->index));
  if (!logged) return Status::Ok();
  ASSIGN_OR_RETURN(std::shared_ptr<const Schedule> schedule,
                   CalendarSchedule::Create(logged->settings.schedule));
  auto next = std::make_shared<const InForce>(
      InForce{logged->settings.registrar, std::move(schedule), logged->index});
  MutexLock lock(settings_mu_);
  if (next->index > in_force_->index) in_force_ = std::move(next);  // else another was first
  return Status::Ok();
}

Time Registrar::Now() const { return registry_.Now(); }

std::string Registrar::LocalDate(Time t) const { return LocalDateOf(*in_force()->schedule, t); }

std::string Registrar::PublicUrl(const std::string& number) const {
  std::string base = settings().public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/v1/registrations/" + number;
}

Result<Prepared> Registrar::Make(Event e, std::string sidecar, std::string application,
                                 std::string objection) {
  ASSIGN_OR_RETURN(std::string entry, EncodeEntry(e));
  if (entry.size() > log::kMaxEntrySize) {
    return TooLarge(fmt::format("the entry would be {} bytes, over the log's limit of {}",
                                entry.size(), log::kMaxEntrySize));
  }
  // The event's rules are its apply function's (registry/event_spec.h): dry-run it against the
  // register as it is, so a refusal comes now, as a 4xx, and not from the sequencer.
  ReadView view(store_);
  RETURN_IF_ERROR(ApplyEvent(view, EventContext{nullptr, 0, e, sidecar, /*require_private=*/true}));
  Prepared p;
  p.submission.entry = entry;
  p.submission.sidecar = sidecar;
  p.submission.projection = [entry = std::move(entry), sidecar = std::move(sidecar)](
                                storage::WriteTx& tx, uint64_t index) {
    return ApplyEntry(tx, index, entry, sidecar);
  };
  p.application = std::move(application);
  p.objection = std::move(objection);
  return p;
}

Result<ApplicationState> Registrar::LoadApplication(const std::string& id) {
  ASSIGN_OR_RETURN(auto r, store_.RecordById(kApplicationKind, id));
  if (!r) return NotFound(fmt::format("no application {}", id));
  return ApplicationState::FromRecord(*r);
}

Result<ApplicationState> Registrar::LoadOwnApplication(const storage::Account& actor,
                                                       const std::string& id) {
  auto a = LoadApplication(id);
  // Someone else's application does not exist, as far as a holder can tell.
  if (a.ok() && actor.role == "holder" && a->holder != actor.id) {
    return NotFound(fmt::format("no application {}", id));
  }
  return a;
}

Result<ApplicationState> Registrar::LoadRegistration(const std::string& number) {
  ASSIGN_OR_RETURN(auto r, store_.RecordByNumber(number));
  if (!r) return NotFound(fmt::format("no registration {}", number));
  return ApplicationState::FromRecord(*r);
}

Result<Event> Registrar::ReadDeposit(uint64_t idx, const std::string& field) {
  ASSIGN_OR_RETURN(uint64_t size, store_.EntryCount());
  if (idx >= size) return InvalidArgument(fmt::format("\"{}\": no log entry {}", field, idx));
  ASSIGN_OR_RETURN(auto entries, store_.ReadEntries(idx, idx + 1));
  ASSIGN_OR_RETURN(Event e, DecodeEntry(entries.at(0)));
  if (e.type != kDeposit) {
    return InvalidArgument(fmt::format("\"{}\": log entry {} is not a deposit", field, idx));
  }
  return e;
}

Result<std::pair<std::string, std::string>> Registrar::ContentFor(const storage::Account& actor,
                                                                  const json& body, json& fields) {
  ASSIGN_OR_RETURN(fields, ParseApplicationFields(body));
  // The deposits must be the applicant's own: read them from the log itself.
  size_t i = 0;
  uint64_t total = 0;  // the deposits' sizes; saturates (scale.bytes is below 2^53 anyway)
  for (const auto& d : fields["deposits"]) {
    uint64_t idx = d.get<uint64_t>();
    std::string field = fmt::format("deposits[{}]", i++);
    ASSIGN_OR_RETURN(Event e, ReadDeposit(idx, field));
    if (e.actor != actor.id) {
      return InvalidArgument(fmt::format("\"{}\": deposit {} is not yours", field, idx));
    }
    ASSIGN_OR_RETURN(auto fp, fingerprint::FingerprintFromJson(e.payload["fingerprint"]));
    total = fp.size > UINT64_MAX - total ? UINT64_MAX : total + fp.size;
  }
  // The deposits are the dataset's files (one or several): the dataset is their bytes.
  if (fields["scale"]["bytes"].get<uint64_t>() != total) {
    return InvalidArgument(fmt::format(
        "\"scale.bytes\" is {} but the deposits it rests on hold {} bytes: it must be their "
        "total size",
        fields["scale"]["bytes"].get<uint64_t>(), total));
  }
  std::string salt = NewSalt();
  ASSIGN_OR_RETURN(std::string content, FieldsCommitment(fields, salt));
  ASSIGN_OR_RETURN(std::string sidecar, CanonicalJson(json{{"fields", fields}, {"salt", salt}}));
  return std::make_pair(std::move(content), std::move(sidecar));
}

}  // namespace dipr::registry
