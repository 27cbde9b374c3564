#include "remote/destination_config.h"

#include <algorithm>

#include "core/client_auth.h"
#include "core/http_message.h"
#include "core/labels.h"

namespace vigil::remote {
namespace {

// These are ours to set; a header of the same name would break the protocol or the auth.
bool Reserved(std::string_view name) {
  for (std::string_view r :
       {"Host", "Content-Length", "Content-Type", "Content-Encoding", "User-Agent", "Authorization",
        "X-Prometheus-Remote-Write-Version", "Connection", "Transfer-Encoding"}) {
    if (core::EqualsIgnoreCase(name, r)) return true;
  }
  return false;
}

}  // namespace

bool IsValidDestinationName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

bool DestinationChanged(const DestinationConfig& running, const DestinationConfig& next,
                        const SectionEntries& before, const SectionEntries& after) {
  return before != after || running.basic_auth_password != next.basic_auth_password ||
         running.bearer_token != next.bearer_token;
}

std::vector<DestinationConfig> ReadDestinations(core::ConfigReader& reader) {
  static constexpr std::string_view kPrefix = "remote_write.";
  std::vector<DestinationConfig> out;
  for (core::ConfigSection* section : reader.SectionsWithPrefix(kPrefix)) {
    core::ConfigSection& s = *section;
    DestinationConfig d;
    d.name = s.name().substr(kPrefix.size());
    if (!IsValidDestinationName(d.name))
      s.SectionError("destination name \"" + d.name +
                     "\" may hold only letters, digits, '_' and '-'");
    if (s.Require("url")) {
      if (auto url = s.UrlValue("url")) d.url = *url;
    }
    d.timeout = s.Duration("timeout", d.timeout);
    d.min_backoff = s.Duration("min_backoff", d.min_backoff);
    d.max_backoff = s.Duration("max_backoff", d.max_backoff);
    if (d.min_backoff.count() <= 0) s.Error("min_backoff", "must be more than 0");
    if (d.max_backoff < d.min_backoff) s.Error("max_backoff", "must not be less than min_backoff");
    if (d.timeout.count() <= 0) s.Error("timeout", "must be more than 0");
    d.max_samples_per_send = static_cast<size_t>(s.Int("max_samples_per_send", 2000, 1, 1'000'000));
    d.batch_send_deadline = s.Duration("batch_send_deadline", d.batch_send_deadline);
    d.shards = static_cast<size_t>(s.Int("shards", 4, 1, 256));

    core::ClientAuth auth = core::ReadClientAuth(s);
    d.basic_auth_username = std::move(auth.basic_auth_username);
    d.basic_auth_password = std::move(auth.basic_auth_password);
    d.bearer_token = std::move(auth.bearer_token);
    for (const std::string& item : s.List("headers")) {
      size_t colon = item.find(':');
      std::string name(core::TrimSpace(std::string_view(item).substr(0, colon)));
      std::string value(colon == std::string::npos
                            ? ""
                            : core::TrimSpace(std::string_view(item).substr(colon + 1)));
      if (colon == std::string::npos || name.empty() || value.empty()) {
        s.Error("headers", "expected \"Name: value\" items, got \"" + item + "\"");
      } else if (Reserved(name)) {
        s.Error("headers", "header \"" + name + "\" is set by Vigil itself");
      } else {
        d.headers.emplace_back(std::move(name), std::move(value));
      }
    }
    d.tls = core::ReadTlsClientOptions(s);
    auto rule = [&s](std::string_view name, core::Status (WriteRelabel::*set)(std::string_view),
                     WriteRelabel& r) {
      std::string text = s.String(name);
      if (text.empty()) return;
      core::Status st = (r.*set)(text);
      if (!st.ok()) s.Error(name, st.message());
    };
    rule("keep", &WriteRelabel::SetKeep, d.relabel);
    rule("drop", &WriteRelabel::SetDrop, d.relabel);
    rule("labeldrop", &WriteRelabel::SetLabelDrop, d.relabel);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace vigil::remote
