#include "cli/common.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "common/json_parse.h"
#include "common/read_file.h"
#include "server/data_dir.h"

namespace dipr::cli {

Status InputError(std::string message) { return {Code::kUnavailable, std::move(message)}; }

Status InputError(const Status& st, const std::string& what) {
  return InputError(what.empty() ? st.message() : what + ": " + st.message());
}

int ExitCodeFor(const Status& st) {
  switch (st.code()) {
    case Code::kOk:
      return 0;
    case Code::kInvalidArgument:
    case Code::kUnauthenticated:
    case Code::kPermissionDenied:
    case Code::kNotFound:
    case Code::kConflict:
    case Code::kTooLarge:
    case Code::kDataLoss:
      return 1;  // refused, or not valid
    case Code::kUnavailable:
    case Code::kInternal:
      return 2;  // unusable input, an unreachable server, a bug
  }
  return 2;
}

namespace {

std::string OneLine(const Status& st) {
  std::string msg = st.message();
  for (char& c : msg) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return msg;
}

}  // namespace

void FailAfterResult(Context& ctx, const Status& st) {
  ctx.exit_code = ExitCodeFor(st) == 0 ? 1 : ExitCodeFor(st);
  std::fprintf(stderr, "dipr: %s\n", OneLine(st).c_str());
}

void Fail(Context& ctx, const Status& st) {
  FailAfterResult(ctx, st);
  const std::string msg = OneLine(st);
  if (ctx.json) {
    std::cout << nlohmann::json{{"ok", false},
                                {"error", {{"code", CodeName(st.code())}, {"message", msg}}},
                                {"exit_code", ctx.exit_code}}
                     .dump()
              << "\n"
              << std::flush;
  }
}

void AddJsonFlag(CLI::App* cmd, Context& ctx, const std::string& what) {
  cmd->add_flag("--json", ctx.json, what);
}

void AddFieldFlag(CLI::App* cmd, Context& ctx) {
  cmd->add_option("--field", ctx.field, "print only this key of the answer (e.g. id, status)");
}

void Print(Context& ctx, const nlohmann::json& value,
           const std::function<void(const nlohmann::json&)>& human) {
  if (!ctx.field.empty()) {
    if (!value.is_object() || !value.contains(ctx.field)) {
      return Fail(ctx, InputError("the answer has no field \"" + ctx.field + "\""));
    }
    const nlohmann::json& v = value[ctx.field];
    std::cout << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
  } else if (ctx.json) {
    std::cout << value.dump() << "\n";
  } else {
    human(value);
  }
}

void ServerFlags::Add(CLI::App* cmd, bool need_token) {
  if (const char* s = std::getenv("DIPR_SERVER")) server = s;
  if (const char* t = std::getenv("DIPR_TOKEN")) token = t;
  if (const char* c = std::getenv("DIPR_CA")) ca = c;
  cmd->add_option("--server", server,
                  "registry URL, http://HOST:PORT or https://HOST[:PORT] (env DIPR_SERVER)");
  // Never shown as a default in --help: it may be a secret from the environment.
  if (need_token) {
    cmd->add_option("--token", token, "bearer token (env DIPR_TOKEN)")->default_str("");
  }
  cmd->add_option("--ca", ca,
                  "PEM file of the CAs an https server's certificate must chain to (env DIPR_CA; "
                  "default: the system's store)");
}

Result<Client> ServerFlags::Connect() const {
  auto c = Client::Create(server, token, options());
  if (!c.ok()) return InputError(c.status().message());
  return c;
}

void RunCall(Context& ctx, const ServerFlags& server,
             const std::function<Result<nlohmann::json>(Client&)>& call,
             const std::function<void(const nlohmann::json&)>& human) {
  auto client = server.Connect();
  if (!client.ok()) return Fail(ctx, client.status());
  auto answer = call(*client);
  if (!answer.ok()) return Fail(ctx, answer.status());
  Print(ctx, *answer, human);
}

Result<nlohmann::json> ReadJsonInput(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadInput(path, server::kMaxSmallFile, ""));
  auto j = ParseJson(text);
  if (!j.ok()) return InputError((path == "-" ? "stdin" : path) + " is " + j.status().message());
  return j;
}

Result<std::string> ReadInput(const std::string& path, size_t max_bytes, const std::string& what) {
  auto text = ReadFileUpTo(path, max_bytes);
  if (!text.ok()) return InputError(text.status(), what);
  return text;
}

Result<crypto::NoteVerifier> LoadVerifierKey(const std::string& key_or_file) {
  auto direct = crypto::NoteVerifier::Parse(key_or_file);
  if (direct.ok()) return direct;
  auto text = server::ReadFile(key_or_file);
  if (!text.ok()) {
    return InputError("--key is neither a verifier key nor a readable file: " +
                      text.status().message());
  }
  std::string k = *text;
  while (!k.empty() && (k.back() == '\n' || k.back() == '\r' || k.back() == ' ')) k.pop_back();
  auto parsed = crypto::NoteVerifier::Parse(k);
  if (!parsed.ok()) return InputError(key_or_file + ": " + parsed.status().message());
  return parsed;
}

Status WriteOutput(const std::string& path, const std::string& data) {
  if (path == "-") {
    std::cout << data << std::flush;
    return Status::Ok();
  }
  // A device or pipe (/dev/null, /dev/stdout, a FIFO) is written in place: renaming a temporary
  // file over it would replace the device with a regular file.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    std::ofstream out(path, std::ios::binary);
    out << data;
    out.flush();
    if (!out) return InputError("cannot write " + path);
    return Status::Ok();
  }
  Status written = server::WriteFileAtomic(path, data, 0644);
  if (!written.ok()) return InputError(written, "");
  return written;
}

std::string UnknownSubcommand(const CLI::App& app, int argc, const char* const* argv) {
  const CLI::App* at = &app;
  std::string path = "dipr";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto subs = at->get_subcommands([](const CLI::App*) { return true; });
    if (subs.empty() || arg.empty() || arg[0] == '-') return "";
    const CLI::App* next = nullptr;
    std::string names;
    for (const CLI::App* s : subs) {
      if (s->check_name(arg)) next = s;
      names += (names.empty() ? "" : ", ") + s->get_name();
    }
    if (!next) return "unknown command \"" + arg + "\" for " + path + " (commands: " + names + ")";
    at = next;
    path += " " + next->get_name();
  }
  return "";
}

}  // namespace dipr::cli
