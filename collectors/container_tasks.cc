// What a cgroup's processes hold, read under procfs as cAdvisor reads it: open descriptors and
// the sockets among them (/proc/<pid>/fd), the states of their threads
// (/proc/<pid>/task/<tid>/stat), and the soft limit on open files of the first process, which
// for a runtime's container is its root process (/proc/<pid>/limits). Processes may exit
// while they are read: what cannot be read is left out, never an error.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>

#include "collectors/collectors.h"
#include "collectors/container_series.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
namespace {

bool IsNumber(std::string_view s) {
  return !s.empty() && s.size() < 12 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The numeric entries of a /proc directory (fds, tids), or none when it cannot be read.
std::vector<std::string> NumericEntries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (IsNumber(e->d_name)) out.emplace_back(e->d_name);
    }
    ::closedir(d);
  }
  return out;
}

// The kernel's own count of a cgroup's tasks (cgroupstats, what cAdvisor asks netlink for)
// puts a thread in one of these by its state; /proc shows that state as a letter.
std::string_view StateName(char letter) {
  switch (letter) {
    case 'R':
      return "running";
    case 'S':
      return "sleeping";
    case 'D':
      return "uninterruptible";
    case 'T':
      return "stopped";
    default:
      return "";
  }
}

}  // namespace

std::vector<std::string> ParseCgroupProcs(std::string_view text) {
  std::vector<std::string> pids;
  for (std::string_view line : Lines(text)) {
    std::string_view pid = TrimSpace(line);
    if (IsNumber(pid)) pids.emplace_back(pid);  // anything else could name a path: left out
  }
  return pids;
}

core::Result<double> ParseMaxOpenFiles(std::string_view limits) {
  constexpr std::string_view kName = "Max open files";
  for (std::string_view line : Lines(limits)) {
    if (line.substr(0, kName.size()) != kName) continue;
    std::vector<std::string_view> f = Fields(line.substr(kName.size()));
    if (f.empty()) break;
    if (f[0] == "unlimited") return -1.0;  // cAdvisor's spelling of no limit
    return Number(f[0], "soft limit of open files");
  }
  return core::InvalidArgumentError("no \"Max open files\" line in limits");
}

core::Result<std::string_view> ParseTaskState(std::string_view stat) {
  // The command between the parentheses may hold anything, parentheses too: the state
  // follows the last one.
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return core::InvalidArgumentError("no command in stat");
  std::vector<std::string_view> rest = Fields(stat.substr(close + 1));
  if (rest.empty() || rest[0].size() != 1) return core::InvalidArgumentError("no state in stat");
  return StateName(rest[0][0]);
}

ContainerTasks ReadContainerTasks(const std::string& procfs, const std::vector<std::string>& pids,
                                  bool root_limits) {
  ContainerTasks t;
  for (const char* state : {"running", "sleeping", "stopped", "uninterruptible"})
    t.states[state] = 0;
  for (const std::string& pid : pids) {
    const std::string fd_dir = procfs + "/" + pid + "/fd";
    for (const std::string& fd : NumericEntries(fd_dir)) {
      t.file_descriptors += 1;
      char target[64];
      ssize_t n = ::readlink((fd_dir + "/" + fd).c_str(), target, sizeof target);
      if (n > 0 && std::string_view(target, static_cast<size_t>(n)).starts_with("socket:"))
        t.sockets += 1;
    }
    const std::string task_dir = pid + "/task";
    for (const std::string& tid : NumericEntries(procfs + "/" + task_dir)) {
      auto stat = ReadFile(procfs, task_dir + "/" + tid + "/stat", 4096);
      if (!stat.ok()) continue;
      auto state = ParseTaskState(*stat);
      if (state.ok() && !state->empty()) t.states[std::string(*state)] += 1;
    }
  }
  if (root_limits && !pids.empty()) {
    if (auto limits = ReadFile(procfs, pids[0] + "/limits"); limits.ok()) {
      if (auto v = ParseMaxOpenFiles(*limits); v.ok()) t.max_open_files = *v;
    }
  }
  return t;
}

void AddContainerTasks(const ContainerTasks& t, const std::string& id,
                       std::vector<core::Label> identity, MetricSet* out) {
  ContainerSeries s{out, id, std::move(identity)};
  s.Gauge("container_file_descriptors", "Number of open file descriptors for the container.",
          t.file_descriptors);
  s.Gauge("container_sockets", "Number of open sockets for the container.", t.sockets);
  for (const auto& [state, n] : t.states)
    s.Gauge("container_tasks_state", "Number of tasks in given state", n, {{"state", state}});
  if (t.max_open_files) {
    s.Gauge("container_ulimits_soft",
            "Soft ulimit values for the container root process. Unlimited if -1, except priority "
            "and nice",
            *t.max_open_files, {{"ulimit", "max_open_files"}});
  }
}

}  // namespace vigil::collectors
