#pragma once
// Structured logging to stderr in logfmt, as Prometheus and its exporters log:
//   ts=2026-11-21T04:29:11.123Z level=info msg="listening" addr=127.0.0.1:9090
// Thread-safe. The sink is replaceable so tests can read what was logged.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace vigil::core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn", "error"; false for anything else.
bool ParseLogLevel(std::string_view text, LogLevel* level);

// One key=value pair; the value is rendered once, when the field is made.
struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  LogField(std::string_view k, T v) : key(k), value(Render(v)) {}

  std::string_view key;
  std::string value;

 private:
  static std::string Render(bool v) { return v ? "true" : "false"; }
  static std::string Render(double v);
  template <typename T>
  static std::string Render(T v) {
    if constexpr (std::is_floating_point_v<T>) {
      return Render(static_cast<double>(v));
    } else {
      return std::to_string(v);
    }
  }
};

using LogFields = std::initializer_list<LogField>;
using LogSink = std::function<void(std::string_view line)>;

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Replaces where lines go (stderr by default); an empty function restores stderr.
void SetLogSink(LogSink sink);

void Log(LogLevel level, std::string_view msg, LogFields fields = {});
inline void LogDebug(std::string_view msg, LogFields fields = {}) {
  Log(LogLevel::kDebug, msg, fields);
}
inline void LogInfo(std::string_view msg, LogFields fields = {}) {
  Log(LogLevel::kInfo, msg, fields);
}
inline void LogWarn(std::string_view msg, LogFields fields = {}) {
  Log(LogLevel::kWarn, msg, fields);
}
inline void LogError(std::string_view msg, LogFields fields = {}) {
  Log(LogLevel::kError, msg, fields);
}

// The logfmt line without the timestamp; exposed for tests.
std::string FormatLogLine(int64_t unix_millis, LogLevel level, std::string_view msg,
                          LogFields fields);

}  // namespace vigil::core
