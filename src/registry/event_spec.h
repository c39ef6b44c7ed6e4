// The table of event specs: for every event type the log carries, who may cause it, which party
// of its record the actor must be, the record kinds it touches, its apply function (the one
// authoritative state transition), whether its record's history is public, and whether it issues
// a certificate. Each family declares its own rows in its own file (account_events.cc,
// deposit_events.cc, application_events.cc, objection_events.cc, registration_events.cc,
// settings.cc); this file only joins them. Everything that needs a rule of an event reads it
// here: the projector (ApplyEntry), the audit's replay (Replay), the registrar's prepare steps
// (which dry-run the apply function against a read view) and the agreement test that runs every
// spec through both the projector and the replay.
//
// Adding an event type to a family: its type constant, apply function and row in the family's
// <family>_events.{h,cc}; its prepare step in the family's prepare file (registrar_<family>.{h,cc},
// or accounts.h / deposits.h); its route in its HTTP handler file; its payload in
// docs/FORMATS.md §2 and its route in docs/API.md. Nothing else: the projector, the replay, the
// audit's role check and the prepare steps' preconditions all read the row. A new family adds
// its files, one line in event_spec.cc (the families joined) and its sources in CMakeLists.txt.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "registry/lifecycle.h"
#include "storage/store.h"
#include "verify/event.h"

namespace dipr::registry {

class RegisterView;

// Roles, as a set (an account has one; docs/API.md "Roles").
enum Role : uint8_t {
  kAdmin = 1 << 0,
  kHolder = 1 << 1,
  kExaminer = 1 << 2,
  kFinance = 1 << 3,
  kObjector = 1 << 4,
};
using RoleSet = uint8_t;
inline constexpr RoleSet kAnyRole = kAdmin | kHolder | kExaminer | kFinance | kObjector;
// The bit of a role's name; 0 for a name that is no role.
RoleSet RoleBit(std::string_view role);

// What an apply function gets: the event at `index`, what belongs with it but is never logged
// (registry/projector.h), and whether that must be there (the projector: true; a replay of the
// public log: false, and then private fields and texts stay unknown).
struct EventSpec;
struct EventContext {
  const EventSpec* spec = nullptr;  // the event's own (ApplyEvent sets it)
  uint64_t index = 0;
  const Event& event;
  std::string_view sidecar;
  bool require_private = true;
};

// The one authoritative state transition of an event: reads and writes what it touches through
// the view, all or nothing. InvalidArgument for a malformed event (one that carries a private
// text in clear included); Conflict when the state does not allow it; PermissionDenied when the
// actor may not (not the party the spec names, an applicant objecting to their own application);
// NotFound when a record it names is missing.
using ApplyFn = Status (*)(RegisterView& view, const EventContext& ctx);

struct EventSpec {
  std::string_view type;
  std::string_view family;  // "accounts", "deposits", "applications", ...
  // Accounts of these roles may cause it; by_registrar: the registrar's own actor may (what it
  // does by itself); by_subject: the account the event is about (payload "id") may cause it
  // itself, whatever its role; bootstrap: the first event of an empty log may be it, by anyone.
  RoleSet roles = 0;
  bool by_registrar = false;
  bool by_subject = false;
  bool bootstrap = false;
  // The party of the record named by the payload's "application" that the actor must be ("" for
  // none). Checked by the apply function (PermissionDenied), so a replay checks it too.
  std::string_view party;
  // Record kinds it reads or writes ("application", "objection", "settings"; "" when none).
  std::string_view kinds[2] = {};
  ApplyFn apply = nullptr;
  // Whether it appears in its record's public history (GET /v1/registrations/{n}).
  bool is_public = false;
  // Whether its payload carries a certificate (docs/FORMATS.md "Certificates").
  bool issues_certificate = false;
  // Whether the projector keeps its sidecar (WriteTx::PutSidecar), when it has one.
  bool keeps_sidecar = false;
  // What an account of the role does, for "only a holder <action>" (PermissionDenied).
  std::string_view action;
};

// Every spec, family by family; each type once.
std::span<const EventSpec> EventSpecs();
// nullptr for a type no spec has.
const EventSpec* FindEventSpec(std::string_view type);
// REQUIRES: a type some spec has (a constant of a family's header).
const EventSpec& SpecOf(std::string_view type);

// The account of an event's actor as a replay knows it.
struct ActorFacts {
  bool exists = false;
  RoleSet role = 0;
  bool disabled = false;
};
// Whether the spec lets this actor cause the event (the role rules; the party rule is the apply
// function's). log_empty: nothing was logged before it. InvalidArgument saying why not.
Status CheckCause(const EventSpec& spec, const Event& e, const ActorFacts& actor, bool log_empty);

// The role rule for an account about to cause the event (the registrar's prepare steps):
// PermissionDenied "only a <role> <action>" unless the account's role is one the spec names.
Status Authorize(const EventSpec& spec, const storage::Account& actor);

// The spec's party rule: PermissionDenied unless `actor` is the party of `a` the spec names (the
// registrar's own events are not a party's).
Status CheckParty(const EventSpec& spec, const ApplicationState& a, std::string_view actor);

// Applies the event through its spec: the one entry point the projector and the replay share.
// InvalidArgument for a type no spec has.
Status ApplyEvent(RegisterView& view, const EventContext& ctx);

// The families' rows (defined in each family's file).
std::span<const EventSpec> AccountEventSpecs();
std::span<const EventSpec> DepositEventSpecs();
std::span<const EventSpec> ApplicationEventSpecs();
std::span<const EventSpec> ObjectionEventSpecs();
std::span<const EventSpec> RegistrationEventSpecs();
std::span<const EventSpec> SettingsEventSpecs();

}  // namespace dipr::registry
