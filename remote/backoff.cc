#include "remote/backoff.h"

#include <ctime>
#include <string>

#include "core/number.h"

namespace vigil::remote {

std::chrono::milliseconds Backoff::Delay(int attempt) {
  int64_t d = min_.count();
  for (int i = 1; i < attempt && d < max_.count(); ++i) d *= 2;
  d = std::min<int64_t>(d, max_.count());
  std::uniform_int_distribution<int64_t> jitter(d / 2, d);
  return std::chrono::milliseconds(jitter(rng_));
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         int64_t now_unix_ms) {
  if (value.empty()) return std::nullopt;
  if (auto seconds = core::ParseUint64(value)) {
    return std::chrono::milliseconds(static_cast<int64_t>(std::min<uint64_t>(*seconds, 86400)) *
                                     1000);
  }
  std::tm tm{};
  std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  int64_t at_ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  return std::chrono::milliseconds(std::max<int64_t>(0, at_ms - now_unix_ms));
}

}  // namespace vigil::remote
