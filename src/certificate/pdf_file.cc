#include "certificate/pdf_file.h"

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace dipr::certificate {
namespace {

// Bounds beyond those in the header: nesting of arrays and dictionaries, cross-reference sections
// in the /Prev chain, entries in all of them, indirect objects read, name-tree depth.
constexpr int kMaxDepth = 32;
constexpr int kMaxXrefSections = 64;
constexpr size_t kMaxXrefEntries = 1 << 18;
constexpr int kMaxResolves = 4096;
constexpr int kMaxTreeDepth = 16;
constexpr uint64_t kMaxObjectNumber = 8388607;  // ISO 32000-1 Annex C

Status Bad(std::string what) { return InvalidArgument("PDF: " + std::move(what)); }

struct Obj {
  enum class Kind { kNull, kBool, kInt, kReal, kString, kName, kArray, kDict, kRef, kKeyword };
  Kind kind = Kind::kNull;
  int64_t num = 0;         // an integer; a reference's object number; a boolean (0/1)
  int64_t gen = 0;         // a reference's generation
  std::string text;        // a string's bytes, a name (decoded), a real's token, a keyword
  std::vector<Obj> items;  // an array
  struct Entry;
  std::vector<Entry> dict;  // a dictionary, in file order

  bool Is(Kind k) const { return kind == k; }
  const Obj* Get(std::string_view key) const;
};
// Not std::pair<std::string, Obj>: a pair needs a complete Obj where it is instantiated, which
// inside Obj it is not (GCC let it pass, clang does not); a vector of a declared struct may wait.
struct Obj::Entry {
  Entry(std::string k, Obj v) : key(std::move(k)), value(std::move(v)) {}
  std::string key;
  Obj value;
};
const Obj* Obj::Get(std::string_view key) const {
  if (kind != Kind::kDict) return nullptr;
  for (const auto& [k, v] : dict) {
    if (k == key) return v.kind == Kind::kNull ? nullptr : &v;
  }
  return nullptr;
}
using K = Obj::Kind;

bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}
bool IsDelimiter(char c) {
  return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
         c == '}' || c == '/' || c == '%';
}
bool IsRegular(char c) { return !IsSpace(c) && !IsDelimiter(c); }
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// PDF objects from a position in the file (ISO 32000-1 §7.2, §7.3).
class Parser {
 public:
  Parser(std::string_view data, size_t pos) : d_(data), pos_(pos) {}
  size_t pos() const { return pos_; }

  void SkipSpace() {
    while (pos_ < d_.size()) {
      if (IsSpace(d_[pos_])) {
        ++pos_;
      } else if (d_[pos_] == '%') {
        while (pos_ < d_.size() && d_[pos_] != '\n' && d_[pos_] != '\r') ++pos_;
      } else {
        break;
      }
    }
  }

  // Consumes the keyword `kw` if it is the next token.
  bool Keyword(std::string_view kw) {
    SkipSpace();
    if (d_.substr(pos_, kw.size()) != kw) return false;
    const size_t end = pos_ + kw.size();
    if (end < d_.size() && IsRegular(d_[end])) return false;
    pos_ = end;
    return true;
  }

  Result<uint64_t> Unsigned() {
    SkipSpace();
    uint64_t v = 0;
    size_t digits = 0;
    while (pos_ < d_.size() && d_[pos_] >= '0' && d_[pos_] <= '9') {
      if (++digits > 15) return Bad(fmt::format("a number at byte {} is too long", pos_));
      v = v * 10 + static_cast<uint64_t>(d_[pos_++] - '0');
    }
    if (digits == 0) return Bad(fmt::format("expected a number at byte {}", pos_));
    return v;
  }

  Result<Obj> Object(int depth = 0) {
    if (depth > kMaxDepth) return Bad(fmt::format("objects nested too deeply at byte {}", pos_));
    SkipSpace();
    if (pos_ >= d_.size()) return Bad("unexpected end of the file");
    const char c = d_[pos_];
    Obj o;
    if (c == '<' && Peek(1) == '<') {
      pos_ += 2;
      o.kind = K::kDict;
      for (;;) {
        SkipSpace();
        if (pos_ >= d_.size()) return Bad("a dictionary is not closed");
        if (d_[pos_] == '>' && Peek(1) == '>') {
          pos_ += 2;
          return o;
        }
        ASSIGN_OR_RETURN(Obj key, Object(depth + 1));
        if (!key.Is(K::kName))
          return Bad(fmt::format("a dictionary key at byte {} is no name", pos_));
        ASSIGN_OR_RETURN(Obj value, Object(depth + 1));
        o.dict.emplace_back(std::move(key.text), std::move(value));
      }
    }
    if (c == '<') return HexString();
    if (c == '(') return LiteralString();
    if (c == '[') {
      ++pos_;
      o.kind = K::kArray;
      for (;;) {
        SkipSpace();
        if (pos_ >= d_.size()) return Bad("an array is not closed");
        if (d_[pos_] == ']') {
          ++pos_;
          return o;
        }
        ASSIGN_OR_RETURN(Obj item, Object(depth + 1));
        o.items.push_back(std::move(item));
      }
    }
    if (c == '/') return Name();
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') return Number();
    if (IsRegular(c)) {
      const size_t start = pos_;
      while (pos_ < d_.size() && IsRegular(d_[pos_]) && pos_ - start < 32) ++pos_;
      o.text = std::string(d_.substr(start, pos_ - start));
      if (o.text == "true" || o.text == "false") {
        o.kind = K::kBool;
        o.num = o.text == "true";
      } else if (o.text == "null") {
        o.kind = K::kNull;
      } else {
        o.kind = K::kKeyword;
      }
      return o;
    }
    return Bad(fmt::format("unexpected '{}' at byte {}", c == '\0' ? '?' : c, pos_));
  }

 private:
  char Peek(size_t ahead) const { return pos_ + ahead < d_.size() ? d_[pos_ + ahead] : '\0'; }

  Result<Obj> HexString() {
    ++pos_;
    Obj o;
    o.kind = K::kString;
    int high = -1;
    for (;;) {
      if (pos_ >= d_.size()) return Bad("a hex string is not closed");
      const char c = d_[pos_++];
      if (c == '>') break;
      if (IsSpace(c)) continue;
      const int v = HexValue(c);
      if (v < 0) return Bad(fmt::format("a hex string has '{}' at byte {}", c, pos_ - 1));
      if (high < 0) {
        high = v;
      } else {
        o.text.push_back(static_cast<char>(high * 16 + v));
        high = -1;
      }
    }
    if (high >= 0) o.text.push_back(static_cast<char>(high * 16));
    return o;
  }

  Result<Obj> LiteralString() {
    ++pos_;
    Obj o;
    o.kind = K::kString;
    int open = 1;
    for (;;) {
      if (pos_ >= d_.size()) return Bad("a string is not closed");
      char c = d_[pos_++];
      if (c == '(') {
        ++open;
      } else if (c == ')') {
        if (--open == 0) return o;
      } else if (c == '\\') {
        if (pos_ >= d_.size()) return Bad("a string is not closed");
        c = d_[pos_++];
        switch (c) {
          case 'n':
            c = '\n';
            break;
          case 'r':
            c = '\r';
            break;
          case 't':
            c = '\t';
            break;
          case 'b':
            c = '\b';
            break;
          case 'f':
            c = '\f';
            break;
          case '\r':
            if (Peek(0) == '\n') ++pos_;
            continue;
          case '\n':
            continue;
          default:
            if (c >= '0' && c <= '7') {
              int v = c - '0';
              for (int i = 0; i < 2 && Peek(0) >= '0' && Peek(0) <= '7'; ++i) {
                v = v * 8 + (d_[pos_++] - '0');
              }
              c = static_cast<char>(v & 0xff);
            }
        }
      }
      o.text.push_back(c);
    }
  }

  Result<Obj> Name() {
    ++pos_;
    Obj o;
    o.kind = K::kName;
    while (pos_ < d_.size() && IsRegular(d_[pos_])) {
      char c = d_[pos_++];
      if (c == '#' && HexValue(Peek(0)) >= 0 && HexValue(Peek(1)) >= 0) {
        c = static_cast<char>(HexValue(d_[pos_]) * 16 + HexValue(d_[pos_ + 1]));
        pos_ += 2;
      }
      if (o.text.size() >= 127) return Bad(fmt::format("a name at byte {} is too long", pos_));
      o.text.push_back(c);
    }
    return o;
  }

  Result<Obj> Number() {
    const size_t start = pos_;
    while (pos_ < d_.size() && (d_[pos_] == '+' || d_[pos_] == '-' || d_[pos_] == '.' ||
                                (d_[pos_] >= '0' && d_[pos_] <= '9'))) {
      if (pos_ - start > 32) return Bad(fmt::format("a number at byte {} is too long", start));
      ++pos_;
    }
    std::string_view tok = d_.substr(start, pos_ - start);
    Obj o;
    if (tok.find('.') != std::string_view::npos) {
      o.kind = K::kReal;
      o.text = std::string(tok);
      return o;
    }
    const bool neg = tok[0] == '-';
    std::string_view digits = tok[0] == '-' || tok[0] == '+' ? tok.substr(1) : tok;
    if (digits.empty() || digits.size() > 15 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return Bad(fmt::format("a malformed number at byte {}", start));
    }
    int64_t v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    o.kind = K::kInt;
    o.num = neg ? -v : v;
    // "N G R" is a reference.
    if (!neg && tok[0] != '+') {
      const size_t save = pos_;
      auto gen = Unsigned();
      if (gen.ok() && *gen <= 65535 && Keyword("R")) {
        o.kind = K::kRef;
        o.gen = static_cast<int64_t>(*gen);
        return o;
      }
      pos_ = save;
    }
    return o;
  }

  std::string_view d_;
  size_t pos_;
};

// The file's cross-reference tables, trailer and indirect objects.
class Document {
 public:
  explicit Document(std::string_view data) : d_(data) {}

  Status Load() {
    if (!IsPdf(d_)) return Bad("no %PDF- header");
    const size_t tail = d_.size() > 1024 ? d_.size() - 1024 : 0;
    const size_t at = d_.rfind("startxref");
    if (at == std::string_view::npos || at < tail) return Bad("no startxref at its end");
    Parser p(d_, at + 9);
    ASSIGN_OR_RETURN(uint64_t off, p.Unsigned());
    last_xref_ = off;
    std::set<uint64_t> seen;
    for (int section = 0;; ++section) {
      if (section >= kMaxXrefSections) return Bad("too many cross-reference sections");
      if (off >= d_.size() || !seen.insert(off).second) {
        return Bad(fmt::format("a cross-reference section at byte {} is out of place", off));
      }
      ASSIGN_OR_RETURN(Obj trailer, ReadXref(off));
      const Obj* prev = trailer.Get("Prev");
      if (section == 0) trailer_ = std::move(trailer);
      if (prev == nullptr) break;
      if (!prev->Is(K::kInt) || prev->num < 0) return Bad("the trailer's /Prev is no offset");
      off = static_cast<uint64_t>(prev->num);
    }
    return Status::Ok();
  }

  const Obj& trailer() const { return trailer_; }
  uint64_t last_xref() const { return last_xref_; }
  // The highest object number the cross-reference tables name (0 for none).
  uint64_t max_object() const { return offsets_.empty() ? 0 : offsets_.rbegin()->first; }

  // The object a reference points to (a direct object is returned as it is); for a stream, its
  // bytes in *stream (which must then be non-null; a stream where none is expected is an error).
  Result<Obj> Resolve(const Obj& o, std::string* stream = nullptr) {
    if (!o.Is(K::kRef)) {
      if (stream) return Bad("a stream is not an indirect object");
      return o;
    }
    if (++resolves_ > kMaxResolves) return Bad("too many objects to read");
    auto it = offsets_.find(static_cast<uint64_t>(o.num));
    if (it == offsets_.end() || it->second.second != o.gen) {
      return Bad(fmt::format("object {} {} R is not in the cross-reference table", o.num, o.gen));
    }
    const uint64_t off = it->second.first;
    if (off >= d_.size()) return Bad(fmt::format("object {} lies beyond the file's end", o.num));
    Parser p(d_, off);
    ASSIGN_OR_RETURN(uint64_t num, p.Unsigned());
    ASSIGN_OR_RETURN(uint64_t gen, p.Unsigned());
    if (num != static_cast<uint64_t>(o.num) || gen != static_cast<uint64_t>(o.gen) ||
        !p.Keyword("obj")) {
      return Bad(
          fmt::format("object {} {} R is not where the cross-reference table says", o.num, o.gen));
    }
    ASSIGN_OR_RETURN(Obj value, p.Object());
    if (!p.Keyword("stream")) {
      if (stream) return Bad(fmt::format("object {} is not a stream", o.num));
      return value;
    }
    if (!stream) return Bad(fmt::format("object {} is a stream where none belongs", o.num));
    if (!value.Is(K::kDict)) return Bad(fmt::format("stream {} has no dictionary", o.num));
    size_t start = p.pos();
    if (start < d_.size() && d_[start] == '\r') ++start;
    if (start >= d_.size() || d_[start] != '\n') {
      return Bad(fmt::format("stream {} does not start with an end of line", o.num));
    }
    ++start;
    const Obj* len = value.Get("Length");
    if (len == nullptr) return Bad(fmt::format("stream {} has no /Length", o.num));
    Obj length = *len;
    if (length.Is(K::kRef)) {
      ASSIGN_OR_RETURN(length, Resolve(length));
    }
    if (!length.Is(K::kInt) || length.num < 0 ||
        static_cast<uint64_t>(length.num) > d_.size() - start) {
      return Bad(fmt::format("stream {} has a /Length beyond the file", o.num));
    }
    const size_t n = static_cast<size_t>(length.num);
    if (n > kMaxEmbeddedFileBytes) {
      return Bad(fmt::format("stream {} is larger than {} bytes", o.num, kMaxEmbeddedFileBytes));
    }
    Parser after(d_, start + n);
    if (!after.Keyword("endstream")) {
      return Bad(fmt::format("stream {}'s /Length does not end at endstream", o.num));
    }
    stream->assign(d_.substr(start, n));
    return value;
  }

 private:
  // One classic cross-reference section at `off` and the trailer after it. Entries already known
  // (from a newer section) are kept: the newest definition of an object wins.
  Result<Obj> ReadXref(uint64_t off) {
    Parser p(d_, off);
    if (!p.Keyword("xref")) {
      Parser obj(d_, off);
      if (obj.Unsigned().ok() && obj.Unsigned().ok() && obj.Keyword("obj")) {
        return Bad(
            "the PDF uses a cross-reference stream, which this reader does not read "
            "(extract the file with pdfdetach and verify it)");
      }
      return Bad(fmt::format("no cross-reference table at byte {}", off));
    }
    for (;;) {
      if (p.Keyword("trailer")) break;
      ASSIGN_OR_RETURN(uint64_t first, p.Unsigned());
      ASSIGN_OR_RETURN(uint64_t count, p.Unsigned());
      if (first + count > kMaxObjectNumber + 1 || entries_ + count > kMaxXrefEntries) {
        return Bad("a cross-reference table is too large");
      }
      entries_ += count;
      for (uint64_t i = 0; i < count; ++i) {
        ASSIGN_OR_RETURN(uint64_t where, p.Unsigned());
        ASSIGN_OR_RETURN(uint64_t gen, p.Unsigned());
        if (p.Keyword("n")) {
          offsets_.emplace(first + i, std::make_pair(where, static_cast<int64_t>(gen)));
        } else if (p.Keyword("f")) {
          offsets_.emplace(first + i, std::make_pair(~uint64_t{0}, int64_t{-1}));
        } else {
          return Bad(fmt::format("a malformed cross-reference entry at byte {}", p.pos()));
        }
      }
    }
    ASSIGN_OR_RETURN(Obj trailer, p.Object());
    if (!trailer.Is(K::kDict)) return Bad("the trailer is no dictionary");
    return trailer;
  }

  std::string_view d_;
  std::map<uint64_t, std::pair<uint64_t, int64_t>> offsets_;  // object -> (offset, generation)
  size_t entries_ = 0;
  Obj trailer_;
  uint64_t last_xref_ = 0;
  int resolves_ = 0;
};

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// A PDF text string (§7.9.2.2) as UTF-8: UTF-16BE after a byte order mark, UTF-8 after its
// mark (PDF 2.0), else PDFDocEncoding, read here as Latin-1 (they agree on what we write).
std::string TextString(std::string_view s) {
  std::string out;
  if (s.size() >= 2 && static_cast<uint8_t>(s[0]) == 0xfe && static_cast<uint8_t>(s[1]) == 0xff) {
    for (size_t i = 2; i + 1 < s.size(); i += 2) {
      uint32_t u = static_cast<uint8_t>(s[i]) << 8 | static_cast<uint8_t>(s[i + 1]);
      if (u >= 0xd800 && u < 0xdc00 && i + 3 < s.size()) {
        uint32_t lo = static_cast<uint8_t>(s[i + 2]) << 8 | static_cast<uint8_t>(s[i + 3]);
        if (lo >= 0xdc00 && lo < 0xe000) {
          u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
          i += 2;
        }
      }
      if (u >= 0xd800 && u < 0xe000) u = 0xfffd;
      AppendUtf8(out, u);
    }
    return out;
  }
  if (s.substr(0, 3) == "\xef\xbb\xbf") return std::string(s.substr(3));
  for (char c : s) AppendUtf8(out, static_cast<uint8_t>(c));
  return out;
}

// UTF-8 to a PDF text string in UTF-16BE, as hex: <FEFF…>.
std::string HexTextString(std::string_view utf8) {
  std::string out = "<FEFF";
  auto unit = [&](uint32_t u) { out += fmt::format("{:04X}", u); };
  for (size_t i = 0; i < utf8.size();) {
    const auto b = static_cast<uint8_t>(utf8[i]);
    uint32_t cp = 0xfffd;
    size_t n = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    if (i + n > utf8.size()) n = 1;
    if (n == 1) {
      cp = b < 0x80 ? b : 0xfffd;
    } else {
      cp = b & (0xff >> (n + 1));
      for (size_t k = 1; k < n; ++k) cp = cp << 6 | (static_cast<uint8_t>(utf8[i + k]) & 0x3f);
    }
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xd800 + (cp >> 10));
      unit(0xdc00 + (cp & 0x3ff));
    } else {
      unit(cp);
    }
  }
  return out + ">";
}

std::string HexBytes(std::string_view s) {
  std::string out = "<";
  for (char c : s) out += fmt::format("{:02X}", static_cast<uint8_t>(c));
  return out + ">";
}

std::string NameToken(std::string_view name) {
  std::string out = "/";
  for (char c : name) {
    const auto u = static_cast<uint8_t>(c);
    if (u < 0x21 || u > 0x7e || c == '#' || IsDelimiter(c)) {
      out += fmt::format("#{:02X}", u);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Serialize(const Obj& o) {
  switch (o.kind) {
    case K::kNull:
      return "null";
    case K::kBool:
      return o.num ? "true" : "false";
    case K::kInt:
      return std::to_string(o.num);
    case K::kReal:
      return o.text;
    case K::kString:
      return HexBytes(o.text);
    case K::kName:
      return NameToken(o.text);
    case K::kRef:
      return fmt::format("{} {} R", o.num, o.gen);
    case K::kKeyword:
      return o.text;
    case K::kArray: {
      std::string out = "[";
      for (const Obj& i : o.items) out += " " + Serialize(i);
      return out + " ]";
    }
    case K::kDict: {
      std::string out = "<<";
      for (const auto& [k, v] : o.dict) out += " " + NameToken(k) + " " + Serialize(v);
      return out + " >>";
    }
  }
  return "null";
}

bool IsAsciiName(std::string_view s) {
  if (s.empty() || s.size() > 100) return false;
  for (char c : s) {
    if (c < 0x20 || c > 0x7e || c == '/' || c == '\\') return false;
  }
  return true;
}

bool IsMime(std::string_view s) {
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size() || s.size() > 100) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '+' || c == '-' || i == slash;
    if (!ok) return false;
  }
  return true;
}

// Reads the name tree under `node` into `out` (§7.9.6): /Names holds [key value …], /Kids the
// subtrees. `seen` guards against a tree that points back into itself.
Status WalkNameTree(Document& doc, const Obj& node, int depth, std::set<int64_t>& seen,
                    std::vector<EmbeddedFile>& out);

Status AddFile(Document& doc, const std::string& key, const Obj& value,
               std::vector<EmbeddedFile>& out) {
  if (out.size() >= kMaxEmbeddedFiles) {
    return Bad(fmt::format("more than {} embedded files", kMaxEmbeddedFiles));
  }
  ASSIGN_OR_RETURN(Obj spec, doc.Resolve(value));
  if (!spec.Is(K::kDict)) return Bad("an embedded file's specification is no dictionary");
  const Obj* ef_ref = spec.Get("EF");
  if (ef_ref == nullptr) return Bad("an embedded file's specification has no /EF");
  ASSIGN_OR_RETURN(Obj ef, doc.Resolve(*ef_ref));
  const Obj* stream_ref = ef.Get("UF") ? ef.Get("UF") : ef.Get("F");
  if (!ef.Is(K::kDict) || stream_ref == nullptr) return Bad("an embedded file's /EF has no /F");
  EmbeddedFile f;
  ASSIGN_OR_RETURN(Obj stream, doc.Resolve(*stream_ref, &f.data));
  for (const char* k : {"UF", "F"}) {
    const Obj* n = spec.Get(k);
    if (n && n->Is(K::kString) && !n->text.empty()) {
      f.name = TextString(n->text);
      break;
    }
  }
  if (f.name.empty()) f.name = TextString(key);
  if (const Obj* filter = stream.Get("Filter");
      filter && !(filter->Is(K::kArray) && filter->items.empty())) {
    return Bad("the embedded file \"" + f.name +
               "\" is compressed, which this reader does not read (extract it with pdfdetach "
               "and verify it)");
  }
  if (const Obj* sub = stream.Get("Subtype"); sub && sub->Is(K::kName)) f.mime = sub->text;
  if (const Obj* desc = spec.Get("Desc"); desc && desc->Is(K::kString)) {
    f.description = TextString(desc->text);
  }
  out.push_back(std::move(f));
  return Status::Ok();
}

Status WalkNameTree(Document& doc, const Obj& node_ref, int depth, std::set<int64_t>& seen,
                    std::vector<EmbeddedFile>& out) {
  if (depth > kMaxTreeDepth) return Bad("the embedded files' name tree is too deep");
  if (node_ref.Is(K::kRef) && !seen.insert(node_ref.num).second) {
    return Bad("the embedded files' name tree has a cycle");
  }
  ASSIGN_OR_RETURN(Obj node, doc.Resolve(node_ref));
  if (!node.Is(K::kDict)) return Bad("a node of the embedded files' name tree is no dictionary");
  if (const Obj* names = node.Get("Names")) {
    ASSIGN_OR_RETURN(Obj list, doc.Resolve(*names));
    if (!list.Is(K::kArray) || list.items.size() % 2 != 0) {
      return Bad("the embedded files' /Names is not an array of pairs");
    }
    for (size_t i = 0; i < list.items.size(); i += 2) {
      ASSIGN_OR_RETURN(Obj key, doc.Resolve(list.items[i]));
      if (!key.Is(K::kString)) return Bad("a key of the embedded files' name tree is no string");
      RETURN_IF_ERROR(AddFile(doc, key.text, list.items[i + 1], out));
    }
  }
  if (const Obj* kids = node.Get("Kids")) {
    ASSIGN_OR_RETURN(Obj list, doc.Resolve(*kids));
    if (!list.Is(K::kArray)) return Bad("the embedded files' /Kids is no array");
    for (const Obj& kid : list.items) {
      RETURN_IF_ERROR(WalkNameTree(doc, kid, depth + 1, seen, out));
    }
  }
  return Status::Ok();
}

}  // namespace

bool IsPdf(std::string_view bytes) { return bytes.substr(0, 5) == "%PDF-"; }

Result<std::vector<EmbeddedFile>> ReadEmbeddedFiles(std::string_view pdf) {
  if (pdf.size() > kMaxPdfBytes) return Bad(fmt::format("larger than {} bytes", kMaxPdfBytes));
  Document doc(pdf);
  RETURN_IF_ERROR(doc.Load());
  const Obj* root_ref = doc.trailer().Get("Root");
  if (root_ref == nullptr) return Bad("the trailer has no /Root");
  ASSIGN_OR_RETURN(Obj root, doc.Resolve(*root_ref));
  if (!root.Is(K::kDict)) return Bad("the catalog is no dictionary");
  std::vector<EmbeddedFile> out;
  const Obj* names_ref = root.Get("Names");
  if (names_ref == nullptr) return out;
  ASSIGN_OR_RETURN(Obj names, doc.Resolve(*names_ref));
  if (!names.Is(K::kDict)) return Bad("the catalog's /Names is no dictionary");
  const Obj* tree = names.Get("EmbeddedFiles");
  if (tree == nullptr) return out;
  std::set<int64_t> seen;
  RETURN_IF_ERROR(WalkNameTree(doc, *tree, 0, seen, out));
  return out;
}

Result<std::string> AppendEmbeddedFile(std::string_view pdf, const EmbeddedFile& file) {
  if (!IsAsciiName(file.name)) {
    return InvalidArgument("an embedded file's name must be printable ASCII without / or \\");
  }
  if (!IsMime(file.mime)) return InvalidArgument("an embedded file's MIME type is malformed");
  Document doc(pdf);
  if (Status s = doc.Load(); !s.ok()) return Internal("cannot extend the PDF: " + s.message());
  const Obj* size = doc.trailer().Get("Size");
  const Obj* root_ref = doc.trailer().Get("Root");
  if (size == nullptr || !size->Is(K::kInt) || size->num < 1 || root_ref == nullptr ||
      !root_ref->Is(K::kRef)) {
    return Internal("cannot extend the PDF: its trailer lacks /Size or /Root");
  }
  // The new objects are numbered from /Size on: a /Size at or below an object the tables name
  // would give two objects one number, and the update would replace the old one (found by
  // fuzz/pdf_file: the reader then finds no file, or another).
  if (static_cast<uint64_t>(size->num) <= doc.max_object()) {
    return Internal("cannot extend the PDF: its trailer's /Size is not above every object");
  }
  auto root = doc.Resolve(*root_ref);
  if (!root.ok()) return Internal("cannot extend the PDF: " + root.status().message());
  if (!root->Is(K::kDict) || root->Get("Names") || root->Get("AF")) {
    return Internal("cannot extend the PDF: its catalog already has /Names or /AF");
  }

  std::string out(pdf);
  if (out.back() != '\n') out.push_back('\n');
  const int64_t n = size->num;
  std::vector<std::pair<int64_t, size_t>> offsets;  // (object, offset) in the order written
  auto begin = [&](int64_t num, int64_t gen) {
    offsets.emplace_back(num, out.size());
    out += fmt::format("{} {} obj\n", num, gen);
  };
  begin(n, 0);
  out += fmt::format(
      "<< /Type /EmbeddedFile /Subtype {} /Length {} /Params << /Size {} >> >>\nstream\n",
      NameToken(file.mime), file.data.size(), file.data.size());
  out += file.data;
  out += "\nendstream\nendobj\n";
  begin(n + 1, 0);
  out += fmt::format(
      "<< /Type /Filespec /F {} /UF {} /Desc {} /AFRelationship /Data /EF << /F {} 0 R /UF {} 0 R "
      ">> >>\nendobj\n",
      HexBytes(file.name), HexTextString(file.name), HexTextString(file.description), n, n);
  begin(n + 2, 0);
  out += fmt::format("<< /Names [ {} {} 0 R ] >>\nendobj\n", HexBytes(file.name), n + 1);
  Obj catalog = *root;
  Obj names;
  names.kind = K::kDict;
  Obj tree;
  tree.kind = K::kRef;
  tree.num = n + 2;
  names.dict.emplace_back("EmbeddedFiles", tree);
  catalog.dict.emplace_back("Names", std::move(names));
  Obj af;
  af.kind = K::kArray;
  Obj spec;
  spec.kind = K::kRef;
  spec.num = n + 1;
  af.items.push_back(spec);
  catalog.dict.emplace_back("AF", std::move(af));
  begin(root_ref->num, root_ref->gen);
  out += Serialize(catalog) + "\nendobj\n";

  const size_t xref = out.size();
  // Subsections in increasing object order: 0 (the free list's head, unchanged), the catalog,
  // then the three new objects. Each entry is exactly 20 bytes.
  out += "xref\n0 1\n0000000000 65535 f \n";
  out +=
      fmt::format("{} 1\n{:010d} {:05d} n \n", root_ref->num, offsets.back().second, root_ref->gen);
  out += fmt::format("{} 3\n", n);
  for (size_t i = 0; i < 3; ++i) out += fmt::format("{:010d} 00000 n \n", offsets[i].second);
  Obj trailer;
  trailer.kind = K::kDict;
  for (const auto& [k, v] : doc.trailer().dict) {
    if (k != "Size" && k != "Prev" && k != "XRefStm") trailer.dict.emplace_back(k, v);
  }
  Obj new_size, prev;
  new_size.kind = prev.kind = K::kInt;
  new_size.num = n + 3;
  prev.num = static_cast<int64_t>(doc.last_xref());
  trailer.dict.emplace_back("Size", new_size);
  trailer.dict.emplace_back("Prev", prev);
  out += "trailer\n" + Serialize(trailer) + fmt::format("\nstartxref\n{}\n%%EOF\n", xref);
  return out;
}

}  // namespace dipr::certificate
