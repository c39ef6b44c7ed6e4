#include "cli/common.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <cstdlib>
#include <iostream>

#include "server/data_dir.h"

namespace dipr::cli {

int ExitCodeFor(const Status& st) {
  switch (st.code()) {
    case Code::kOk: return 0;
    case Code::kInvalidArgument:
    case Code::kUnauthenticated:
    case Code::kPermissionDenied:
    case Code::kConflict:
    case Code::kTooLarge:
    case Code::kDataLoss: return 1;  // refused, or not valid
    default: return 2;               // a missing file, an unreachable server, a bug
  }
}

void Fail(Context& ctx, const Status& st) {
  std::string msg = st.message();
  for (char& c : msg) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "dipr: %s\n", msg.c_str());
  ctx.exit_code = ExitCodeFor(st) == 0 ? 1 : ExitCodeFor(st);
}

void ServerFlags::Add(CLI::App* cmd, bool need_token) {
  if (const char* s = std::getenv("DIPR_SERVER")) server = s;
  if (const char* t = std::getenv("DIPR_TOKEN")) token = t;
  cmd->add_option("--server", server, "registry URL, e.g. http://127.0.0.1:8080 (env DIPR_SERVER)");
  if (need_token) cmd->add_option("--token", token, "bearer token (env DIPR_TOKEN)");
}

Result<Client> ServerFlags::Connect() const {
  auto c = Client::Create(server, token);
  // A missing or malformed --server is a usage error (exit 2), not a refusal.
  if (!c.ok()) return Status(Code::kUnavailable, c.status().message());
  return c;
}

Result<crypto::NoteVerifier> LoadVerifierKey(const std::string& key_or_file) {
  auto direct = crypto::NoteVerifier::Parse(key_or_file);
  if (direct.ok()) return direct;
  auto text = server::ReadFile(key_or_file);
  if (!text.ok()) {
    return InvalidArgument("--key is neither a verifier key nor a readable file: " +
                           text.status().message());
  }
  std::string k = *text;
  while (!k.empty() && (k.back() == '\n' || k.back() == '\r' || k.back() == ' ')) k.pop_back();
  auto parsed = crypto::NoteVerifier::Parse(k);
  if (!parsed.ok()) return InvalidArgument(key_or_file + ": " + parsed.status().message());
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
    if (!out) return Internal("cannot write " + path);
    return Status::Ok();
  }
  return server::WriteFileAtomic(path, data, 0644);
}

}  // namespace dipr::cli
