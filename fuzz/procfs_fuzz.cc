// The collectors' parsers of /proc and /sys text (and cgroup files), which read what the
// kernel of any version, or a container's bind mount, hands them. The first byte picks the
// parser; NUL separates the texts of those that read several files. What a parser accepts
// must be exposition that parses: the agent serves it and pushes it.
#include <functional>
#include <vector>

#include "collectors/collectors.h"
#include "core/exposition.h"
#include "fuzz/fuzz_input.h"

namespace {

using vigil::collectors::MetricSet;
using vigil::core::Status;

// The input's texts, split at NUL; always at least `n` (empty ones when the input has fewer).
std::vector<std::string_view> Texts(std::string_view rest, size_t n) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t nul = rest.find('\0');
    out.push_back(rest.substr(0, nul));
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }
  while (out.size() < n) out.emplace_back();
  return out;
}

void AddCgroup(bool v2, const std::vector<std::string_view>& texts, MetricSet* out) {
  static const char* const kFiles[] = {
      "cpu.stat", "cpu.max", "cpu.weight", "memory.current", "memory.max", "memory.stat",
      "memory.events", "memory.swap.current", "memory.peak", "io.stat", "cgroup.procs",
      "cpuacct.stat", "cpuacct.usage", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares",
      "memory.usage_in_bytes", "memory.limit_in_bytes", "memory.failcnt",
      "memory.max_usage_in_bytes", "memory.memsw.usage_in_bytes", "memory.oom_control",
      "blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced",
      // Later ones after, so that the corpus's inputs keep their meaning.
      "memory.swap.max", "memory.min", "pids.current", "pids.max", "memory.kmem.usage_in_bytes",
      "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes",
      "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive",
      "hugetlb.2MB.current", "hugetlb.2MB.events", "hugetlb.2MB.usage_in_bytes",
      "hugetlb.2MB.max_usage_in_bytes", "hugetlb.2MB.failcnt", "memory.numa_stat"};
  vigil::collectors::CgroupFiles files;
  for (size_t i = 0; i < texts.size() && i < std::size(kFiles); ++i)
    files[kFiles[i]] = std::string(texts[i]);
  auto namer = [](const std::string& mm) { return "/dev/" + mm; };
  if (v2)
    AddCgroupV2("0123abcd", files, namer, out, {{"name", "c"}});
  else
    AddCgroupV1("0123abcd", files, namer, out, {{"name", "c"}});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::collectors;
  vigil::fuzz::FuzzInput in(data, size);
  const uint8_t which = in.Byte();
  const std::string_view text = in.Rest();
  const std::vector<std::string_view> t = Texts(text, 2);
  MetricSet set;
  Status status;
  switch (which % 22) {
    case 0:
      status = ParseLoadavg(text, &set);
      break;
    case 1:
      status = ParseStat(text, &set);
      break;
    case 2:
      status = ParseCpu(text, &set);
      break;
    case 3:
      status = ParseMeminfo(text, &set);
      break;
    case 4:
      status = ParseFilefd(text, &set);
      break;
    case 5:
      status = ParseEntropy(t[0], t[1], &set);
      break;
    case 6:
      status = ParseVmstat(text, &set);
      break;
    case 7:
      status = ParseNetdev(text, &set);
      break;
    case 8:
      status = ParseOsRelease(text, &set);
      break;
    case 9:
      status = ParseDiskstats(text, &set);
      break;
    // The resource and the address family come from file names the collector chose.
    case 10:
      status = ParsePressure((which & 0x80) != 0 ? "memory" : "cpu", text, &set);
      break;
    case 11:
      status = ParseSoftnet(text, &set);
      break;
    case 12:
      status = ParseSockstat(text, (which & 0x80) != 0, 4096, &set);
      break;
    case 13:
      status = ParseNetstat(text, &set);
      break;
    case 14:
      status = ParseUdpQueues(text, (which & 0x80) != 0 ? "v6" : "v4", &set);
      break;
    case 15:
      status = ParseArp(text, &set);
      break;
    case 16:
      status = ParseConntrackCounts(t[0], t[1], &set);
      break;
    case 17:
      status = ParseConntrackStat(text, &set);
      break;
    case 18:
      (void)ParseMounts(text);
      return 0;
    case 19:
      AddCgroup(true, t, &set);
      break;
    case 20:
      AddCgroup(false, t, &set);
      break;
    case 21:  // a container's /proc files: what they yield must be a number or a known state
      (void)ParseCgroupProcs(text);
      if (auto state = ParseTaskState(text); state.ok())
        FUZZ_CHECK(state->empty() || *state == "running" || *state == "sleeping" ||
                   *state == "stopped" || *state == "uninterruptible");
      (void)ParseMaxOpenFiles(text);
      (void)ParseTcpStates(text);
      (void)ParseUdpUsage(text);
      (void)ParseTcpCounters(t[0], t[1]);
      (void)HugePageSizeName(text);
      return 0;
    default:
      return 0;
  }
  if (!status.ok()) return 0;
  std::string page;
  for (const vigil::core::MetricFamily& f : set.families()) vigil::core::AppendFamily(&page, f);
  auto parsed = vigil::core::ParseExposition(page);
  if (!parsed.ok()) std::fprintf(stderr, "%s\n", parsed.status().ToString().c_str());
  FUZZ_CHECK(parsed.ok());
  return 0;
}
