#include "core/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace vigil::core {
namespace {

std::string ReadWhole(const char* path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::optional<double> BootTime() {
  std::istringstream in(ReadWhole("/proc/stat"));
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

std::optional<double> OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double n = 0;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the descriptor this listing itself held open
}

double SoftLimit(int resource) {
  rlimit r{};
  if (getrlimit(resource, &r) != 0) return 0;
  // Go's client reads "unlimited" as the largest uint64, and dashboards expect that figure.
  return r.rlim_cur == RLIM_INFINITY ? 18446744073709551615.0 : static_cast<double>(r.rlim_cur);
}

MetricFamily Family(const char* name, const char* help, MetricType type, double value) {
  return {name, help, type, {{name, {}, value, std::nullopt}}};
}

}  // namespace

Result<ProcessStat> ParseProcessStat(std::string_view text) {
  const size_t paren = text.rfind(')');
  if (paren == std::string_view::npos) return InvalidArgumentError("stat: no command name");
  // After ") ": state (field 3), then fields 4, 5, ... separated by single spaces.
  std::vector<std::string_view> fields;
  for (size_t i = paren + 1; i < text.size();) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n')) ++i;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\n') ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  // fields[0] is field 3 (state): field N is fields[N - 3].
  auto field = [&](size_t n, uint64_t* out) {
    if (n - 3 >= fields.size()) return false;
    const std::string_view f = fields[n - 3];
    return std::from_chars(f.data(), f.data() + f.size(), *out).ec == std::errc();
  };
  ProcessStat s;
  if (!field(14, &s.utime_ticks) || !field(15, &s.stime_ticks) || !field(22, &s.start_ticks) ||
      !field(23, &s.virtual_bytes) || !field(24, &s.resident_pages)) {
    return InvalidArgumentError("stat: fewer than 24 numeric fields");
  }
  return s;
}

std::vector<MetricFamily> ProcessFamilies(const ProcessFacts& f) {
  const double ticks = static_cast<double>(f.ticks_per_second);
  std::vector<MetricFamily> out;
  out.push_back(Family("process_cpu_seconds_total",
                       "Total user and system CPU time spent in seconds.", MetricType::kCounter,
                       static_cast<double>(f.stat.utime_ticks + f.stat.stime_ticks) / ticks));
  out.push_back(Family("process_max_fds", "Maximum number of open file descriptors.",
                       MetricType::kGauge, f.max_fds));
  if (f.open_fds) {
    out.push_back(Family("process_open_fds", "Number of open file descriptors.", MetricType::kGauge,
                         *f.open_fds));
  }
  out.push_back(
      Family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::kGauge,
             static_cast<double>(f.stat.resident_pages) * static_cast<double>(f.page_size)));
  out.push_back(Family("process_start_time_seconds",
                       "Start time of the process since unix epoch in seconds.", MetricType::kGauge,
                       f.boot_time_seconds + static_cast<double>(f.stat.start_ticks) / ticks));
  out.push_back(Family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                       MetricType::kGauge, static_cast<double>(f.stat.virtual_bytes)));
  out.push_back(Family("process_virtual_memory_max_bytes",
                       "Maximum amount of virtual memory available in bytes.", MetricType::kGauge,
                       f.max_virtual_bytes));
  return out;
}

Result<std::vector<MetricFamily>> OwnProcessFamilies() {
  // The boot time does not change while the process lives: read once.
  static const double boot = BootTime().value_or(0);
  VIGIL_ASSIGN_OR_RETURN(ProcessStat stat, ParseProcessStat(ReadWhole("/proc/self/stat")));
  ProcessFacts f;
  f.stat = stat;
  f.boot_time_seconds = boot;
  f.ticks_per_second = sysconf(_SC_CLK_TCK);
  f.page_size = sysconf(_SC_PAGESIZE);
  f.open_fds = OpenFds();
  f.max_fds = SoftLimit(RLIMIT_NOFILE);
  f.max_virtual_bytes = SoftLimit(RLIMIT_AS);
  return ProcessFamilies(f);
}

void RegisterProcessMetrics(MetricsRegistry& metrics) {
  metrics.AddCollector([](std::vector<MetricFamily>* out) {
    auto families = OwnProcessFamilies();
    if (!families.ok()) return;  // not Linux's /proc: nothing to say
    for (MetricFamily& f : *families) out->push_back(std::move(f));
  });
}

}  // namespace vigil::core
