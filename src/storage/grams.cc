#include "storage/grams.h"

#include <algorithm>

#include "common/utf8.h"

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

std::string Term(char tag, std::string_view value) {
  std::string out(1, tag);
  out += value;
  return out;
}

std::vector<std::string> ListingTerms(const Listing& l) {
  std::vector<std::string> text = ShortGrams(FoldAsciiCase(l.text));
  std::vector<std::string> holders = ShortGrams(FoldAsciiCase(l.holders));
  std::vector<std::string> out;
  out.reserve(text.size() + holders.size() + 1);
  for (const auto& g : text) out.push_back(Term(kTextTag, g));
  for (const auto& g : holders) out.push_back(Term(kHolderTag, g));
  out.push_back(Term(kIndustryTag, l.industry));
  return out;
}

bool IsGramQuery(std::string_view query) {
  if (query.empty() || !IsValidUtf8(query)) return false;
  return Utf8Length(query) <= kMaxGramChars;
}

}  // namespace dipr::storage
