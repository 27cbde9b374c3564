#pragma once
// A remote-write destination, one per [remote_write.NAME] section; the agent's and the
// server's forwarding read the same keys.
#include <string>
#include <vector>

#include "core/config_values.h"
#include "core/ini.h"

namespace vigil::remote {

struct DestinationConfig {
  std::string name;  // NAME of [remote_write.NAME]
  core::Url url;
};

// Reads every [remote_write.NAME] section; problems go to the reader's error list.
std::vector<DestinationConfig> ReadDestinations(core::ConfigReader& reader);

}  // namespace vigil::remote
