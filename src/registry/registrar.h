// The registration workflow as a service: validates what holders, examiners and the public ask
// for against the register's current state and the registrar's settings, turns it into log
// events (registry/lifecycle.h is what they do), and serves the public register and certificates.
// The registrar also acts by itself (RunDue): at the end of a notice it registers the application
// and issues its certificate, it lets an unanswered correction request lapse, and it marks expired
// registrations. It knows no HTTP. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/mutex.h"
#include "common/status.h"
#include "common/time.h"
#include "crypto/note.h"
#include "registry/lifecycle.h"
#include "registry/numbers.h"
#include "registry/registry.h"

namespace dipr::registry {

// The registrar's time rules, from its settings (dipr serve --notice-period, --validity, the
// holiday calendar and time zone): when a period started at an instant ends, and the local
// calendar date of an instant.
class Schedule {
 public:
  virtual ~Schedule() = default;
  enum class Period { kNotice, kCorrection, kValidity, kRenewalWindow, kRenewalGrace };
  virtual Result<Time> End(Time start, Period period) const = 0;
  // The start of a period that ends at `end` (used for the renewal window: "the last 90 days").
  virtual Result<Time> Start(Time end, Period period) const = 0;
  // Local civil date of an instant: year, month (1..12), day.
  virtual void LocalDate(Time t, int& year, int& month, int& day) const = 0;
  // The zone LocalDate counts in, as configured ("Asia/Shanghai", "+08:00"): certificates name it.
  virtual std::string ZoneName() const = 0;
};

// Logged, with the schedule's, as registrar.settings events: registry/settings.h has their rules.
struct RegistrarSettings {
  std::string code = "0000";  // the 4-digit registrar code in every number
  std::string name = "dipr";  // on certificates
  // Base of public record URLs (the certificate's QR code): BASE/v1/registrations/NUMBER.
  std::string public_url = "http://127.0.0.1:8080";
};

// A write ready for the sequencer, and which record it is about.
struct Prepared {
  Submission submission;
  std::string application;  // the application it changes
  std::string objection;    // an objection it files or rules; "" otherwise
};

// What GET …/certificate.pdf draws (certificate/pdf.h takes it field by field).
struct CertificatePrint {
  nlohmann::json body;  // the certificate body
  uint64_t index = 0;   // log index of the issuing event
  std::string public_url;
  nlohmann::json document;  // the signed certificate document (Registrar::Certificate), embedded
  std::string status;       // the registration's status now
  Time status_since{};      // when it took that status (for a status other than registered)
};

class Registrar {
 public:
  // settings_index: the log index of the registrar.settings event that stated these settings.
  Registrar(Registry& registry, const crypto::NoteSigner& signer,
            std::shared_ptr<const Schedule> schedule, RegistrarSettings settings,
            uint64_t settings_index = 0);

  // The settings in force, as one value: a change in the log replaces it whole, so that what one
  // event is prepared from (numbers, dates, zone, URL) comes from one version of the settings.
  struct InForce {
    RegistrarSettings registrar;
    std::shared_ptr<const Schedule> schedule;
    uint64_t index = 0;  // the registrar.settings event that stated them
  };
  std::shared_ptr<const InForce> in_force() const;
  RegistrarSettings settings() const { return in_force()->registrar; }
  // Takes up the settings in force in the log if they are newer than these (a change made
  // through this node or another): their schedule applies to what is prepared from then on.
  Status RefreshSettings();

  // --- views (the prepare steps are the families' own: registrar_*.h) ---
  // The applicant, examiners and admins see an application; anyone else gets NotFound.
  Result<nlohmann::json> ApplicationView(const storage::Account& actor, const std::string& id);
  // The openings of every commitment the log holds for an application (docs/FORMATS.md §2.2):
  // its fields at each version, its examiners' private reasons, its objections' grounds and
  // evidence, each with the salt, so the holder (or a court, through an admin) can check them
  // against the public log. The applicant (NotFound for another holder's) and admins;
  // PermissionDenied for other roles.
  Result<nlohmann::json> Opening(const storage::Account& actor, const std::string& id);
  // A holder's own applications, newest first; for examiners and admins, the applications in
  // `status` (default submitted), the longest waiting first: their work queue.
  Result<nlohmann::json> ListApplications(const storage::Account& actor, size_t page,
                                          const std::string& status);

  Result<nlohmann::json> ObjectionView(const storage::Account& actor, const std::string& id);
  // GET /v1/objections: for examiners and admins the objections in `status` ("open", the
  // default, is pending), oldest first: their queue; for anyone else its own, newest first
  // (`status` then filters them).
  Result<nlohmann::json> ListObjections(const storage::Account& actor, size_t page,
                                        const std::string& status);

  // --- the public register (no account needed) ---
  Result<nlohmann::json> PublicRecord(const std::string& number);
  // The public record of an application that was published for notice (in notice, refused, or
  // registered since), by its id: what the public reads before objecting.
  Result<nlohmann::json> NoticeRecord(const std::string& id);
  // query: q, industry, holder, status (comma-separated), page (from 1). Which of them a route
  // takes is declared once, in its route (http/router.h refuses any other).
  Result<nlohmann::json> Search(const std::map<std::string, std::string>& query, bool notices_only);
  // The signed certificate document: body, signature, and the receipt of the issuing event.
  Result<nlohmann::json> Certificate(const std::string& number);
  Result<CertificatePrint> CertificateForPrint(const std::string& number);
  std::string PublicUrl(const std::string& number) const;

  // --- the registrar acting by itself ---
  // Acts on everything due by the clock's now (registrations at the end of their notice, lapsed
  // corrections, expiries), when this node sequences; waits until the entries are durable.
  // Returns how many events it appended. Conflicts (another node did it first) are skipped.
  static constexpr size_t kDueBatch = 2000;
  // The deepest page a list (applications, registrations, notices) serves.
  static constexpr size_t kMaxPage = 5000;
  Result<size_t> RunDue(size_t limit = kDueBatch);

  Time Now() const;
  // "2026-12-21": the registrar's local date of an instant.
  std::string LocalDate(Time t) const;

  // --- what the families' prepare steps (registrar_*.h) build on ---
  // Each step authorizes the actor by its event's spec (event_spec.h), loads what it is about,
  // computes what the registrar decides (numbers, dates, certificates) and ends in Make, which
  // dry-runs the event's apply function against the committed register: the state machine's
  // preconditions are the apply function's, stated once.
  storage::Store& store() { return store_; }
  Result<ApplicationState> LoadApplication(const std::string& id);
  Result<ApplicationState> LoadRegistration(const std::string& number);
  // NotFound for another holder's application (as for a missing one).
  Result<ApplicationState> LoadOwnApplication(const storage::Account& actor, const std::string& id);
  // The submission of `e`, refused with the apply function's error if the register as committed
  // would refuse it. `application`/`objection`: the records it is about (Prepared).
  Result<Prepared> Make(Event e, std::string sidecar, std::string application,
                        std::string objection = "");
  // The content commitment and its private sidecar of an application body (fields: its parsed
  // fields), its deposits checked to be the actor's own.
  Result<std::pair<std::string, std::string>> ContentFor(const storage::Account& actor,
                                                         const nlohmann::json& body,
                                                         nlohmann::json& fields);
  // A certificate body for `a` with the next certificate number of the month of `now`.
  Result<nlohmann::json> IssueCertificate(const InForce& s, const ApplicationState& a, Time now,
                                          const std::string& registration_number, Time registered,
                                          Time valid_from, Time valid_until);
  // The deposit entry at log index `idx`, for the field `field` of a request (InvalidArgument
  // naming it when the entry is missing or no deposit).
  Result<Event> ReadDeposit(uint64_t idx, const std::string& field);

 private:
  Result<std::optional<Prepared>> PrepareDue(const storage::Record& r, Time now);
  // The signed certificate document of a registration that has a certificate.
  Result<nlohmann::json> DocumentOf(const ApplicationState& a);

  Registry& registry_;
  storage::Store& store_;
  const crypto::NoteSigner& signer_;
  mutable Mutex settings_mu_;
  std::shared_ptr<const InForce> in_force_ DIPR_GUARDED_BY(settings_mu_);
  NumberAllocator numbers_;
};

}  // namespace dipr::registry
