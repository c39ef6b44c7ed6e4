// The registry's HTTP API: every route, wired to the registry. The paths of the log, accounts and
// deposits are fixed (PRODUCT.md, issue "Evidence deposit"); all are documented in docs/API.md.
#pragma once

#include "crypto/note.h"
#include "http/router.h"
#include "registry/registrar.h"
#include "registry/registry.h"

namespace dipr::http {

void AddLogRoutes(Router& router, registry::Registry& registry, const crypto::NoteVerifier& key);
void AddAccountRoutes(Router& router, registry::Registry& registry);
void AddDepositRoutes(Router& router, registry::Registry& registry);
void AddRegistrationRoutes(Router& router, registry::Registry& registry,
                           registry::Registrar& registrar, const crypto::NoteVerifier& key);
void AddSettingsRoutes(Router& router, registry::Registry& registry,
                       registry::Registrar& registrar);

inline void AddAllRoutes(Router& router, registry::Registry& registry,
                         registry::Registrar& registrar, const crypto::NoteVerifier& key) {
  AddLogRoutes(router, registry, key);
  AddAccountRoutes(router, registry);
  AddDepositRoutes(router, registry);
  AddRegistrationRoutes(router, registry, registrar, key);
  AddSettingsRoutes(router, registry, registrar);
}

}  // namespace dipr::http
