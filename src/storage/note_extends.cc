// CheckNoteExtends (storage/store.h): the one rule by which a stored tree head's checkpoint may
// change after it was stored, shared by every backend's WriteTx::AddTreeHeadSignatures.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/note.h"
#include "storage/store.h"

namespace dipr::storage {
namespace {

// A signed note's signature lines, each without its "\n". REQUIRES: crypto::ParseNote(note) ok.
std::vector<std::string_view> SignatureLines(std::string_view note) {
  std::string_view sigs = note.substr(note.rfind("\n\n") + 2);
  std::vector<std::string_view> out;
  while (!sigs.empty()) {
    size_t nl = sigs.find('\n');
    out.push_back(sigs.substr(0, nl));
    sigs.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace

Status CheckNoteExtends(std::string_view stored, std::string_view extended) {
  auto old_note = crypto::ParseNote(stored);
  if (!old_note.ok()) {
    return DataLoss("the stored checkpoint is not a signed note: " + old_note.status().message());
  }
  auto new_note = crypto::ParseNote(extended);
  if (!new_note.ok()) return InvalidArgument(new_note.status().message());
  // Lines compared as bytes: the note served is these bytes, and a signature re-encoded
  // differently is not the one stored.
  if (new_note->text != old_note->text) {
    return Conflict("the checkpoint's text is not the stored checkpoint's");
  }
  std::vector<std::string_view> have = SignatureLines(extended);
  for (std::string_view line : SignatureLines(stored)) {
    if (std::find(have.begin(), have.end(), line) == have.end()) {
      return Conflict("the checkpoint lacks the stored signature \"" + std::string(line) + "\"");
    }
  }
  return Status::Ok();
}

}  // namespace dipr::storage
