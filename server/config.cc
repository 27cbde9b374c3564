#include "server/config.h"

namespace vigil::server {

ServerConfig ReadServerConfig(const core::IniDocument& doc,
                              std::vector<core::ConfigError>* errors) {
  core::ConfigReader reader(doc);
  ServerConfig c;

  core::ConfigSection& server = reader.Section("server");
  if (auto listen = server.HostPortValue("listen")) c.listen = *listen;
  c.data_dir = server.String("data_dir", c.data_dir);
  if (c.data_dir.empty()) server.Error("data_dir", "must not be empty");

  core::ConfigSection& rules = reader.Section("rules");
  c.rule_files = rules.List("files");
  c.evaluation_interval = rules.Duration("evaluation_interval", c.evaluation_interval);
  if (c.evaluation_interval < std::chrono::seconds(1)) {
    rules.Error("evaluation_interval", "must be at least 1s");
  }

  core::ConfigSection& alertmanager = reader.Section("alertmanager");
  c.alertmanager_url = alertmanager.UrlValue("url");

  c.forward_to = remote::ReadDestinations(reader);
  std::vector<core::ConfigError> found = reader.Finish();
  errors->insert(errors->end(), found.begin(), found.end());
  return c;
}

core::Result<ServerConfig> LoadServerConfig(const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(core::IniDocument doc, core::IniDocument::Load(path));
  std::vector<core::ConfigError> errors;
  ServerConfig config = ReadServerConfig(doc, &errors);
  if (!errors.empty()) return core::InvalidArgumentError(core::JoinConfigErrors(errors));
  return config;
}

}  // namespace vigil::server
