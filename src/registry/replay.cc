#include "registry/replay.h"

#include <fmt/format.h>

#include "registry/numbers.h"
#include "registry/registry.h"

namespace dipr::registry {

Status Replay::CheckRole(const Event& e) const {
  if (e.type == kAccountCreated) {
    // The first account is the registry's admin, created by the registry itself.
    if (roles_.empty()) return Status::Ok();
  }
  if (e.type == kObjectorRegistered) {
    // A member of the public registers itself: the new account is the actor.
    if (e.payload.value("id", "") != e.actor) {
      return InvalidArgument("objector.registered by another than the new account");
    }
    return Status::Ok();
  }
  if (e.actor == kRegistrarActor) {
    // What the registry does by itself, and nothing else.
    if (e.type == kApplicationRegistered || e.type == kApplicationWithdrawn ||
        e.type == kRegistrationExpired || e.type == kRegistrarSettings) {
      return Status::Ok();
    }
    return InvalidArgument(fmt::format("{} by the registrar, which only registers, lets "
                                       "corrections lapse, expires and logs its first settings",
                                       e.type));
  }
  auto it = roles_.find(e.actor);
  if (it == roles_.end()) return InvalidArgument(fmt::format("actor {} has no account", e.actor));
  const std::string& role = it->second;
  if (disabled_.count(e.actor)) {
    return InvalidArgument(fmt::format("{} by {}, whose account is disabled", e.type, e.actor));
  }
  std::string_view need;
  const std::string& t = e.type;
  if (role == kObjectorRole && t != kObjectionFiled &&
      !(t == kAccountTokenRotated && e.payload.value("id", "") == e.actor)) {
    return InvalidArgument(fmt::format("{} by {}, an objector, which only files objections", t,
                                       e.actor));
  }
  if (t == kAccountTokenRotated && e.payload.value("id", "") == e.actor) {
    return Status::Ok();  // an account rotates its own token
  }
  if (t == kAccountCreated || t == kRegistrarSettings || t == kAccountDisabled ||
      t == kAccountEnabled || t == kAccountTokenRotated || t == kApplicationReassigned) {
    need = "admin";
  } else if (t == kDeposit || t == kApplicationCreated || t == kApplicationUpdated ||
             t == kApplicationSubmitted || t == kRegistrationRenewed ||
             t == kRegistrationChangeRequested || t == kRegistrationCancelled ||
             t == kApplicationWithdrawn) {
    need = "holder";
  } else if (t == kApplicationExamined || t == kObjectionRuled || t == kRegistrationRevoked ||
             t == kRegistrationChangeExamined) {
    need = "examiner";
  } else {
    return Status::Ok();  // objection.filed: anyone with an account
  }
  if (role != need) {
    return InvalidArgument(fmt::format("{} by {}, a {}, not a {}", t, e.actor, role, need));
  }
  return Status::Ok();
}

Status Replay::Apply(uint64_t index, std::string_view entry) {
  if (index != next_) {
    return InvalidArgument(fmt::format("entry {} replayed out of order (expected {})", index, next_));
  }
  auto fail = [index](const Status& st) {
    return Status(st.code(), fmt::format("entry {}: {}", index, st.message()));
  };
  auto e = DecodeEntry(entry);
  if (!e.ok()) return fail(e.status());
  Status role = CheckRole(*e);
  if (!role.ok()) return fail(role);
  if (e->type == kAccountCreated) {
    if (!e->payload.contains("id") || !e->payload["id"].is_string() ||
        !e->payload.contains("role") || !e->payload["role"].is_string()) {
      return fail(InvalidArgument("account.created lacks id or role"));
    }
    if (!roles_.emplace(e->payload["id"], e->payload["role"]).second) {
      return fail(Conflict("the account exists already"));
    }
  } else if (e->type == kObjectorRegistered) {
    if (!e->payload.contains("identity_commitment") ||
        !e->payload["identity_commitment"].is_string()) {
      return fail(InvalidArgument("objector.registered lacks its identity commitment"));
    }
    if (!roles_.emplace(e->actor, std::string(kObjectorRole)).second) {
      return fail(Conflict("the account exists already"));
    }
  } else if (e->type == kAccountDisabled || e->type == kAccountEnabled ||
             e->type == kAccountTokenRotated) {
    std::string id = e->payload.value("id", "");
    if (!roles_.count(id)) return fail(InvalidArgument(fmt::format("no account {}", id)));
    bool disabled = disabled_.count(id) > 0;
    if (e->type == kAccountDisabled) {
      if (disabled) return fail(Conflict(fmt::format("account {} is disabled already", id)));
      disabled_.insert(id);
    } else if (e->type == kAccountEnabled) {
      if (!disabled) return fail(Conflict(fmt::format("account {} is not disabled", id)));
      disabled_.erase(id);
    }
  } else if (e->type == kDeposit) {
    deposits_++;
  } else if (e->type == kRegistrarSettings) {
    auto s = ApplySettingsEvent(settings_, *e);
    if (!s.ok()) return fail(s.status());
    settings_ = std::move(s).value();
    settings_index_ = index;
  } else if (IsRegisterEvent(e->type)) {
    if (e->type == kApplicationReassigned) {
      // The registrar checked the target; the log shows whether it was an enabled holder.
      std::string to = e->payload.value("to", "");
      auto r = roles_.find(to);
      if (r == roles_.end() || r->second != "holder" || disabled_.count(to)) {
        return fail(InvalidArgument(fmt::format("{} reassigned to {}, not an enabled holder",
                                                e->payload.value("application", ""), to)));
      }
    }
    Status st = ApplyRegisterEvent(*this, index, *e, "", /*require_private=*/false);
    if (!st.ok()) return fail(st);
  } else {
    return fail(InvalidArgument("unknown event type \"" + e->type + "\""));
  }
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

}  // namespace dipr::registry
