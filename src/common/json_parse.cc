#include "common/json_parse.h"

#include <string>
#include <vector>

namespace dipr {
namespace {

using nlohmann::json;

// Builds the value like nlohmann's own DOM parser, but stops at the first key an object already
// has, and at kMaxJsonDepth.
class StrictSax final : public nlohmann::json_sax<json> {
 public:
  explicit StrictSax(json& root) : root_(root) {}
  const std::string& error() const { return error_; }

  bool null() override { return Put(nullptr); }
  bool boolean(bool v) override { return Put(v); }
  bool number_integer(number_integer_t v) override { return Put(v); }
  bool number_unsigned(number_unsigned_t v) override { return Put(v); }
  bool number_float(number_float_t v, const string_t&) override { return Put(v); }
  bool string(string_t& v) override { return Put(std::move(v)); }
  bool binary(binary_t& v) override { return Put(json::binary(std::move(v))); }

  bool start_object(std::size_t) override { return Open(json::object()); }
  bool start_array(std::size_t) override { return Open(json::array()); }
  bool end_object() override { return Close(); }
  bool end_array() override { return Close(); }

  bool key(string_t& k) override {
    json& object = *stack_.back();
    if (object.contains(k)) {
      error_ = "the key \"" + k + "\" appears twice in one object";
      return false;
    }
    slot_ = &object[k];
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error_ = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 3: …" → from "parse error".
    if (size_t at = error_.find("] "); at != std::string::npos) error_ = error_.substr(at + 2);
    return false;
  }

 private:
  // Where the next value goes: the root, the end of the open array, or the key just read.
  json* Slot() {
    if (stack_.empty()) return &root_;
    json& top = *stack_.back();
    if (top.is_array()) return &top.emplace_back();
    return slot_;
  }
  template <typename V>
  bool Put(V&& v) {
    *Slot() = std::forward<V>(v);
    return true;
  }
  bool Open(json empty) {
    if (stack_.size() >= kMaxJsonDepth) {
      error_ = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
      return false;
    }
    json* s = Slot();
    *s = std::move(empty);
    stack_.push_back(s);  // stays valid: nothing is added to its parent while it is open
    return true;
  }
  bool Close() {
    stack_.pop_back();
    return true;
  }

  json& root_;
  std::vector<json*> stack_;
  json* slot_ = nullptr;
  std::string error_;
};

}  // namespace

Result<nlohmann::json> ParseJson(std::string_view text) {
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return InvalidArgument("not valid JSON: a NUL byte at offset " + std::to_string(nul));
  }
  json root;
  StrictSax sax(root);
  bool ok = false;
  try {
    ok = json::sax_parse(text, &sax, json::input_format_t::json, /*strict=*/true);
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("not valid JSON: ") + e.what());
  }
  if (!ok) {
    return InvalidArgument("not valid JSON: " +
                           (sax.error().empty() ? std::string("parse error") : sax.error()));
  }
  return root;
}

}  // namespace dipr
