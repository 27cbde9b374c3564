#pragma once
// Time comes through a Clock so that schedules, timeouts and timestamps can be tested without
// sleeping. Wall time is for sample timestamps; monotonic time is for intervals and deadlines.
#include <atomic>
#include <cstdint>
#include <string>

namespace vigil::core {

// 2023-11-14T22:13:20.000Z: RFC 3339 in UTC with milliseconds (logs, the API's times).
std::string FormatRfc3339Millis(int64_t unix_millis);

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch: the timestamp of a sample.
  virtual int64_t NowUnixMillis() const = 0;
  // Nanoseconds from an arbitrary origin that never goes backwards.
  virtual int64_t NowMonotonicNanos() const = 0;
};

// The system's clocks. Stateless; one shared instance.
class SystemClock final : public Clock {
 public:
  static const SystemClock& Get();
  int64_t NowUnixMillis() const override;
  int64_t NowMonotonicNanos() const override;
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t unix_millis = 0) : unix_millis_(unix_millis) {}
  int64_t NowUnixMillis() const override { return unix_millis_.load(); }
  int64_t NowMonotonicNanos() const override { return mono_nanos_.load(); }
  void AdvanceMillis(int64_t ms) {
    unix_millis_ += ms;
    mono_nanos_ += ms * 1'000'000;
  }
  void SetUnixMillis(int64_t ms) { unix_millis_ = ms; }

 private:
  std::atomic<int64_t> unix_millis_;
  std::atomic<int64_t> mono_nanos_{0};
};

}  // namespace vigil::core
