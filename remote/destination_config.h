#pragma once
// A remote-write destination, one per [remote_write.NAME] section; the agent's and the
// server's forwarding read the same keys. Defaults are Prometheus 2.42's where it has them.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config_values.h"
#include "core/ini.h"
#include "core/tls.h"
#include "remote/relabel.h"

namespace vigil::remote {

struct DestinationConfig {
  std::string name;  // NAME of [remote_write.NAME]
  core::Url url;
  std::chrono::milliseconds timeout{30'000};
  std::chrono::milliseconds min_backoff{30};
  std::chrono::milliseconds max_backoff{5'000};
  size_t max_samples_per_send = 2000;
  std::chrono::milliseconds batch_send_deadline{5'000};
  size_t shards = 4;
  std::string basic_auth_username;
  std::string basic_auth_password;  // read from basic_auth_password_file at start
  std::string bearer_token;         // read from bearer_token_file at start
  std::vector<std::pair<std::string, std::string>> headers;
  core::TlsClientOptions tls;
  WriteRelabel relabel;
};

// NAME labels a destination's self-metrics and names its WAL cursor file: letters, digits,
// '_' and '-'.
bool IsValidDestinationName(std::string_view name);

// A section's settings as written, in file order.
using SectionEntries = std::vector<std::pair<std::string, std::string>>;

// Did a reload change the destination? `before` and `after` are its [remote_write.NAME]
// settings as written; a secret file that now holds another password or token is a change
// too, though the file's name is the same.
bool DestinationChanged(const DestinationConfig& running, const DestinationConfig& next,
                        const SectionEntries& before, const SectionEntries& after);

// Reads every [remote_write.NAME] section; problems go to the reader's error list, with
// unreadable secret files named.
std::vector<DestinationConfig> ReadDestinations(core::ConfigReader& reader);

}  // namespace vigil::remote
