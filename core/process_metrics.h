#pragma once
// The process_* families every Prometheus client library exposes about its own process (CPU,
// memory, file descriptors, start time), so the exporter rows of the common dashboards and
// alerts on an agent's own footprint work on Vigil's binaries unchanged.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/exposition.h"
#include "core/metrics.h"
#include "core/status.h"

namespace vigil::core {

// What /proc/PID/stat says of a process, in its own units.
struct ProcessStat {
  uint64_t utime_ticks = 0, stime_ticks = 0;  // CPU time, in clock ticks
  uint64_t start_ticks = 0;                   // after boot, in clock ticks
  uint64_t virtual_bytes = 0;
  uint64_t resident_pages = 0;
};
// The fields after the command name, which is found by its last ')' since it may hold spaces
// and parentheses itself.
Result<ProcessStat> ParseProcessStat(std::string_view text);

// The families, from a stat, the boot time (/proc/stat's btime), the open descriptor count and
// the limits: pure, for tests.
struct ProcessFacts {
  ProcessStat stat;
  double boot_time_seconds = 0;
  long ticks_per_second = 100;
  long page_size = 4096;
  std::optional<double> open_fds;  // none when /proc/self/fd cannot be listed
  double max_fds = 0;              // RLIMIT_NOFILE, soft
  double max_virtual_bytes = 0;    // RLIMIT_AS, soft (2^64 - 1 when unlimited)
};
std::vector<MetricFamily> ProcessFamilies(const ProcessFacts& facts);

// This process's, read from /proc/self now.
Result<std::vector<MetricFamily>> OwnProcessFamilies();
// Adds them to `metrics`, read at every scrape (the server's /metrics; the agent serves and
// pushes them as a collector of its node page instead, collectors/process.cc).
void RegisterProcessMetrics(MetricsRegistry& metrics);

}  // namespace vigil::core
