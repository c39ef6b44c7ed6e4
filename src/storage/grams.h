// The term index of the public register's search (docs/FORMATS.md §8, "Search"): what each
// listing is indexed under besides its trigrams, computed here once per PutListing for both
// backends, so that SQLite and PostgreSQL index exactly the same terms.
//
// A listing's terms are the distinct substrings of one and two characters ("grams") of its text
// and of its holders, ASCII-lower-cased, and its industry, each behind a tag byte saying which it
// is. A query of one or two characters occurs in a text if and only if it is one of the text's
// grams, so such a query is answered by looking its term up, with no second look at the text;
// industry is a term so that its filter is answered by the same lookup. Longer queries go to the
// backends' trigram indexes. The status is not a term: it changes (at registration, expiry, ...)
// when no searched word does, and the term index is then left alone.
//
// Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "storage/store.h"

namespace dipr::storage {

// Queries of at most this many characters are answered by the term index alone.
inline constexpr size_t kMaxGramChars = 2;

// The tag bytes: a term is its tag followed by the gram, status or industry.
inline constexpr char kTextTag = 't';
inline constexpr char kHolderTag = 'h';
inline constexpr char kIndustryTag = 'i';

// s with its ASCII letters in lower case and every other byte as it is: how the search folds
// case (SQLite's LIKE and lower(), and PostgreSQL's lower(… COLLATE "C"), do the same).
std::string FoldAsciiCase(std::string_view s);

// The distinct substrings of one and two characters of `folded` (FoldAsciiCase'd text), sorted
// bytewise. A character is a code point of UTF-8: a byte that is not a continuation byte
// (10xxxxxx) with the continuation bytes after it, which is how Utf8Length counts them too (the
// register holds valid UTF-8 only; in other bytes, continuation bytes at the very start belong to
// no character). Every character counts, white space and line breaks included, so a gram may span
// two lines: that costs a few grams per text and keeps every query exact.
std::vector<std::string> ShortGrams(std::string_view folded);

// A term: tag followed by value.
std::string Term(char tag, std::string_view value);

// Every term of a listing (its text's and holders' grams, its industry), distinct.
std::vector<std::string> ListingTerms(const Listing& listing);

// Whether a text or holder query is answered by the term index: valid UTF-8 of 1 to kMaxGramChars
// characters. Its term is then Term(tag, FoldAsciiCase(query)).
bool IsGramQuery(std::string_view query);

}  // namespace dipr::storage
