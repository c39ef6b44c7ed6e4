#include "registry/read_view.h"

#include <fmt/format.h>

namespace dipr::registry {

Result<std::optional<ApplicationState>> ReadView::GetApplication(const std::string& id) {
  if (auto it = applications_.find(id); it != applications_.end()) {
    return std::optional<ApplicationState>(it->second);
  }
  ASSIGN_OR_RETURN(auto r, store_.RecordById(kApplicationKind, id));
  if (!r) return std::optional<ApplicationState>();
  ASSIGN_OR_RETURN(auto a, ApplicationState::FromRecord(*r));
  return std::optional<ApplicationState>(std::move(a));
}

Result<std::optional<ObjectionState>> ReadView::GetObjection(const std::string& id) {
  if (auto it = objections_.find(id); it != objections_.end()) {
    return std::optional<ObjectionState>(it->second);
  }
  ASSIGN_OR_RETURN(auto r, store_.RecordById(kObjectionKind, id));
  if (!r) return std::optional<ObjectionState>();
  ASSIGN_OR_RETURN(auto o, ObjectionState::FromRecord(*r));
  return std::optional<ObjectionState>(std::move(o));
}

Result<std::optional<storage::Account>> ReadView::GetAccount(const std::string& id) {
  if (auto it = accounts_.find(id); it != accounts_.end()) {
    return std::optional<storage::Account>(it->second);
  }
  return store_.AccountById(id);
}

Status ReadView::SetAccountDisabled(const std::string& id, bool disabled) {
  ASSIGN_OR_RETURN(auto a, GetAccount(id));
  if (!a) return NotFound(fmt::format("no account {}", id));
  a->disabled = disabled;
  accounts_[id] = *a;
  return Status::Ok();
}

Result<std::optional<Settings>> ReadView::GetSettings() {
  if (settings_) return settings_;
  ASSIGN_OR_RETURN(auto logged, ReadLoggedSettings(store_));
  if (!logged) return std::optional<Settings>();
  return std::optional<Settings>(std::move(logged->settings));
}

}  // namespace dipr::registry
