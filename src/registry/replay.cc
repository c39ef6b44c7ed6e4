#include "registry/replay.h"

#include <fmt/format.h>

#include "registry/event_spec.h"
#include "registry/numbers.h"
#include "registry/registry.h"

namespace dipr::registry {

Status Replay::Apply(uint64_t index, std::string_view entry) {
  if (index != next_) {
    return InvalidArgument(
        fmt::format("entry {} replayed out of order (expected {})", index, next_));
  }
  auto fail = [index](const Status& st) {
    return Status(st.code(), fmt::format("entry {}: {}", index, st.message()));
  };
  auto e = DecodeEntry(entry);
  if (!e.ok()) return fail(e.status());
  const EventSpec* spec = FindEventSpec(e->type);
  if (spec == nullptr) return fail(InvalidArgument("unknown event type \"" + e->type + "\""));
  ActorFacts actor;
  if (auto it = roles_.find(e->actor); it != roles_.end()) {
    actor.exists = true;
    actor.role = RoleBit(it->second);
    actor.disabled = disabled_.count(e->actor) > 0;
  }
  Status cause = CheckCause(*spec, *e, actor, /*log_empty=*/roles_.empty());
  if (!cause.ok()) return fail(cause);
  Status st = ApplyEvent(*this, EventContext{spec, index, *e, "", /*require_private=*/false});
  if (!st.ok()) return fail(st);
  next_++;
  return Status::Ok();
}

Result<std::optional<ApplicationState>> Replay::GetApplication(const std::string& id) {
  auto it = applications_.find(id);
  if (it == applications_.end()) return std::optional<ApplicationState>();
  return std::optional<ApplicationState>(it->second);
}

Status Replay::PutApplication(const ApplicationState& a, uint64_t) {
  auto it = applications_.find(a.id);
  bool was_listed = it != applications_.end() && it->second.record.is_object();
  if (!was_listed && a.record.is_object()) listing_order_.push_back(a.id);
  applications_[a.id] = a;
  if (!a.registration_number.empty()) numbers_[a.registration_number] = a.id;
  return Status::Ok();
}

Result<std::optional<ObjectionState>> Replay::GetObjection(const std::string& id) {
  auto it = objections_.find(id);
  if (it == objections_.end()) return std::optional<ObjectionState>();
  return std::optional<ObjectionState>(it->second);
}

Status Replay::PutObjection(const ObjectionState& o, uint64_t) {
  objections_[o.id] = o;
  return Status::Ok();
}

Status Replay::ClaimNumber(const std::string& number, const std::string& record_id) {
  if (!claimed_.emplace(number, record_id).second) {
    return Conflict(fmt::format("number {} was claimed before", number));
  }
  return Status::Ok();
}

Result<std::optional<storage::Account>> Replay::GetAccount(const std::string& id) {
  auto it = roles_.find(id);
  if (it == roles_.end()) return std::optional<storage::Account>();
  storage::Account a;
  a.id = id;
  a.role = it->second;
  a.disabled = disabled_.count(id) > 0;
  return std::optional<storage::Account>(std::move(a));
}

Status Replay::CreateAccount(const storage::Account& a, const std::optional<crypto::Hash>&) {
  if (!roles_.emplace(a.id, a.role).second) {
    return Conflict(fmt::format("account {} exists already", a.id));
  }
  return Status::Ok();
}

Status Replay::SetAccountDisabled(const std::string& id, bool disabled) {
  if (!roles_.count(id)) return NotFound(fmt::format("no account {}", id));
  if (disabled) {
    disabled_.insert(id);
  } else {
    disabled_.erase(id);
  }
  return Status::Ok();
}

Status Replay::AddDeposit(const storage::DepositRecord& d) {
  if (!deposited_.insert(d.depositor + "/" + d.digest).second) {
    return Conflict(fmt::format("{} deposited {} before", d.depositor, d.digest));
  }
  deposits_++;
  return Status::Ok();
}

Status Replay::PutSettings(const Settings& s, const std::string&, uint64_t index) {
  settings_ = s;
  settings_index_ = index;
  return Status::Ok();
}

}  // namespace dipr::registry
