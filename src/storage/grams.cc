#include "storage/grams.h"

#include <algorithm>

namespace dipr::storage {

std::string FoldAsciiCase(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

std::vector<std::string> ShortGrams(std::string_view folded) {
  // Where each character starts, and one past the end.
  std::vector<size_t> starts;
  starts.reserve(folded.size() + 1);
  for (size_t i = 0; i < folded.size(); ++i) {
    if ((static_cast<unsigned char>(folded[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  size_t chars = starts.size();
  starts.push_back(folded.size());
  std::vector<std::string> out;
  out.reserve(2 * chars);
  for (size_t c = 0; c < chars; ++c) {
    out.emplace_back(folded.substr(starts[c], starts[c + 1] - starts[c]));
    if (c + 1 < chars) out.emplace_back(folded.substr(starts[c], starts[c + 2] - starts[c]));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace dipr::storage
