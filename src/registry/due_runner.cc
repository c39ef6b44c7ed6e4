// The registrar acting by itself: registration at the end of the notice, the lapse of a correction
// request, expiry (RunDue).
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

// --- the registrar acting by itself ---

Result<std::optional<Prepared>> Registrar::PrepareDue(const storage::Record& r, Time now) {
  if (r.kind != kApplicationKind) return std::optional<Prepared>();
  ASSIGN_OR_RETURN(auto a, ApplicationState::FromRecord(r));
  const std::string actor(kRegistrarActor);
  if (a.status == status::kInNotice && a.objections_pending == 0 && a.notice_ends_at &&
      now >= *a.notice_ends_at) {
    const auto s = in_force();
    int y, m, d;
    s->schedule->LocalDate(now, y, m, d);
    ASSIGN_OR_RETURN(std::string rn, numbers_.NextRegistrationNumber(y, s->registrar.code));
    ASSIGN_OR_RETURN(Time until, s->schedule->End(now, Schedule::Period::kValidity));
    ASSIGN_OR_RETURN(json cert, IssueCertificate(*s, a, now, rn, now, now, until));
    Event e{std::string(kApplicationRegistered),
            now,
            actor,
            {{"application", a.id}, {"certificate", std::move(cert)}}};
    ASSIGN_OR_RETURN(auto p, Make(std::move(e), "", a.id));
    return std::optional<Prepared>(std::move(p));
  }
  if (a.status == status::kCorrectionRequested && a.correction_due && now >= *a.correction_due) {
    Event e{std::string(kApplicationWithdrawn),
            now,
            actor,
            {{"application", a.id}, {"reason", "the correction deadline passed"}}};
    ASSIGN_OR_RETURN(auto p, Make(std::move(e), "", a.id));
    return std::optional<Prepared>(std::move(p));
  }
  if (a.status == status::kRegistered && a.valid_until && now >= *a.valid_until) {
    Event e{std::string(kRegistrationExpired), now, actor, {{"application", a.id}}};
    ASSIGN_OR_RETURN(auto p, Make(std::move(e), "", a.id));
    return std::optional<Prepared>(std::move(p));
  }
  return std::optional<Prepared>();
}

Result<size_t> Registrar::RunDue(size_t limit) {
  if (!registry_.sequencer().leading()) return size_t{0};
  Time now = Now();
  ASSIGN_OR_RETURN(auto due, store_.RecordsDue(now, limit));
  if (due.empty()) return size_t{0};

  struct Latch {
    std::mutex mu;
    std::condition_variable cv;
    size_t outstanding = 0, appended = 0;
    Status first_error;
  };
  auto latch = std::make_shared<Latch>();
  class Counted final : public log::Completion {
   public:
    explicit Counted(std::shared_ptr<Latch> l) : l_(std::move(l)) {}
    void Done(Result<log::Appended> r) override {
      std::lock_guard lock(l_->mu);
      if (r.ok()) {
        l_->appended++;
      } else if (r.status().code() != Code::kConflict && l_->first_error.ok()) {
        l_->first_error = r.status();
      }
      if (--l_->outstanding == 0) l_->cv.notify_all();
    }

   private:
    std::shared_ptr<Latch> l_;
  };
  std::vector<Prepared> batch;
  Status first_failure;
  for (const auto& r : due) {
    // One record that cannot be acted on (say, a period beyond the holiday calendar) must not
    // hold up the others: it is skipped, and reported if nothing else went through.
    auto p = PrepareDue(r, now);
    if (!p.ok()) {
      if (first_failure.ok()) {
        first_failure = Status(p.status().code(), r.id + ": " + p.status().message());
      }
      continue;
    }
    if (*p) batch.push_back(std::move(**p));
  }
  if (batch.empty()) {
    if (!first_failure.ok()) return first_failure;
    return size_t{0};
  }
  {
    std::lock_guard lock(latch->mu);
    latch->outstanding = batch.size();
  }
  for (auto& p : batch) {
    registry_.sequencer().Submit(std::move(p.submission.entry), std::move(p.submission.sidecar),
                                 std::move(p.submission.projection),
                                 std::make_unique<Counted>(latch));
  }
  std::unique_lock lock(latch->mu);
  latch->cv.wait(lock, [&] { return latch->outstanding == 0; });
  if (latch->appended == 0) {
    if (!latch->first_error.ok()) return latch->first_error;
    if (!first_failure.ok()) return first_failure;
  }
  return latch->appended;
}

}  // namespace dipr::registry
