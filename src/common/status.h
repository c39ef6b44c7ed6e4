// Status and Result<T>: errors as values. A few codes, each mapping one-to-one to an HTTP status
// (see http/errors.cc) and to a CLI exit code. Assertions are for programmer errors only; every
// I/O failure and every bad input is a Status.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dipr {

enum class Code {
  kOk = 0,
  kInvalidArgument,   // 400: the request is malformed or a field is wrong
  kUnauthenticated,   // 401: no or bad credentials
  kPermissionDenied,  // 403: authenticated but not allowed
  kNotFound,          // 404
  kConflict,          // 409: the state does not allow it (outside notice, duplicate, ...)
  kTooLarge,          // 413: body or entry over the limit
  kUnavailable,       // 503: try again (overloaded, shutting down, not the sequencer)
  kInternal,          // 500: a bug or an unexpected I/O failure
  kDataLoss,          // 500: stored data does not match what was signed
};

// Stable lower-case name used in JSON error bodies ("invalid_argument", ...).
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not_found: no entry 12" — for logs and CLI lines.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
inline Status TooLarge(std::string m) { return {Code::kTooLarge, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status DataLoss(std::string m) { return {Code::kDataLoss, std::move(m)}; }

// Result<T> holds a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: !ok() for status() to be meaningful; returns Ok() otherwise.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // On a temporary, the value itself (moved out), not a reference into the dying Result: so
  // `for (auto& x : *Lookup())` iterates a value whose life the loop extends, where a reference
  // would dangle once the Result is destroyed at the end of the range's initializer.
  T operator*() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace dipr

// Early-return helpers, in the style of absl's RETURN_IF_ERROR / ASSIGN_OR_RETURN.
#define DIPR_CONCAT_INNER(a, b) a##b
#define DIPR_CONCAT(a, b) DIPR_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)    \
  do {                           \
    ::dipr::Status _st = (expr); \
    if (!_st.ok()) return _st;   \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(DIPR_CONCAT(_res_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
