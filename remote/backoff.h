#pragma once
// How long to wait before retrying: doubling from min to max, with jitter so that many
// agents recovering at once do not retry in step; or what the server asked for.
#include <chrono>
#include <optional>
#include <random>
#include <string_view>

namespace vigil::remote {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max) : min_(min), max_(max) {}
  // The wait before retry number `attempt` (1 for the first retry): uniform in [d/2, d] for
  // d = min(max, min * 2^(attempt-1)).
  std::chrono::milliseconds Delay(int attempt);

 private:
  std::chrono::milliseconds min_, max_;
  std::mt19937_64 rng_{std::random_device{}()};
};

// A Retry-After header: delay-seconds or an HTTP-date (RFC 9110 10.2.3), as a wait from
// `now_unix_ms`. Nothing for a missing or unreadable header.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         int64_t now_unix_ms);

}  // namespace vigil::remote
