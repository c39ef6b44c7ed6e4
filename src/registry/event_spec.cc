#include "registry/event_spec.h"

#include <fmt/format.h>

#include <cstdlib>
#include <unordered_map>
#include <vector>

#include "registry/register_view.h"

namespace dipr::registry {
namespace {

struct Table {
  std::vector<EventSpec> specs;
  std::unordered_map<std::string_view, const EventSpec*> by_type;
};

const Table& TheTable() {
  static const Table* table = [] {
    auto* t = new Table;
    for (auto family : {AccountEventSpecs(), DepositEventSpecs(), ApplicationEventSpecs(),
                        ObjectionEventSpecs(), RegistrationEventSpecs(), SettingsEventSpecs()}) {
      t->specs.insert(t->specs.end(), family.begin(), family.end());
    }
    for (const auto& s : t->specs) {
      // Two rows of one type would make the table say two things: a programming error.
      if (!t->by_type.emplace(s.type, &s).second || s.apply == nullptr) std::abort();
    }
    return t;
  }();
  return *table;
}

std::string_view RoleName(RoleSet bit) {
  switch (bit) {
    case kAdmin:
      return "admin";
    case kHolder:
      return "holder";
    case kExaminer:
      return "examiner";
    case kFinance:
      return "finance";
    case kObjector:
      return "objector";
    default:
      return "?";
  }
}

std::string RoleNames(RoleSet roles) {
  std::string out;
  for (RoleSet bit = 1; bit != 0 && bit <= kObjector; bit = static_cast<RoleSet>(bit << 1)) {
    if (!(roles & bit)) continue;
    if (!out.empty()) out += " or ";
    std::string_view n = RoleName(bit);
    out += (n[0] == 'a' || n[0] == 'e' || n[0] == 'o') ? "an " : "a ";
    out += n;
  }
  return out;
}

}  // namespace

RoleSet RoleBit(std::string_view role) {
  if (role == "admin") return kAdmin;
  if (role == "holder") return kHolder;
  if (role == "examiner") return kExaminer;
  if (role == "finance") return kFinance;
  if (role == "objector") return kObjector;
  return 0;
}

std::span<const EventSpec> EventSpecs() { return TheTable().specs; }

const EventSpec* FindEventSpec(std::string_view type) {
  const auto& m = TheTable().by_type;
  auto it = m.find(type);
  return it == m.end() ? nullptr : it->second;
}

const EventSpec& SpecOf(std::string_view type) {
  const EventSpec* s = FindEventSpec(type);
  if (s == nullptr) std::abort();  // a constant no family declares
  return *s;
}

Status CheckCause(const EventSpec& spec, const Event& e, const ActorFacts& actor, bool log_empty) {
  if (spec.bootstrap && log_empty) return Status::Ok();
  if (spec.by_subject && !spec.roles) {
    // Only the account the event is about, which the event creates (objector.registered).
    if (e.payload.value("id", "") != e.actor) {
      return InvalidArgument(fmt::format("{} by another than the new account", e.type));
    }
    return Status::Ok();
  }
  if (e.actor == kRegistrarActor) {
    if (spec.by_registrar) return Status::Ok();
    return InvalidArgument(
        fmt::format("{} by the registrar, which only registers, lets "
                    "corrections lapse, expires and logs its first settings",
                    e.type));
  }
  if (!actor.exists) return InvalidArgument(fmt::format("actor {} has no account", e.actor));
  if (actor.disabled) {
    return InvalidArgument(fmt::format("{} by {}, whose account is disabled", e.type, e.actor));
  }
  if (spec.by_subject && e.payload.value("id", "") == e.actor) return Status::Ok();
  if (actor.role & spec.roles) return Status::Ok();
  if (actor.role == kObjector) {
    return InvalidArgument(
        fmt::format("{} by {}, an objector, which only files objections", e.type, e.actor));
  }
  return InvalidArgument(fmt::format("{} by {}, {}, not {}", e.type, e.actor, RoleNames(actor.role),
                                     RoleNames(spec.roles)));
}

Status Authorize(const EventSpec& spec, const storage::Account& actor) {
  if (RoleBit(actor.role) & spec.roles) return Status::Ok();
  return PermissionDenied(fmt::format("only {} {}", RoleNames(spec.roles), spec.action));
}

Status CheckParty(const EventSpec& spec, const ApplicationState& a, std::string_view actor) {
  if (spec.party == "holder" && actor != kRegistrarActor && actor != a.holder) {
    return PermissionDenied(
        fmt::format("{} by {}, who is not the holder of {}", spec.type, actor, a.id));
  }
  return Status::Ok();
}

Status ApplyEvent(RegisterView& view, const EventContext& ctx) {
  const EventSpec* spec = FindEventSpec(ctx.event.type);
  if (spec == nullptr) return InvalidArgument("unknown event type \"" + ctx.event.type + "\"");
  EventContext c{spec, ctx.index, ctx.event, ctx.sidecar, ctx.require_private};
  Status st;
  try {
    st = spec->apply(view, c);
  } catch (const nlohmann::json::exception& ex) {
    // A payload member of the wrong JSON type deep inside (a certificate's, say).
    return InvalidArgument(fmt::format("malformed {} event: {}", ctx.event.type, ex.what()));
  }
  RETURN_IF_ERROR(st);
  if (spec->keeps_sidecar && !ctx.sidecar.empty()) {
    return view.KeepSidecar(ctx.index, ctx.sidecar);
  }
  return Status::Ok();
}

}  // namespace dipr::registry
