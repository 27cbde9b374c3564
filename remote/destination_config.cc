#include "remote/destination_config.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/http_message.h"
#include "core/labels.h"

namespace vigil::remote {
namespace {

bool ReadSecret(core::ConfigSection& section, std::string_view key, std::string* out) {
  std::optional<std::string> secret = section.SecretFile(key);
  if (secret) *out = std::move(*secret);
  return !section.String(key).empty();
}

bool CheckFile(core::ConfigSection& section, std::string_view key, std::string* out) {
  *out = section.String(key);
  if (out->empty()) return false;
  if (!std::ifstream(*out)) section.Error(key, "cannot read \"" + *out + "\"");
  return true;
}

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

std::vector<DestinationConfig> ReadDestinations(core::ConfigReader& reader) {
  static constexpr std::string_view kPrefix = "remote_write.";
  std::vector<DestinationConfig> out;
  for (core::ConfigSection* section : reader.SectionsWithPrefix(kPrefix)) {
    core::ConfigSection& s = *section;
    DestinationConfig d;
    d.name = s.name().substr(kPrefix.size());
    // The name labels this destination's self-metrics and names its WAL cursor file.
    bool good_name = !d.name.empty() && std::all_of(d.name.begin(), d.name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '-';
    });
    if (!good_name)
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

    d.basic_auth_username = s.String("basic_auth_username");
    bool has_password = ReadSecret(s, "basic_auth_password_file", &d.basic_auth_password);
    if (d.basic_auth_username.empty() && has_password) {
      s.Error("basic_auth_password_file", "needs basic_auth_username");
    }
    bool has_token = ReadSecret(s, "bearer_token_file", &d.bearer_token);
    if (has_token && !d.basic_auth_username.empty()) {
      s.Error("bearer_token_file", "cannot be used with basic_auth_username");
    }
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
    CheckFile(s, "tls_ca_file", &d.tls.ca_file);
    bool cert = CheckFile(s, "tls_cert_file", &d.tls.cert_file);
    bool key = CheckFile(s, "tls_key_file", &d.tls.key_file);
    if (cert != key)
      s.Error(cert ? "tls_cert_file" : "tls_key_file",
              "tls_cert_file and tls_key_file go together");
    d.tls.server_name = s.String("tls_server_name");
    d.tls.insecure_skip_verify = s.Bool("tls_insecure_skip_verify", false);
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
