#include <cstdio>
#include <string_view>

#include "core/daemon.h"
#include "server/config.h"
#include "server/rules/rule_file.h"
#include "server/server.h"

int main(int argc, char** argv) {
  using namespace vigil;
  // vigil-server --check-rules FILE...: as `promtool check rules`.
  if (argc >= 2 && std::string_view(argv[1]) == "--check-rules") {
    std::string report;
    const bool good = rules::CheckRuleFiles({argv + 2, argv + argc}, &report);
    std::fputs(report.c_str(), good ? stdout : stderr);
    return good ? 0 : 1;
  }
  core::DaemonSpec spec;
  spec.program = "vigil-server";
  spec.default_config = server::kDefaultConfigPath;
  // The configuration, and the rule files it names.
  spec.check_config = [](const std::string& path) -> core::Status {
    VIGIL_ASSIGN_OR_RETURN(server::ServerConfig config, core::LoadConfig(path, server::ReadServerConfig));
    return rules::LoadRuleFiles(rules::ExpandRuleFilePatterns(config.rules.files)).status();
  };
  spec.start = [](core::Loop& loop,
                  const std::string& path) -> core::Result<std::unique_ptr<core::Service>> {
    VIGIL_ASSIGN_OR_RETURN(server::ServerConfig config, core::LoadConfig(path, server::ReadServerConfig));
    VIGIL_ASSIGN_OR_RETURN(
        std::unique_ptr<server::Server> s,
        server::Server::Create(loop, std::move(config), core::SystemClock::Get(), path));
    return std::unique_ptr<core::Service>(std::move(s));
  };
  return core::DaemonMain(argc, argv, spec);
}
