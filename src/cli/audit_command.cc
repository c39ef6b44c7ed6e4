// dipr audit --server URL --key KEY_OR_FILE [--jobs N] [--json]
// Checks a registry from the outside, with nothing but its public endpoints and verifier key:
//   1. the signed checkpoint (GET /log/checkpoint);
//   2. every entry up to it (GET /log/entries), whose RFC 6962 root must be the checkpoint's;
//   3. a replay of the entries (registry::Replay): each event must be allowed by the state the
//      events before it left;
//   4. the public register against the replay: each registration's public record and signed
//      certificate; and what search serves, every page of the lists that together hold every
//      listing (GET /v1/registrations, of registrations; ?status=refused; GET /v1/notices), item
//      by item and field by field against registry::ListingOf of the replayed application, in
//      the lists' order (newest first), and their totals. Filtered searches (q, holder,
//      industry) are not walked: they select from these same rows by columns the audit cannot
//      see, so the audit says "listing items", not "searches". And the registrar's settings
//      (GET /v1/settings) against the last registrar.settings event.
// The register is live and its records may already show entries the fetched checkpoint does not
// cover yet. So when something differs, the audit fetches the checkpoint again and, if the log
// grew, replays the new entries and checks again what differed (a few rounds) before it calls it
// a difference.
// Exit 0: everything agrees (a summary); 1: the first difference, in one line; 2: usage, an
// unreachable server, or a log that kept growing while the register differed (re-run).
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "cli/common.h"
#include "common/base64.h"
#include "common/json_parse.h"
#include "common/mutex.h"
#include "http/asio.h"
#include "log/log_reader.h"
#include "registry/lifecycle.h"
#include "registry/registrar.h"
#include "registry/replay.h"
#include "verify/certificate.h"
#include "verify/checkpoint.h"
#include "verify/compact_tree.h"
#include "verify/hasher.h"

namespace dipr::cli {
namespace {

using nlohmann::json;
using namespace dipr::http;  // NOLINT: asio, beast, bhttp, tcp aliases

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxRounds = 3;           // re-checks after the log grew
constexpr size_t kWindowPerJob = 4;        // chunks of entries fetched ahead, per connection
constexpr uint64_t kQuietBelow = 100'000;  // progress on a pipe only for bigger jobs

// A JSON GET; any answer but 200 with JSON is an error that stops the audit as not made (2).
Result<json> GetJson(Client& c, const std::string& target) {
  ASSIGN_OR_RETURN(HttpResult r, c.Get(target));
  if (r.status != 200) {
    return InputError(fmt::format("cannot get {}: {}", target, StatusFromHttp(r).message()));
  }
  auto j = ParseJson(r.body);
  if (!j.ok()) return InputError(fmt::format("{} answered with {}", target, j.status().message()));
  return j;
}

// --- running on every connection ---

// A progress line on stderr counting items, drawn like cli/progress.h draws bytes: on a terminal,
// or for a big job. Not thread-safe.
class CountProgress {
 public:
  CountProgress(std::string label, uint64_t total)
      : label_(std::move(label)),
        total_(total),
        shown_(total > 0 && (::isatty(STDERR_FILENO) || total >= kQuietBelow)),
        start_(Clock::now()) {}
  ~CountProgress() { Done(); }
  void Update(uint64_t done) {
    if (!shown_ || done >= total_) return;
    auto now = Clock::now();
    if (width_ > 0 && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    std::string line = fmt::format("\r{}: {:3d}%  {} of {}  {:.0f}/s", label_, done * 100 / total_,
                                   done, total_, secs > 0 ? static_cast<double>(done) / secs : 0);
    if (line.size() < width_) line.append(width_ - line.size(), ' ');
    width_ = line.size();
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
  }
  void Done() {
    if (width_ == 0) return;
    std::fprintf(stderr, "\r%*s\r", static_cast<int>(width_ - 1), "");
    std::fflush(stderr);
    width_ = 0;
  }

 private:
  std::string label_;
  uint64_t total_;
  bool shown_;
  size_t width_ = 0;
  Clock::time_point start_, last_;
};

// The workers' connections, kept (alive) from one phase of the audit to the next.
class Pool {
 public:
  // REQUIRES: server.Connect() succeeds.
  Pool(const ServerFlags& server, size_t jobs) {
    for (size_t i = 0; i < jobs; ++i) {
      conns_.push_back(std::make_unique<Client>(std::move(server.Connect()).value()));
    }
  }
  size_t size() const { return conns_.size(); }
  Client& main() { return *conns_[0]; }

  // Calls fn(connection, i) for every i in [0, n), on all connections at once; progress(done)
  // on this thread meanwhile.
  void ForEach(size_t n, const std::function<void(Client&, size_t)>& fn, CountProgress* progress) {
    std::atomic<size_t> next{0}, done{0};
    std::vector<std::thread> threads;
    for (size_t w = 0; w < std::min(n, conns_.size()); ++w) {
      threads.emplace_back([&, w] {
        for (size_t i; (i = next++) < n;) {
          fn(*conns_[w], i);
          done++;
        }
      });
    }
    while (progress && done.load() < n) {
      progress->Update(done.load());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    for (auto& t : threads) t.join();
  }

  // Runs fetch(connection, k) for k in [0, n) on all connections, at most `window` ahead of
  // consume(k, result), which gets every result in order of k on this thread. Stops at the first
  // error of either.
  template <typename T>
  Status Pipeline(size_t n, size_t window, const std::function<Result<T>(Client&, size_t)>& fetch,
                  const std::function<Status(size_t, T&)>& consume) {
    // A struct, so that the analysis can check the annotations (locals cannot carry them).
    struct Shared {
      Mutex mu;
      CondVar cv;
      size_t next DIPR_GUARDED_BY(mu) = 0;
      size_t consumed DIPR_GUARDED_BY(mu) = 0;
      bool stop DIPR_GUARDED_BY(mu) = false;
      std::map<size_t, Result<T>> ready DIPR_GUARDED_BY(mu);
    } s;
    std::vector<std::thread> threads;
    for (size_t w = 0; w < std::min(n, conns_.size()); ++w) {
      threads.emplace_back([&, w] {
        for (;;) {
          size_t k;
          {
            MutexLock lock(s.mu);
            while (!s.stop && s.next < n && s.next >= s.consumed + window) s.cv.Wait(s.mu);
            if (s.stop || s.next >= n) return;
            k = s.next++;
          }
          Result<T> got = fetch(*conns_[w], k);
          MutexLock lock(s.mu);
          s.ready.emplace(k, std::move(got));
          s.cv.SignalAll();
        }
      });
    }
    Status st;
    for (size_t k = 0; k < n && st.ok(); ++k) {
      std::optional<Result<T>> got;
      {
        MutexLock lock(s.mu);
        while (s.ready.count(k) == 0) s.cv.Wait(s.mu);
        auto it = s.ready.find(k);
        got.emplace(std::move(it->second));
        s.ready.erase(it);
      }
      st = got->ok() ? consume(k, **got) : got->status();
      MutexLock lock(s.mu);
      s.consumed = k + 1;
      if (!st.ok()) s.stop = true;
      s.cv.SignalAll();
    }
    for (auto& t : threads) t.join();
    return st;
  }

 private:
  std::vector<std::unique_ptr<Client>> conns_;
};

// --- the log ---

struct Chunk {
  std::vector<std::string> entries;
  std::vector<crypto::Hash> leaves;
};

// Entries [start, end) as the server serves them (in pieces if it sends fewer), with their leaf
// hashes. What the server answers with 200 must be well-formed (DataLoss, exit 1, otherwise).
Result<Chunk> FetchEntries(Client& c, uint64_t start, uint64_t end) {
  Chunk chunk;
  for (uint64_t at = start; at < end;) {
    ASSIGN_OR_RETURN(json j, GetJson(c, fmt::format("/log/entries?start={}&end={}", at, end)));
    if (!j.is_object() || !j.contains("entries") || !j["entries"].is_array()) {
      return DataLoss(
          fmt::format("the server's answer for entries {} to {} is malformed", at, end));
    }
    if (j["entries"].empty()) {
      return DataLoss(
          fmt::format("the server serves no entry {}, which its checkpoint covers", at));
    }
    for (const auto& e : j["entries"]) {
      if (at >= end || !e.is_object() || !e.contains("index") || e["index"] != at ||
          !e.contains("data") || !e["data"].is_string()) {
        return DataLoss(
            fmt::format("the server's answer for entries {} to {} is malformed at "
                        "entry {}",
                        start, end, at));
      }
      auto data = Base64Decode(e["data"].get<std::string>());
      if (!data.ok()) return DataLoss(fmt::format("entry {} is not base64", at));
      chunk.leaves.push_back(log::HashLeaf(*data));
      chunk.entries.push_back(std::move(data).value());
      at++;
    }
  }
  return chunk;
}

Result<log::Checkpoint> FetchCheckpoint(Client& c, const crypto::NoteVerifier& key) {
  ASSIGN_OR_RETURN(HttpResult r, c.Get("/log/checkpoint"));
  if (r.status != 200)
    return InputError("cannot get the checkpoint: " + StatusFromHttp(r).message());
  auto cp = log::OpenCheckpoint(r.body, key);
  if (!cp.ok()) {
    return InvalidArgument("the server's checkpoint does not verify with the key " + key.name() +
                           ": " + cp.status().message());
  }
  return cp;
}

// --- comparing JSON ---

struct JsonDifference {
  std::string path;                // JSON Pointer; "" is the whole document
  const json* expected = nullptr;  // null: absent there
  const json* served = nullptr;
};

std::string PointerToken(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// The first place, in key order, where `served` differs from `expected`.
std::optional<JsonDifference> FirstDifference(const json& expected, const json& served,
                                              const std::string& at = "") {
  if (expected.is_object() && served.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, _] : expected.items()) keys.insert(k);
    for (const auto& [k, _] : served.items()) keys.insert(k);
    for (const auto& k : keys) {
      std::string path = at + "/" + PointerToken(k);
      bool in_e = expected.contains(k), in_s = served.contains(k);
      if (!in_e || !in_s) {
        return JsonDifference{path, in_e ? &expected.at(k) : nullptr,
                              in_s ? &served.at(k) : nullptr};
      }
      if (auto d = FirstDifference(expected.at(k), served.at(k), path)) return d;
    }
    return std::nullopt;
  }
  if (expected.is_array() && served.is_array()) {
    size_t n = std::min(expected.size(), served.size());
    for (size_t i = 0; i < n; ++i) {
      if (auto d = FirstDifference(expected[i], served[i], at + "/" + std::to_string(i))) return d;
    }
    if (expected.size() == served.size()) return std::nullopt;
    std::string path = at + "/" + std::to_string(n);
    return JsonDifference{path, expected.size() > n ? &expected[n] : nullptr,
                          served.size() > n ? &served[n] : nullptr};
  }
  if (expected == served) return std::nullopt;
  return JsonDifference{at, &expected, &served};
}

std::string Brief(const json* j) {
  if (!j) return "nothing";
  std::string s = j->dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";  // may cut a UTF-8 character; only a hint
  return s;
}

std::string Describe(const JsonDifference& d, std::string_view what) {
  return fmt::format("{} differs from the log at {}: served {}, the log says {}", what,
                     d.path.empty() ? "the top" : d.path, Brief(d.served), Brief(d.expected));
}

// --- the audit ---

struct Report {
  log::Checkpoint checkpoint;
  uint64_t first_size = 0;  // of the checkpoint the audit started from
  size_t accounts = 0, deposits = 0, applications = 0, registrations = 0, notices = 0;
  size_t records_checked = 0, certificates_checked = 0;
  size_t listing_items_checked = 0, listing_pages_checked = 0;  // of the last round
  double seconds = 0, download_seconds = 0, register_seconds = 0;
};

// One audit. Not thread-safe; the pool's threads only read the replay while Run waits for them.
class Auditor {
 public:
  Auditor(Pool& pool, const crypto::NoteVerifier& key) : pool_(pool), key_(key) {}

  Result<Report> Run();

 private:
  // Downloads and replays the entries up to `cp`, and checks the root.
  Status CatchUp(const log::Checkpoint& cp);
  // "" when the registration's record and certificate agree with the replay; otherwise what
  // differs. An error when they could not be fetched.
  Result<std::string> CheckRegistration(Client& c, const std::string& number);
  // Checks `numbers` (and the lists); returns the differences, first first.
  Result<std::vector<std::string>> CheckRegister(const std::vector<std::string>& numbers,
                                                 std::set<std::string>& differing);
  // Walks every page of the list at `target` (a search without text filters) and compares it
  // with the replay's listings in `statuses`, newest first. "" when they agree; otherwise the
  // first difference. Counts what it compared into the report.
  Result<std::string> CheckList(const std::string& target,
                                std::initializer_list<std::string_view> statuses);

  Pool& pool_;
  const crypto::NoteVerifier& key_;
  registry::Replay replay_;
  Status replay_error_;  // the first event that does not replay; the replay stops there
  log::CompactTree tree_;
  Report report_;
};

Status Auditor::CatchUp(const log::Checkpoint& cp) {
  const uint64_t from = tree_.size(), to = cp.size;
  const uint64_t chunk = log::kMaxEntriesPerRead;
  const size_t chunks = static_cast<size_t>((to - from + chunk - 1) / chunk);
  CountProgress progress("downloading the log", to - from);
  std::function<Result<Chunk>(Client&, size_t)> fetch = [&](Client& c, size_t k) {
    uint64_t s = from + k * chunk;
    return FetchEntries(c, s, std::min(to, s + chunk));
  };
  std::function<Status(size_t, Chunk&)> consume = [&](size_t, Chunk& got) {
    for (size_t i = 0; i < got.entries.size(); ++i) {
      uint64_t index = tree_.size();
      tree_.Append(got.leaves[i]);
      // After an inconsistent event the replay means nothing; the root still gets checked.
      if (replay_error_.ok()) replay_error_ = replay_.Apply(index, got.entries[i]);
    }
    progress.Update(tree_.size() - from);
    return Status::Ok();
  };
  RETURN_IF_ERROR(pool_.Pipeline(chunks, kWindowPerJob * pool_.size(), fetch, consume));
  progress.Done();
  if (tree_.Root() != cp.root) {
    return DataLoss(fmt::format(
        "the log's {} entries as served do not hash to the root its checkpoint signs ({})", to,
        Base64Encode({cp.root.data(), cp.root.size()})));
  }
  if (!replay_error_.ok()) {
    return InvalidArgument("the log does not replay: " + replay_error_.message());
  }
  return Status::Ok();
}

Result<std::string> Auditor::CheckRegistration(Client& c, const std::string& number) {
  const registry::ApplicationState& a =
      replay_.applications().at(replay_.registrations().at(number));
  const std::string what = "registration " + number;
  ASSIGN_OR_RETURN(HttpResult r, c.Get("/v1/registrations/" + number));
  if (r.status == 404) return what + ": the register does not serve it (404)";
  if (r.status != 200) {
    return InputError(fmt::format("cannot get {}: {}", what, StatusFromHttp(r).message()));
  }
  auto parsed = ParseJson(r.body);
  if (!parsed.ok()) return what + ": the register serves " + parsed.status().message();
  const json served = std::move(parsed).value();
  const json expected = a.PublicRecord();  // outlives the difference, which points into it
  if (auto d = FirstDifference(expected, served)) return Describe(*d, what + ": the public record");
  if (a.certificate.is_null()) return std::string();

  ASSIGN_OR_RETURN(r, c.Get("/v1/registrations/" + number + "/certificate"));
  if (r.status == 404) return what + ": the register serves no certificate (404)";
  if (r.status != 200) {
    return InputError(
        fmt::format("cannot get the certificate of {}: {}", what, StatusFromHttp(r).message()));
  }
  auto parsed_doc = ParseJson(r.body);
  if (!parsed_doc.ok()) return what + ": the certificate is " + parsed_doc.status().message();
  const json doc = std::move(parsed_doc).value();
  auto v = registry::VerifyCertificate(doc, key_);
  if (!v.ok()) return what + ": the certificate does not verify: " + v.status().message();
  if (auto d = FirstDifference(a.certificate, v->body)) {
    return Describe(*d, what + ": the certificate");
  }
  if (v->index != a.certificate_index) {
    return fmt::format("{}: the certificate is proved by entry {}, but entry {} issued it", what,
                       v->index, a.certificate_index);
  }
  if (!doc.contains("status") || doc["status"] != a.status) {
    return fmt::format("{}: the certificate's status is {}, the log says \"{}\"", what,
                       Brief(doc.contains("status") ? &doc["status"] : nullptr), a.status);
  }
  return std::string();
}

Result<std::string> Auditor::CheckList(const std::string& target,
                                       std::initializer_list<std::string_view> statuses) {
  // What the list should be: the replay's listings in these statuses, newest first.
  std::vector<json> expected;
  std::vector<std::string> expected_ids;
  std::map<std::string, size_t> expected_at;  // application id -> position
  const auto& order = replay_.listing_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const registry::ApplicationState& a = replay_.applications().at(*it);
    if (std::find(statuses.begin(), statuses.end(), a.status) == statuses.end()) continue;
    auto listing = registry::ListingOf(a);
    if (!listing) continue;
    expected_at.emplace(a.id, expected.size());
    expected_ids.push_back(a.id);
    auto item = ParseJson(listing->item);
    if (!item.ok()) {
      return InputError("the replay's listing of " + a.id + " is " + item.status().message());
    }
    expected.push_back(std::move(item).value());
  }
  const std::string sep = target.find('?') == std::string::npos ? "?" : "&";
  auto page_target = [&](size_t page) { return fmt::format("{}{}page={}", target, sep, page); };

  // Page 1 says the page size; then every page the expected items fill, and the one after them,
  // which must be empty (a forged row added at the end shows there).
  ASSIGN_OR_RETURN(json first, GetJson(pool_.main(), page_target(1)));
  if (!first.contains("page_size") || !first["page_size"].is_number_unsigned() ||
      first["page_size"].get<size_t>() == 0) {
    return InputError(fmt::format("{} answered without a page size", target));
  }
  const size_t page_size = first["page_size"].get<size_t>();
  const size_t full_pages = (expected.size() + page_size - 1) / page_size;
  if (full_pages > registry::Registrar::kMaxPage) {
    return InputError(fmt::format(
        "{} would list {} items on {} pages, more than the register serves ({} pages): the audit "
        "cannot compare them all",
        target, expected.size(), full_pages, registry::Registrar::kMaxPage));
  }
  const size_t pages = std::min(full_pages + 1, registry::Registrar::kMaxPage);
  std::vector<Result<json>> got(pages, json());
  got[0] = std::move(first);
  pool_.ForEach(
      pages - 1, [&](Client& c, size_t i) { got[i + 1] = GetJson(c, page_target(i + 2)); },
      nullptr);

  // The served items in order, each with where it was served.
  struct Served {
    const json* item;
    std::string id;         // its application; "" if it names none
    size_t page, position;  // from 1
  };
  std::vector<Served> served;
  std::map<std::string, size_t> served_at;
  for (size_t p = 0; p < pages; ++p) {
    if (!got[p].ok()) return got[p].status();
    const json& j = *got[p];
    if (!j.contains("items") || !j["items"].is_array()) {
      return fmt::format("{}: the register serves page {} without items", target, p + 1);
    }
    for (size_t i = 0; i < j["items"].size(); ++i) {
      const json& item = j["items"][i];
      std::string id =
          item.is_object() && item.contains("application") && item["application"].is_string()
              ? item["application"].get<std::string>()
              : "";
      served_at.emplace(id, served.size());
      served.push_back({&item, id, p + 1, i + 1});
    }
    report_.listing_pages_checked++;
  }
  auto named = [&](const std::string& id) {
    auto a = replay_.applications().find(id);
    if (a == replay_.applications().end() || a->second.registration_number.empty()) {
      return "application " + id;
    }
    return fmt::format("registration {} (application {})", a->second.registration_number, id);
  };
  for (size_t k = 0; k < std::max(expected.size(), served.size()); ++k) {
    if (k >= served.size()) {
      return fmt::format("{}: the register omits {} from its list", target, named(expected_ids[k]));
    }
    const Served& s = served[k];
    const std::string at = fmt::format("{} page {} item {}", target, s.page, s.position);
    const json* item = s.item;
    const std::string& id = s.id;
    if (k >= expected.size() || expected_ids[k] != id) {
      if (k < expected.size() && !served_at.count(expected_ids[k])) {
        return fmt::format("{}: the register omits {} from its list (expected at {})", target,
                           named(expected_ids[k]), at);
      }
      if (!expected_at.count(id)) {
        return fmt::format("{}: the register lists {}, which the log does not list here ({})", at,
                           id.empty() ? "an item without an application" : named(id), Brief(item));
      }
      return fmt::format("{}: the register lists {} out of the log's order (the log has {} there)",
                         at, named(id), named(expected_ids[k]));
    }
    report_.listing_items_checked++;
    if (auto d = FirstDifference(expected[k], *item)) {
      return Describe(*d, fmt::format("{}: the listing of {}", at, named(id)));
    }
  }
  for (size_t p = 0; p < pages; ++p) {
    const json& j = *got[p];
    if (!j.contains("total") || j["total"] != expected.size() ||
        j.value("total_exact", false) != true) {
      return fmt::format(
          "{} page {}: the register says it lists {} (total_exact {}), the log has {}", target,
          p + 1, Brief(j.contains("total") ? &j["total"] : nullptr),
          Brief(j.contains("total_exact") ? &j["total_exact"] : nullptr), expected.size());
    }
  }
  return std::string();
}

Result<std::vector<std::string>> Auditor::CheckRegister(const std::vector<std::string>& numbers,
                                                        std::set<std::string>& differing) {
  std::vector<Result<std::string>> results(numbers.size(), std::string());
  {
    CountProgress progress("checking the register", numbers.size());
    pool_.ForEach(
        numbers.size(), [&](Client& c, size_t i) { results[i] = CheckRegistration(c, numbers[i]); },
        &progress);
  }
  std::vector<std::string> diffs;
  differing.clear();
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (!results[i].ok()) return results[i].status();
    if (!results[i]->empty()) {
      diffs.push_back(*results[i]);
      differing.insert(numbers[i]);
    }
  }

  size_t registrations = 0, notices = 0;
  for (const auto& [_, a] : replay_.applications()) {
    if (registry::IsRegistrationStatus(a.status)) registrations++;
    if (a.status == registry::status::kInNotice) notices++;
  }
  report_.registrations = registrations;
  report_.notices = notices;
  // The registrar's settings in force, as the replay has them from the log.
  if (const auto& settings = replay_.settings()) {
    const json expected = [&] {
      json j = settings->ToJson();
      j["event_index"] = replay_.settings_index();
      return j;
    }();
    ASSIGN_OR_RETURN(json served, GetJson(pool_.main(), "/v1/settings"));
    if (auto d = FirstDifference(expected, served)) {
      diffs.push_back(Describe(*d, "the registrar's settings (GET /v1/settings)"));
      differing.insert("/v1/settings");
    }
  }
  // Three lists that hold every listing once (registry/lifecycle.h has the statuses): so each row
  // of the register's search, its status included, is compared.
  namespace st = registry::status;
  report_.listing_items_checked = report_.listing_pages_checked = 0;
  struct List {
    const char* target;
    std::initializer_list<std::string_view> statuses;
  };
  for (const List& list :
       {List{"/v1/registrations", {st::kRegistered, st::kExpired, st::kCancelled, st::kRevoked}},
        List{"/v1/registrations?status=refused", {st::kRefused}},
        List{"/v1/notices", {st::kInNotice}}}) {
    ASSIGN_OR_RETURN(std::string diff, CheckList(list.target, list.statuses));
    if (!diff.empty()) {
      diffs.push_back(std::move(diff));
      differing.insert(list.target);
    }
  }
  return diffs;
}

Result<Report> Auditor::Run() {
  auto start = Clock::now();
  ASSIGN_OR_RETURN(log::Checkpoint cp, FetchCheckpoint(pool_.main(), key_));
  report_.first_size = cp.size;
  RETURN_IF_ERROR(CatchUp(cp));
  auto downloaded = Clock::now();

  std::vector<std::string> numbers;
  for (const auto& [number, _] : replay_.registrations()) numbers.push_back(number);
  std::set<std::string> differing;
  ASSIGN_OR_RETURN(std::vector<std::string> diffs, CheckRegister(numbers, differing));

  // The register moves on while the audit runs: what differs may be entries the checkpoint above
  // did not cover yet. Catch up with the log and check again what differed, and what is new,
  // until the log stands still (then a difference is real) or a few rounds have passed.
  bool stable = false;
  for (size_t round = 0; !diffs.empty(); ++round) {
    ASSIGN_OR_RETURN(log::Checkpoint now, FetchCheckpoint(pool_.main(), key_));
    if (now.size < cp.size || (now.size == cp.size && now.root != cp.root)) {
      return InvalidArgument(fmt::format(
          "the registry signed a checkpoint of size {} during the audit that does not extend the "
          "one of size {} it signed before",
          now.size, cp.size));
    }
    if (now.size == cp.size) {
      stable = true;
      break;
    }
    if (round == kMaxRounds) break;
    std::set<std::string> known;  // registrations checked before (the unchanged ones agreed)
    for (const auto& [number, _] : replay_.registrations()) known.insert(number);
    RETURN_IF_ERROR(CatchUp(now));
    cp = now;
    numbers.clear();
    for (const auto& [number, _] : replay_.registrations()) {
      if (differing.count(number) || !known.count(number)) numbers.push_back(number);
    }
    ASSIGN_OR_RETURN(diffs, CheckRegister(numbers, differing));
  }
  if (!diffs.empty()) {
    if (!stable) {
      return InputError(
          fmt::format("the log grew during the audit (from {} to {} entries) and the "
                      "register still differs ({}); re-run",
                      report_.first_size, cp.size, diffs.front()));
    }
    return DataLoss(diffs.front());
  }
  report_.checkpoint = cp;
  report_.accounts = replay_.accounts();
  report_.deposits = replay_.deposits();
  report_.applications = replay_.applications().size();
  // Every registration was checked, and agreed, in one round or another.
  for (const auto& [_, id] : replay_.registrations()) {
    report_.records_checked++;
    if (!replay_.applications().at(id).certificate.is_null()) report_.certificates_checked++;
  }
  auto end = Clock::now();
  report_.seconds = std::chrono::duration<double>(end - start).count();
  report_.download_seconds = std::chrono::duration<double>(downloaded - start).count();
  report_.register_seconds = std::chrono::duration<double>(end - downloaded).count();
  return report_;
}

Result<Report> Audit(const ServerFlags& server, const std::string& key_arg, size_t jobs) {
  auto key = LoadVerifierKey(key_arg);
  if (!key.ok()) return InputError(key.status().message());
  if (jobs < 1 || jobs > 256) return InputError("--jobs must be 1 to 256");
  ASSIGN_OR_RETURN(Client client, server.Connect());  // checks --server
  (void)client;
  Pool pool(server, jobs);
  Auditor auditor(pool, *key);
  return auditor.Run();
}

}  // namespace

void AddAuditCommand(CLI::App& app, Context& ctx) {
  struct Flags {
    ServerFlags server;
    std::string key;
    size_t jobs = 8;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd =
      app.add_subcommand("audit", "replay the whole log and check the public register against it");
  flags->server.Add(cmd, false);
  cmd->add_option("--key", flags->key, "the registry's verifier key, or a file holding it")
      ->required();
  cmd->add_option("--jobs", flags->jobs, "requests in flight at once");
  AddJsonFlag(cmd, ctx, "print the result as JSON");
  cmd->callback([flags, &ctx] {
    auto r = Audit(flags->server, flags->key, flags->jobs);
    if (!r.ok()) {
      return Fail(ctx, r.status());
    }
    const log::Checkpoint& cp = r->checkpoint;
    std::string root = Base64Encode({cp.root.data(), cp.root.size()});
    if (ctx.json) {
      std::cout << json{{"ok", true},
                        {"log", cp.origin},
                        {"size", cp.size},
                        {"root", root},
                        {"entries", cp.size},
                        {"accounts", r->accounts},
                        {"deposits", r->deposits},
                        {"applications", r->applications},
                        {"registrations", r->registrations},
                        {"notices", r->notices},
                        {"records_checked", r->records_checked},
                        {"certificates_checked", r->certificates_checked},
                        {"listing_items_checked", r->listing_items_checked},
                        {"listing_pages_checked", r->listing_pages_checked},
                        {"seconds", r->seconds}}
                       .dump()
                << "\n";
      return;
    }
    auto rate = [](double n, double secs) { return secs > 0 ? n / secs : 0.0; };
    std::cout << "OK: the log " << cp.origin << " of size " << cp.size << " (root " << root
              << ") replays, and the public register agrees with it\n";
    std::cout << fmt::format(
        "    {} entries: {} accounts, {} deposits, {} applications, {} "
        "registrations, {} in notice\n",
        cp.size, r->accounts, r->deposits, r->applications, r->registrations, r->notices);
    std::cout << fmt::format(
        "    compared {} records, {} certificates, {} listing items on {} pages (every page of "
        "the lists of registrations, refused applications and notices)\n",
        r->records_checked, r->certificates_checked, r->listing_items_checked,
        r->listing_pages_checked);
    std::cout << fmt::format("    in {:.1f} s ({:.0f} entries/s, {:.0f} records/s)\n", r->seconds,
                             rate(static_cast<double>(cp.size), r->download_seconds),
                             rate(static_cast<double>(r->records_checked), r->register_seconds));
  });
}

}  // namespace dipr::cli
