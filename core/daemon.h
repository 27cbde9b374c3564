#pragma once
// What every Vigil binary does around its own work: the command line, --version, the build
// and uptime self-metrics, and running the loop until SIGTERM or SIGINT.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/http_router.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/status.h"
#include "core/uv.h"

namespace vigil::core {

struct CommandLine {
  std::string config_path;
  bool version = false;
  bool check_config = false;
  bool help = false;
  LogLevel log_level = LogLevel::kInfo;
};

// --config FILE (or --config=FILE), --version, --check-config, --log-level LEVEL, --help.
Result<CommandLine> ParseCommandLine(int argc, const char* const* argv,
                                     std::string_view default_config);
// --help: the synopsis, `more` (what the program does, its files, signals, other commands),
// the options common to every binary and the exit status.
std::string UsageText(std::string_view program, std::string_view default_config,
                      std::string_view more = {});
// "vigil-agent, version 0.1.0 (revision 1a2b3c4d5e6f)"
std::string VersionText(std::string_view program);

// vigil_build_info{program,version,revision} 1, vigil_start_time_seconds and
// vigil_uptime_seconds.
void RegisterBuildMetrics(MetricsRegistry& metrics, std::string_view program, const Clock& clock);

// Runs the loop until SIGTERM or SIGINT. Then calls on_stop, which begins closing what it
// owns, and lets the loop go on until `done` says everything is closed or `grace` passes.
void RunUntilSignal(Loop& loop, const std::function<void()>& on_stop,
                    const std::function<bool()>& done, std::chrono::milliseconds grace);

// Creates `path` (and parents) if needed and checks that this process can write there.
Status EnsureWritableDir(const std::string& path);

// /-/healthy (always 200 while serving), /-/ready (200 or 503 as `ready` says) and /metrics:
// what `page` gives (if set), then the registry's self-metrics.
void AddAdminRoutes(HttpRouter& router, const MetricsRegistry& metrics, std::string title,
                    std::function<bool()> ready, std::function<std::string()> page = nullptr);

// A running binary's work, owned by DaemonMain.
class Service {
 public:
  virtual ~Service() = default;
  // Begins closing everything: listeners first, then in-flight work.
  virtual void Stop() = 0;
  // True once everything is closed and the loop may end.
  virtual bool Stopped() const = 0;
};

struct DaemonSpec {
  std::string program;         // "vigil-agent"
  std::string default_config;  // "/etc/vigil/agent.ini"
  // The program's own part of --help: a description, files, signals (see UsageText).
  std::string usage;
  // Loads and checks the configuration: OK, or every problem one per line.
  std::function<Status(const std::string& config_path)> check_config;
  // Loads the configuration and starts the work on the loop.
  std::function<Result<std::unique_ptr<Service>>(Loop&, const std::string& config_path)> start;
};

// The whole of main(): exit code 0 after a clean stop or a good --check-config, 1 when the
// configuration or start-up fails, 2 for a bad command line.
int DaemonMain(int argc, const char* const* argv, const DaemonSpec& spec);

}  // namespace vigil::core
