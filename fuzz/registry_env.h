// A registry in-process, for the fuzz targets that drive the domain's validators and for
// fuzz/make_seeds.cc: SQLite in a fresh temporary directory, the sequencer, the registrar with
// the default settings, an injected clock, and a register with something in every state a
// request can meet (a draft, a submitted application, one in notice with an open objection, a
// registration with its certificate). The log key is the fixed fuzz key (FuzzSigner), so the
// seeds made here verify in the targets (fuzz_key.h). Built once per process; not thread-safe.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "common/time.h"
#include "crypto/note.h"
#include "fingerprint/fingerprint.h"
#include "fuzz_key.h"
#include "log/log_reader.h"
#include "log/sequencer.h"
#include "registry/accounts.h"
#include "registry/calendar_schedule.h"
#include "registry/deposits.h"
#include "registry/projector.h"
#include "registry/registrar.h"
#include "registry/registrar_applications.h"
#include "registry/registrar_objections.h"
#include "registry/registrar_registrations.h"
#include "registry/registry.h"
#include "registry/settings.h"
#include "storage/sqlite/sqlite_store.h"

namespace dipr::fuzz {

// Aborts with the status: the environment is the fuzzer's own set-up, not input.
template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "fuzz set-up: %s: %s\n", what, r.status().ToString().c_str());
    std::abort();
  }
  return std::move(r).value();
}
inline void Must(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "fuzz set-up: %s: %s\n", what, s.ToString().c_str());
    std::abort();
  }
}

class RegistryEnv {
 public:
  // Friday 2026-12-04 10:00 in Shanghai (as tests/registration_test.cc).
  RegistryEnv() : clock_(ParseRfc3339("2026-12-04T02:00:00Z").value()) {
    char tmpl[] = "/tmp/dipr-fuzz.XXXXXX";
    if (!::mkdtemp(tmpl)) std::abort();
    dir_ = tmpl;
    store_ = Must(storage::OpenSqliteStore(dir_ + "/dipr.db"), "open the store");
    reader_ = std::make_unique<log::LogReader>(*store_);
    log::Sequencer::Options seq;
    seq.on_commit = [reader = reader_.get()](const std::vector<log::TileWrite>& writes,
                                             const storage::TreeHead& head) {
      reader->TilesWritten(writes, head);
    };
    seq.apply_queued = registry::ApplyEntry;
    sequencer_ = Must(log::Sequencer::Start(*store_, FuzzSigner(), seq), "start the sequencer");
    registry_ = std::make_unique<registry::Registry>(*store_, *sequencer_, *reader_, clock_);
    Must(registry_->EnsureAdmin(kAdminToken), "admin");
    registry::SettingsFlags flags;
    auto wanted = Must(registry::SettingsFromFlags(flags, "https://fuzz.example"), "settings");
    auto logged = Must(registry::EstablishSettings(*registry_, wanted, flags), "log settings");
    auto schedule = Must(registry::CalendarSchedule::Create(logged.settings.schedule), "schedule");
    registrar_ = std::make_unique<registry::Registrar>(*registry_, FuzzSigner(), schedule,
                                                       logged.settings.registrar, logged.index);
    admin = Must(registry_->Authenticate(kAdminToken), "admin account");
    holder = Account(R"({"name":"杭州数据科技有限公司","role":"holder"})");
    examiner = Account(R"({"name":"Examiner Li","role":"examiner"})");
    public_ = Account(R"({"name":"A citizen","role":"finance"})");
    deposit = Deposit(holder, "rows of traffic data\n");
    draft = Create();
    submitted = Create();
    Append(registry::PrepareSubmit(*registrar_, holder, submitted), "submit");
    in_notice = Create();
    Append(registry::PrepareSubmit(*registrar_, holder, in_notice), "submit");
    Append(registry::PrepareExamination(*registrar_, examiner, in_notice, {{"decision", "accept"}}),
           "accept");
    registered = Create();
    Append(registry::PrepareSubmit(*registrar_, holder, registered), "submit");
    Append(
        registry::PrepareExamination(*registrar_, examiner, registered, {{"decision", "accept"}}),
        "accept");
    // Past the notice of `registered` (10 working days): the registrar registers it. The
    // application in notice was accepted at the same instant, so it is accepted again after.
    clock_.Set(ParseRfc3339("2026-12-19T00:00:00Z").value());
    Must(registrar_->RunDue(), "register");
    auto view = Must(registrar_->ApplicationView(holder, registered), "registered view");
    number = view.value("registration_number", "");
    in_notice = Create();
    Append(registry::PrepareSubmit(*registrar_, holder, in_notice), "submit");
    Append(registry::PrepareExamination(*registrar_, examiner, in_notice, {{"decision", "accept"}}),
           "accept");
    objection =
        Append(registry::PrepareObjection(*registrar_, public_, in_notice, {{"grounds", "ours"}}),
               "object")
            .objection;
  }
  ~RegistryEnv() {
    registrar_.reset();
    registry_.reset();
    sequencer_.reset();
    reader_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  registry::Registry& registry() { return *registry_; }
  registry::Registrar& registrar() { return *registrar_; }
  storage::Store& store() { return *store_; }

  // The body of an application of `holder` with the deposit (as tests/registration_test.cc).
  nlohmann::json ApplicationBody() const {
    return nlohmann::json::parse(R"({"data_name":"城市交通流量数据集 City traffic flows",
      "holders":[{"name":"杭州数据科技有限公司","type":"enterprise","id":"91350100M000100Y43",
        "country":"CN","share":2},{"name":"张三","type":"individual","id":"11010519491231002X",
        "country":"CN","share":1}],
      "industry":"G","scenarios":"交通规划 traffic planning",
      "collection_rules":"roadside sensors every five minutes",
      "processing_rules":"median filter v7","structure":"CSV: sensor, time, count",
      "update_frequency":"daily",
      "source":{"kind":"self_collected","description":"our own sensors"},
      "scale":{"records":1000000,"bytes":21},"deposits":[)" +
                                 std::to_string(deposit) + R"(],
      "confidential":["processing_rules"]})");
  }

  storage::Account admin, holder, examiner, public_;
  uint64_t deposit = 0;
  std::string draft, submitted, in_notice, registered, number, objection;

 private:
  static constexpr const char* kAdminToken =
      "dipr_0000000000000000000000000000000000000000000000000000000000000000";

  registry::Prepared Append(Result<registry::Prepared> p, const char* what) {
    registry::Prepared prepared = Must(std::move(p), what);
    Must(registry_->Append(prepared.submission), what);
    return prepared;
  }
  storage::Account Account(const char* body) {
    auto [created, submission] =
        Must(registry::PrepareAccount(*registry_, admin, nlohmann::json::parse(body)), "account");
    Must(registry_->Append(std::move(submission)), "account");
    return created.account;
  }
  uint64_t Deposit(const storage::Account& who, const std::string& data) {
    nlohmann::json body = {
        {"fingerprint", fingerprint::ToJson(*fingerprint::FingerprintBytes(data))},
        {"title", "traffic"}};
    auto req = Must(registry_->ParseDeposit(body), "deposit");
    auto appended =
        Must(registry_->Append(Must(registry::PrepareDeposit(*registry_, who, req), "deposit")),
             "deposit");
    return appended.index;
  }
  std::string Create() {
    return Append(registry::PrepareCreate(*registrar_, holder, ApplicationBody()), "create")
        .application;
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<log::LogReader> reader_;
  std::unique_ptr<log::Sequencer> sequencer_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<registry::Registrar> registrar_;
};

}  // namespace dipr::fuzz
