#include "core/daemon.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "core/build_info.h"

namespace vigil::core {

Result<CommandLine> ParseCommandLine(int argc, const char* const* argv,
                                     std::string_view default_config) {
  CommandLine cl;
  cl.config_path = std::string(default_config);
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_value = false;
    if (size_t eq = arg.find('='); arg.substr(0, 2) == "--" && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto take_value = [&]() -> Result<std::string> {
      if (has_value) return std::string(value);
      if (i + 1 >= argc) return InvalidArgumentError(std::string(arg) + " needs a value");
      return std::string(argv[++i]);
    };
    if (arg == "--config" || arg == "-c") {
      VIGIL_ASSIGN_OR_RETURN(cl.config_path, take_value());
    } else if (arg == "--log-level") {
      VIGIL_ASSIGN_OR_RETURN(std::string level, take_value());
      if (!ParseLogLevel(level, &cl.log_level)) {
        return InvalidArgumentError("--log-level must be debug, info, warn or error");
      }
    } else if (arg == "--version" && !has_value) {
      cl.version = true;
    } else if (arg == "--check-config" && !has_value) {
      cl.check_config = true;
    } else if ((arg == "--help" || arg == "-h") && !has_value) {
      cl.help = true;
    } else {
      return InvalidArgumentError("unknown argument \"" + std::string(argv[i]) + "\"");
    }
  }
  return cl;
}

std::string UsageText(std::string_view program, std::string_view default_config,
                      std::string_view more) {
  std::string p(program);
  std::string text = "usage: " + p + " [--config FILE] [--check-config] [--log-level LEVEL]\n" +
                     std::string(p.size() + 8, ' ') + "[--version] [--help]\n";
  if (!more.empty()) text += more;
  text +=
      "\nOptions:\n"
      "  -c, --config FILE    configuration file (default " +
      std::string(default_config) +
      "); the INI keys are\n"
      "                       documented in the example shipped beside it\n"
      "      --check-config   check the configuration, print every problem with its line, and\n"
      "                       exit: 0 if it is valid, 1 if not\n"
      "      --log-level LEVEL\n"
      "                       debug, info, warn or error (default info); logfmt lines on stderr\n"
      "      --version        print the version and revision, and exit\n"
      "  -h, --help           print this text, and exit\n"
      "\nExit status: 0 after a clean stop; 1 when the configuration is bad or the start fails;\n"
      "2 for a bad command line.\n";
  return text;
}

std::string VersionText(std::string_view program) {
  return std::string(program) + ", version " + kVersion + " (revision " + kRevision + ")";
}

void RegisterBuildMetrics(MetricsRegistry& metrics, std::string_view program, const Clock& clock) {
  metrics
      .Gauge("vigil_build_info",
             "A metric with a constant '1' value labelled by program, version and revision.",
             {"program", "version", "revision"})
      .With({std::string(program), kVersion, kRevision})
      ->Set(1);
  const int64_t start_ms = clock.NowUnixMillis();
  const int64_t start_mono = clock.NowMonotonicNanos();
  metrics
      .Gauge("vigil_start_time_seconds",
             "Start time of the process since the Unix epoch in seconds.")
      .Get()
      ->Set(static_cast<double>(start_ms) / 1000);
  metrics.AddCollector([&clock, start_mono](std::vector<MetricFamily>* out) {
    double uptime = static_cast<double>(clock.NowMonotonicNanos() - start_mono) / 1e9;
    out->push_back({"vigil_uptime_seconds",
                    "Seconds since the process started.",
                    MetricType::kGauge,
                    {{"vigil_uptime_seconds", {}, uptime, std::nullopt}}});
  });
}

void RunUntilSignal(Loop& loop, const std::function<void()>& on_stop,
                    const std::function<bool()>& done, std::chrono::milliseconds grace) {
  bool stopping = false;
  std::chrono::steady_clock::time_point deadline;
  Timer drain(loop, [&] {
    if (done() || std::chrono::steady_clock::now() >= deadline) loop.Stop();
  });
  auto on_signal = [&](int signum) {
    if (stopping) {
      LogWarn("second signal: stopping now", {{"signal", signum}});
      loop.Stop();
      return;
    }
    stopping = true;
    LogInfo("stopping", {{"signal", signum == SIGTERM ? "SIGTERM" : "SIGINT"}});
    deadline = std::chrono::steady_clock::now() + grace;
    on_stop();
    drain.Start(std::chrono::milliseconds(0), std::chrono::milliseconds(20));
  };
  SignalWatch term(loop, SIGTERM, on_signal);
  SignalWatch interrupt(loop, SIGINT, on_signal);
  loop.Run();
}

Status EnsureWritableDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return ErrnoError(ec.value(), "cannot create directory " + path);
  if (!std::filesystem::is_directory(path)) {
    return FailedPreconditionError(path + " exists and is not a directory");
  }
  if (::access(path.c_str(), W_OK) != 0) return ErrnoError(errno, "cannot write to " + path);
  return OkStatus();
}

void AddAdminRoutes(HttpRouter& router, const MetricsRegistry& metrics, std::string title,
                    std::function<bool()> ready, std::function<std::string()> page) {
  router.Handle("/-/healthy", {"GET"}, [title](const HttpRequest&, HttpResponder w) {
    w.Send(HttpResponse::Text(200, title + " is Healthy.\n"));
  });
  router.Handle("/-/ready", {"GET"}, [title, ready](const HttpRequest&, HttpResponder w) {
    if (ready()) {
      w.Send(HttpResponse::Text(200, title + " is Ready.\n"));
    } else {
      w.Send(HttpResponse::Text(503, title + " is not ready.\n"));
    }
  });
  router.Handle("/metrics", {"GET"}, [&metrics, page](const HttpRequest&, HttpResponder w) {
    HttpResponse r;
    r.headers.Add("Content-Type", std::string(kExpositionContentType));
    r.body = page ? page() : "";
    r.body += metrics.Render();
    w.Send(std::move(r));
  });
}

int DaemonMain(int argc, const char* const* argv, const DaemonSpec& spec) {
  auto cl = ParseCommandLine(argc, argv, spec.default_config);
  if (!cl.ok()) {
    // The mistake and where to look, not the whole manual above it.
    std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n", spec.program.c_str(),
                 cl.status().message().c_str(), spec.program.c_str());
    return 2;
  }
  if (cl->help) {
    std::fputs(UsageText(spec.program, spec.default_config, spec.usage).c_str(), stdout);
    return 0;
  }
  if (cl->version) {
    std::printf("%s\n", VersionText(spec.program).c_str());
    return 0;
  }
  SetLogLevel(cl->log_level);
  if (cl->check_config) {
    Status s = spec.check_config(cl->config_path);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      return 1;
    }
    std::printf("%s: configuration %s is valid\n", spec.program.c_str(), cl->config_path.c_str());
    return 0;
  }

  LogInfo("starting", {{"program", spec.program},
                       {"version", VersionText(spec.program)},
                       {"config", cl->config_path}});
  int exit_code = 0;
  {
    Loop loop;
    auto service = spec.start(loop, cl->config_path);
    if (!service.ok()) {
      // Configuration problems come one per line; each gets a log line of its own.
      std::string_view rest = service.status().message();
      while (!rest.empty()) {
        size_t nl = rest.find('\n');
        LogError("cannot start", {{"err", rest.substr(0, nl)}});
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      }
      exit_code = 1;
    } else {
      RunUntilSignal(
          loop, [&service] { (*service)->Stop(); }, [&service] { return (*service)->Stopped(); },
          std::chrono::seconds(10));
      service->reset();
    }
  }
  if (exit_code == 0) LogInfo("stopped", {{"program", spec.program}});
  return exit_code;
}

}  // namespace vigil::core
