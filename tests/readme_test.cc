// The README's walk-through ("Five minutes with dipr") run as written, the way a newcomer would:
// its shell blocks in order, in a directory with build/dipr and docs/examples, against a `dipr
// serve` started as `make run` starts it (only the port differs), and every output the README
// promises (its "# →" lines) found in what the commands print.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/testing.h"
#include "run_dipr.h"
#include "server_process.h"

namespace dipr {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The ```sh blocks between `heading` and the next "## " heading.
std::vector<std::string> ShellBlocks(const std::string& markdown, const std::string& heading) {
  std::vector<std::string> blocks;
  size_t at = markdown.find("\n" + heading + "\n");
  if (at == std::string::npos) return blocks;
  size_t end = markdown.find("\n## ", at + 1);
  std::string section = markdown.substr(at, end == std::string::npos ? end : end - at);
  for (size_t p = 0; (p = section.find("```sh\n", p)) != std::string::npos;) {
    size_t q = section.find("\n```", p);
    blocks.push_back(section.substr(p + 6, q - p - 6) + "\n");
    p = q + 4;
  }
  return blocks;
}

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) {
    s.replace(p, from.size(), to);
  }
}

TEST(ReadmeTest, TheWalkThroughRunsAsWritten) {
  const fs::path source = testenv::SourceDir();
  const std::string readme = ReadText(source / "README.md");
  std::vector<std::string> blocks = ShellBlocks(readme, "## Five minutes with dipr");
  ASSERT_EQ(blocks.size(), 2u) << "the walk-through's shell blocks moved";

  const fs::path dir = fs::temp_directory_path() / ("dipr-readme-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "build");
  fs::create_directories(dir / "docs");
  fs::create_symlink(testenv::DiprBinary(), dir / "build" / "dipr");
  fs::create_symlink(source / "docs" / "examples", dir / "docs" / "examples");
  // `make run`: dipr serve --data var --listen 127.0.0.1:8080, here on a free port.
  testenv::ServerProcess server((dir / "var").string());
  ASSERT_TRUE(server.Start());

  std::string script = "set -euo pipefail\ncd " + dir.string() + "\n";
  for (const auto& b : blocks) script += b;
  ReplaceAll(script, "http://127.0.0.1:8080", server.url());
  std::ofstream(dir / "walk.sh") << script;
  testenv::Outcome r = testenv::RunShell("env -u DIPR_SERVER -u DIPR_TOKEN -u DIPR_CA bash " +
                                         (dir / "walk.sh").string());
  ASSERT_EQ(r.code, 0) << r.out << "\n" << r.err;

  // Each "# → TEXT" line: TEXT's pieces between the "…" elisions appear, in order, in the output.
  std::istringstream lines(script);
  size_t promised = 0, from = 0;
  for (std::string line; std::getline(lines, line);) {
    const std::string mark = "# → ";
    if (line.rfind(mark, 0) != 0) continue;
    ++promised;
    std::string text = line.substr(mark.size());
    size_t at = from;
    for (size_t p = 0; p <= text.size();) {
      size_t q = text.find("…", p);
      std::string piece = text.substr(p, q == std::string::npos ? std::string::npos : q - p);
      if (!piece.empty()) {
        size_t found = r.out.find(piece, at);
        ASSERT_NE(found, std::string::npos)
            << "promised: " << text << "\nmissing: " << piece << "\nin:\n"
            << r.out.substr(from);
        at = found + piece.size();
      }
      if (q == std::string::npos) break;
      p = q + std::string("…").size();
    }
    from = at;
  }
  EXPECT_GE(promised, 3u);
  EXPECT_TRUE(fs::exists(dir / "cert.pdf"));
  server.Kill();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dipr
