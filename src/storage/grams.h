// The short-query index of the public register's search (docs/FORMATS.md §8, "Search"): each
// listing's distinct substrings of one and two characters, computed here once per PutListing for
// both backends, so that SQLite and PostgreSQL index exactly the same grams.
//
// A query of one or two characters occurs in a text if and only if it is one of the text's
// grams, so such a query is answered by looking its gram up, with no second look at the text;
// longer queries go to the backends' trigram indexes. Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dipr::storage {

// Queries of at most this many characters are answered by the gram index alone.
inline constexpr size_t kMaxShortGram = 2;

// s with its ASCII letters in lower case and every other byte as it is: how the search folds
// case (SQLite's lower() and PostgreSQL's lower(… COLLATE "C") do the same).
std::string FoldAsciiCase(std::string_view s);

// The distinct substrings of one and two characters of `folded` (which should be
// FoldAsciiCase'd), sorted bytewise. A character is a code point of UTF-8: a byte that is not a
// continuation byte (10xxxxxx) with the continuation bytes after it, which is also how
// Utf8Length counts them (the register holds valid UTF-8 only; in other bytes, continuation bytes
// at the very start belong to no character). Every character counts, white space and line breaks included, so a
// gram may span two lines; that costs a few grams per text and keeps every query exact.
std::vector<std::string> ShortGrams(std::string_view folded);

}  // namespace dipr::storage
