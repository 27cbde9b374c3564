#pragma once
// Typed values of configuration files, each a pure parser with a clear error. The spellings
// are those Prometheus operators already write: durations as in Prometheus ("1m30s"), sizes
// as Prometheus's retention sizes (1024-based: "512MB").
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigil::core {

// [Ny][Nw][Nd][Nh][Nm][Ns][Nms], at least one part, units in that order ("0" is allowed).
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
// "1m30s": the shortest spelling ParseDuration reads back.
std::string FormatDuration(std::chrono::milliseconds d);

// A whole number with an optional unit B, KB, MB, GB, TB, PB (or KiB ... PiB), 1024-based.
Result<uint64_t> ParseSize(std::string_view text);

// true/false, yes/no, on/off, 1/0.
Result<bool> ParseBool(std::string_view text);

// Comma-separated; items trimmed; an empty text is an empty list, an empty item an error.
Result<std::vector<std::string>> ParseList(std::string_view text);

struct HostPort {
  std::string host;  // empty for "all interfaces"; IPv6 without brackets
  uint16_t port = 0;
  std::string ToString() const;  // brackets IPv6 hosts again
};
// host:port, [v6]:port or :port. Port 0 asks the system for a free port.
Result<HostPort> ParseHostPort(std::string_view text);

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // IPv6 without brackets
  uint16_t port = 0;   // the scheme's default when the URL names none
  std::string target;  // path and query, at least "/"
  bool https() const { return scheme == "https"; }
  // scheme://host[:port]/target, with the port only when it is not the default.
  std::string ToString() const;
  // host[:port] as the Host header wants it.
  std::string HostHeader() const;
};
// http:// or https:// URLs only; credentials in the URL are refused (they belong in files).
Result<Url> ParseUrl(std::string_view text);

std::string_view TrimSpace(std::string_view s);

}  // namespace vigil::core
