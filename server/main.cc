#include <cstdio>
#include <string_view>

#include "core/daemon.h"
#include "core/log.h"
#include "server/config.h"
#include "server/rule_unit_tests.h"
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
  // vigil-server test-rules FILE...: as `promtool test rules` (--test-rules beside
  // --check-rules).
  if (argc >= 2 &&
      (std::string_view(argv[1]) == "test-rules" || std::string_view(argv[1]) == "--test-rules")) {
    if (argc == 2) {
      std::fputs("vigil-server: error: test-rules needs at least one test file\n", stderr);
      return 1;
    }
    // promtool runs the rules with a logger that drops everything: the storage and rule logs
    // of a test's throwaway storage would bury the report.
    core::SetLogSink([](std::string_view) {});
    // Flushed at each write: the verdicts (stdout) and failures (stderr) interleave on a
    // terminal as promtool's do.
    auto to = [](std::FILE* f) {
      return [f](std::string_view text) {
        std::fwrite(text.data(), 1, text.size(), f);
        std::fflush(f);
      };
    };
    return server::TestRuleFiles({argv + 2, argv + argc}, {to(stdout), to(stderr)});
  }
  core::DaemonSpec spec;
  spec.program = "vigil-server";
  spec.default_config = server::kDefaultConfigPath;
  spec.usage =
      "       vigil-server --check-rules FILE...\n"
      "       vigil-server test-rules FILE...\n"
      "\nReceives Prometheus remote-write on /api/v1/write, stores the series in [server]\n"
      "data_dir, answers PromQL through the Prometheus HTTP API, serves the console, evaluates\n"
      "the rule files of [rules] files and notifies [alertmanager].\n"
      "\nCommands:\n"
      "  --check-rules FILE...  check rule files as `promtool check rules` does, and exit\n"
      "  test-rules FILE...     run rule unit tests as `promtool test rules` does, and exit\n"
      "\nFiles:\n"
      "  /etc/vigil/server.ini      the configuration (--config)\n"
      "  /etc/vigil/rules/*.yml     the rule files, as [rules] files names them\n"
      "  /var/lib/vigil-server      storage and WAL ([server] data_dir)\n"
      "  /etc/default/vigil-server  ARGS: extra arguments for the systemd unit\n"
      "\nSignals:\n"
      "  SIGTERM, SIGINT  stop: no new requests, writes in flight finish, the WAL is closed\n"
      "                   (a second signal stops at once; acknowledged writes survive it)\n"
      "  SIGHUP           reload, as POST /-/reload: re-read the configuration and apply its\n"
      "                   [rules], [auth], [remote_write.NAME] and external_url; a bad\n"
      "                   configuration or rule file, or a change to any other setting, is\n"
      "                   refused and the running one stays\n";
  // The configuration, and the rule files it names.
  spec.check_config = [](const std::string& path) -> core::Status {
    VIGIL_ASSIGN_OR_RETURN(server::ServerConfig config,
                           core::LoadConfig(path, server::ReadServerConfig));
    return rules::LoadRuleFiles(rules::ExpandRuleFilePatterns(config.rules.files)).status();
  };
  spec.start = [](core::Loop& loop,
                  const std::string& path) -> core::Result<std::unique_ptr<core::Service>> {
    VIGIL_ASSIGN_OR_RETURN(server::ServerConfig config,
                           core::LoadConfig(path, server::ReadServerConfig));
    VIGIL_ASSIGN_OR_RETURN(
        std::unique_ptr<server::Server> s,
        server::Server::Create(loop, std::move(config), core::SystemClock::Get(), path));
    return std::unique_ptr<core::Service>(std::move(s));
  };
  return core::DaemonMain(argc, argv, spec);
}
