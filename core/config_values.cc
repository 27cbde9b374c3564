#include "core/config_values.h"

#include <algorithm>
#include <cctype>

#include "core/number.h"

namespace vigil::core {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

struct DurationUnit {
  std::string_view name;
  int64_t ms;
};
// Largest first: the order a duration's parts must come in, and the order they are written.
constexpr DurationUnit kDurationUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                                           {"w", 7LL * 24 * 3600 * 1000},
                                           {"d", 24LL * 3600 * 1000},
                                           {"h", 3600LL * 1000},
                                           {"m", 60LL * 1000},
                                           {"s", 1000},
                                           {"ms", 1}};

Result<uint16_t> ParsePort(std::string_view text, std::string_view whole) {
  std::optional<uint64_t> port = ParseUint64(text);
  if (text.empty() || !std::all_of(text.begin(), text.end(), IsDigit) || !port || *port > 65535) {
    return InvalidArgumentError("invalid port in " + Quoted(whole));
  }
  return static_cast<uint16_t>(*port);
}

// Splits host and port of "host:port" or "[v6]:port"; the port may be absent.
Status SplitHostPort(std::string_view text, std::string_view whole, std::string* host,
                     std::string_view* port, bool* has_port) {
  *has_port = false;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgumentError("missing ']' in " + Quoted(whole));
    }
    *host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return OkStatus();
    if (rest[0] != ':') return InvalidArgumentError("expected ':' after ']' in " + Quoted(whole));
    *port = rest.substr(1);
    *has_port = true;
    return OkStatus();
  }
  size_t colon = text.rfind(':');
  if (colon != std::string_view::npos && text.find(':') != colon) {
    return InvalidArgumentError("IPv6 addresses need brackets: " + Quoted(whole));
  }
  *host = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) {
    *port = text.substr(colon + 1);
    *has_port = true;
  }
  return OkStatus();
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == ':' || c == '%';
}

}  // namespace

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const std::string bad = "invalid duration " + Quoted(text) + " (use e.g. 15s, 1m30s, 2h)";
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty()) return InvalidArgumentError(bad);
  int64_t total = 0;
  size_t next_unit = 0;  // units must come in decreasing size, each once
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t n = 0;
    while (n < rest.size() && IsDigit(rest[n])) ++n;
    if (n == 0) return InvalidArgumentError(bad);
    std::optional<uint64_t> count = ParseUint64(rest.substr(0, n));
    rest.remove_prefix(n);
    size_t u = 0;
    while (u < rest.size() && std::isalpha(static_cast<unsigned char>(rest[u]))) ++u;
    std::string_view unit = rest.substr(0, u);
    rest.remove_prefix(u);
    size_t found = std::size(kDurationUnits);
    for (size_t i = next_unit; i < std::size(kDurationUnits); ++i) {
      if (kDurationUnits[i].name == unit) found = i;
    }
    if (found == std::size(kDurationUnits) || !count) return InvalidArgumentError(bad);
    const int64_t unit_ms = kDurationUnits[found].ms;
    if (*count > static_cast<uint64_t>(INT64_MAX / unit_ms) ||
        total > INT64_MAX - static_cast<int64_t>(*count) * unit_ms) {
      return InvalidArgumentError("duration " + Quoted(text) + " is too long");
    }
    total += static_cast<int64_t>(*count) * unit_ms;
    next_unit = found + 1;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (const DurationUnit& u : kDurationUnits) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms);
      out += u.name;
      ms %= u.ms;
    }
  }
  return out;
}

Result<uint64_t> ParseSize(std::string_view text) {
  const std::string bad = "invalid size " + Quoted(text) + " (use e.g. 512MB, 1GB)";
  size_t n = 0;
  while (n < text.size() && IsDigit(text[n])) ++n;
  if (n == 0) return InvalidArgumentError(bad);
  std::optional<uint64_t> count = ParseUint64(text.substr(0, n));
  std::string unit(TrimSpace(text.substr(n)));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static constexpr std::pair<std::string_view, int> kUnits[] = {
      {"", 0},   {"B", 0},   {"KB", 1},  {"MB", 2},  {"GB", 3},  {"TB", 4},
      {"PB", 5}, {"KIB", 1}, {"MIB", 2}, {"GIB", 3}, {"TIB", 4}, {"PIB", 5}};
  for (const auto& [name, power] : kUnits) {
    if (unit != name) continue;
    uint64_t v = *count;
    for (int i = 0; i < power; ++i) {
      if (v > UINT64_MAX / 1024)
        return InvalidArgumentError("size " + Quoted(text) + " is too large");
      v *= 1024;
    }
    return v;
  }
  return InvalidArgumentError(bad);
}

Result<bool> ParseBool(std::string_view text) {
  std::string t(text);
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return InvalidArgumentError("invalid boolean " + Quoted(text) + " (use true or false)");
}

Result<std::vector<std::string>> ParseList(std::string_view text) {
  std::vector<std::string> items;
  if (TrimSpace(text).empty()) return items;
  std::string_view rest = text;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view item = TrimSpace(rest.substr(0, comma));
    if (item.empty()) return InvalidArgumentError("empty item in list " + Quoted(text));
    items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return items;
}

std::string HostPort::ToString() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Result<HostPort> ParseHostPort(std::string_view text) {
  HostPort hp;
  std::string_view port;
  bool has_port = false;
  VIGIL_RETURN_IF_ERROR(SplitHostPort(text, text, &hp.host, &port, &has_port));
  if (!has_port) return InvalidArgumentError("expected host:port, got " + Quoted(text));
  if (!std::all_of(hp.host.begin(), hp.host.end(), IsHostChar)) {
    return InvalidArgumentError("invalid host in " + Quoted(text));
  }
  VIGIL_ASSIGN_OR_RETURN(hp.port, ParsePort(port, text));
  return hp;
}

std::string Url::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  uint16_t default_port = https() ? 443 : 80;
  if (port != default_port) h += ":" + std::to_string(port);
  return h;
}

std::string Url::ToString() const { return scheme + "://" + HostHeader() + target; }

Result<Url> ParseUrl(std::string_view text) {
  Url url;
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return InvalidArgumentError("URL " + Quoted(text) + " contains a space or control byte");
    }
  }
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return InvalidArgumentError("URL " + Quoted(text) + " has no scheme (http:// or https://)");
  }
  url.scheme = std::string(text.substr(0, sep));
  for (char& c : url.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (url.scheme != "http" && url.scheme != "https") {
    return InvalidArgumentError("URL " + Quoted(text) + " must be http or https");
  }
  std::string_view rest = text.substr(sep + 3);
  size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view target = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgumentError("URL " + Quoted(text) +
                                " holds credentials; use basic_auth_* or bearer_token_file");
  }
  size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  std::string_view port;
  bool has_port = false;
  VIGIL_RETURN_IF_ERROR(SplitHostPort(authority, text, &url.host, &port, &has_port));
  if (url.host.empty()) return InvalidArgumentError("URL " + Quoted(text) + " has no host");
  if (!std::all_of(url.host.begin(), url.host.end(), IsHostChar)) {
    return InvalidArgumentError("invalid host in URL " + Quoted(text));
  }
  if (has_port) {
    VIGIL_ASSIGN_OR_RETURN(url.port, ParsePort(port, text));
  } else {
    url.port = url.https() ? 443 : 80;
  }
  url.target = target.empty() || target[0] != '/' ? "/" + std::string(target) : std::string(target);
  return url;
}

}  // namespace vigil::core
