#include "core/daemon.h"
#include "server/config.h"
#include "server/server.h"

int main(int argc, char** argv) {
  using namespace vigil;
  core::DaemonSpec spec;
  spec.program = "vigil-server";
  spec.default_config = server::kDefaultConfigPath;
  spec.check_config = [](const std::string& path) {
    return core::LoadConfig(path, server::ReadServerConfig).status();
  };
  spec.start = [](core::Loop& loop,
                  const std::string& path) -> core::Result<std::unique_ptr<core::Service>> {
    VIGIL_ASSIGN_OR_RETURN(server::ServerConfig config, core::LoadConfig(path, server::ReadServerConfig));
    VIGIL_ASSIGN_OR_RETURN(
        std::unique_ptr<server::Server> s,
        server::Server::Create(loop, std::move(config), core::SystemClock::Get()));
    return std::unique_ptr<core::Service>(std::move(s));
  };
  return core::DaemonMain(argc, argv, spec);
}
