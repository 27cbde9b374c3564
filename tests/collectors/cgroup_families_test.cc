// cAdvisor's families of one cgroup from literal files: the values and conversions cAdvisor
// applies, and damage that loses only the damaged file's families.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "collectors/collectors.h"

namespace vigil::collectors {
namespace {

// Each sample as `name{labels sorted} value`.
std::vector<std::string> Lines(MetricSet& set) {
  std::vector<std::string> out;
  for (const auto& f : set.families()) {
    for (auto s : f.samples) {
      std::sort(s.labels.begin(), s.labels.end(),
                [](const auto& a, const auto& b) { return a.name < b.name; });
      std::string line = s.name + "{";
      for (size_t i = 0; i < s.labels.size(); ++i)
        line += (i ? "," : "") + s.labels[i].name + "=\"" + s.labels[i].value + "\"";
      std::ostringstream v;
      v << std::setprecision(15) << s.value;
      out.push_back(line + "} " + v.str());
    }
  }
  return out;
}

bool Has(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}
bool HasFamily(const std::vector<std::string>& lines, const std::string& family) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.starts_with(family + "{"); });
}

const DeviceNamer kSdb = [](const std::string& mm) { return mm == "8:16" ? "/dev/sdb" : mm; };

CgroupFiles V2Container() {
  return {
      {"cpu.stat",
       "usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\nnr_periods 40\n"
       "nr_throttled 4\nthrottled_usec 2500000\n"},
      {"cpu.max", "25000 50000\n"},
      {"cpu.weight", "10000\n"},
      {"memory.current", "8192000\n"},
      {"memory.stat",
       "anon 4096000\nfile 2048000\nkernel 409600\nfile_mapped 4096\ninactive_file 1024000\n"
       "pgfault 1000\npgmajfault 7\n"},
      {"memory.events", "low 0\nhigh 5\nmax 9\noom 2\noom_kill 1\n"},
      {"memory.swap.current", "65536\n"},
      {"memory.max", "max\n"},
      {"memory.swap.max", "1073741824\n"},
      {"memory.min", "524288\n"},
      {"pids.current", "12\n"},
      {"pids.max", "max\n"},
      {"io.stat", "8:16 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n"},
      {"cgroup.procs", "7\n8\n"},
  };
}

TEST(CgroupFamiliesTest, V2AsCadvisorReportsIt) {
  MetricSet set;
  AddCgroupV2("/c", V2Container(), kSdb, &set, {{"name", "web"}});
  std::vector<std::string> l = Lines(set);
  const std::string c = "id=\"/c\",name=\"web\"";
  EXPECT_TRUE(Has(l, "container_cpu_usage_seconds_total{cpu=\"total\"," + c + "} 3"));
  EXPECT_TRUE(Has(l, "container_cpu_cfs_throttled_seconds_total{" + c + "} 2.5"));  // us
  EXPECT_TRUE(Has(l, "container_spec_cpu_quota{" + c + "} 25000"));
  EXPECT_TRUE(Has(l, "container_spec_cpu_period{" + c + "} 50000"));
  EXPECT_TRUE(Has(l, "container_spec_cpu_shares{" + c + "} 262144"));  // weight 10000
  EXPECT_TRUE(Has(l, "container_memory_working_set_bytes{" + c + "} 7168000"));
  EXPECT_TRUE(Has(l, "container_memory_kernel_usage{" + c + "} 409600"));
  EXPECT_TRUE(Has(l, "container_memory_swap{" + c + "} 65536"));
  EXPECT_TRUE(Has(l, "container_memory_failcnt{" + c + "} 9"));
  EXPECT_TRUE(Has(l, "container_oom_events_total{" + c + "} 1"));
  EXPECT_TRUE(Has(l, "container_memory_failures_total{failure_type=\"pgfault\"," + c +
                         ",scope=\"container\"} 1000"));
  EXPECT_TRUE(Has(l, "container_memory_failures_total{failure_type=\"pgmajfault\"," + c +
                         ",scope=\"hierarchy\"} 7"));
  EXPECT_TRUE(Has(l, "container_spec_memory_limit_bytes{" + c + "} 0"));  // max: none
  EXPECT_TRUE(Has(l, "container_spec_memory_swap_limit_bytes{" + c + "} 1073741824"));
  EXPECT_TRUE(Has(l, "container_spec_memory_reservation_limit_bytes{" + c + "} 524288"));
  EXPECT_TRUE(Has(l, "container_memory_max_usage_bytes{" + c + "} 0"));  // no memory.peak
  EXPECT_TRUE(Has(l, "container_threads{" + c + "} 12"));
  EXPECT_TRUE(Has(l, "container_threads_max{" + c + "} 0"));  // max: infinity
  EXPECT_TRUE(Has(l, "container_processes{" + c + "} 2"));
  EXPECT_TRUE(Has(l, "container_fs_reads_bytes_total{device=\"/dev/sdb\"," + c + "} 10"));
  EXPECT_TRUE(Has(l, "container_fs_writes_total{device=\"/dev/sdb\"," + c + "} 2"));
  EXPECT_TRUE(Has(l,
                  "container_blkio_device_usage_total{device=\"/dev/sdb\",id=\"/c\","
                  "major=\"8\",minor=\"16\",name=\"web\",operation=\"Write\"} 20"));
}

TEST(CgroupFamiliesTest, V2WithoutAQuotaHasNoThrottlingAndWeightsMapOntoShares) {
  CgroupFiles f = V2Container();
  f["cpu.max"] = "max 100000\n";
  for (const auto& [weight, shares] : std::vector<std::pair<std::string, std::string>>{
           {"1", "2"}, {"100", "2597"}, {"39", "998"}}) {
    f["cpu.weight"] = weight + "\n";
    MetricSet set;
    AddCgroupV2("/c", f, kSdb, &set);
    std::vector<std::string> l = Lines(set);
    EXPECT_TRUE(Has(l, "container_spec_cpu_shares{id=\"/c\"} " + shares)) << weight;
    EXPECT_TRUE(Has(l, "container_spec_cpu_period{id=\"/c\"} 100000"));
    EXPECT_FALSE(HasFamily(l, "container_spec_cpu_quota"));
    EXPECT_FALSE(HasFamily(l, "container_cpu_cfs_periods_total"));
  }
  f["cpu.weight"] = "0\n";  // out of the kernel's range: damage, not a share of 2
  MetricSet set;
  AddCgroupV2("/c", f, kSdb, &set);
  EXPECT_FALSE(HasFamily(Lines(set), "container_spec_cpu_shares"));
}

TEST(CgroupFamiliesTest, DamagedFilesLoseOnlyTheirOwnFamilies) {
  CgroupFiles f = V2Container();
  f["memory.stat"] = "\xff\xfe not a stat file\n";
  f["pids.max"] = "many\n";
  f["memory.swap.max"] = "lots\n";
  f["io.stat"] = "8:16 rbytes=10 wbytes=oops rios=1 wios=2\n8:32 rbytes=5 wbytes=6 rios=7 wios=8\n";
  MetricSet set;
  AddCgroupV2("/c", f, kSdb, &set);
  std::vector<std::string> l = Lines(set);
  // memory.stat's families are gone...
  for (const char* lost : {"container_memory_rss", "container_memory_cache",
                           "container_memory_mapped_file", "container_memory_working_set_bytes",
                           "container_memory_failures_total", "container_memory_kernel_usage",
                           "container_threads_max", "container_spec_memory_swap_limit_bytes"}) {
    EXPECT_FALSE(HasFamily(l, lost)) << lost;
  }
  // ... the other files' stay.
  EXPECT_TRUE(Has(l, "container_memory_usage_bytes{id=\"/c\"} 8192000"));
  EXPECT_TRUE(Has(l, "container_memory_failcnt{id=\"/c\"} 9"));
  EXPECT_TRUE(Has(l, "container_spec_memory_limit_bytes{id=\"/c\"} 0"));
  EXPECT_TRUE(Has(l, "container_threads{id=\"/c\"} 12"));
  EXPECT_TRUE(Has(l, "container_cpu_usage_seconds_total{cpu=\"total\",id=\"/c\"} 3"));
  // The device whose line is damaged is left out, the other is there.
  EXPECT_FALSE(Has(l, "container_fs_reads_bytes_total{device=\"/dev/sdb\",id=\"/c\"} 10"));
  EXPECT_TRUE(Has(l, "container_fs_reads_bytes_total{device=\"8:32\",id=\"/c\"} 5"));

  MetricSet v1;
  AddCgroupV1("/d",
              {{"memory.usage_in_bytes", "4096\n"},
               {"memory.stat", "total_rss 1024\ntotal_cache x\ntotal_inactive_file 1024\n"},
               {"memory.failcnt", "\x01\n"},
               {"pids.current", "3\n"},
               {"pids.max", "40\n"}},
              kSdb, &v1);
  l = Lines(v1);
  EXPECT_TRUE(Has(l, "container_memory_rss{id=\"/d\"} 1024"));
  EXPECT_TRUE(Has(l, "container_memory_working_set_bytes{id=\"/d\"} 3072"));
  EXPECT_FALSE(HasFamily(l, "container_memory_cache"));    // its value is damaged
  EXPECT_FALSE(HasFamily(l, "container_memory_failcnt"));  // its file is damaged
  EXPECT_TRUE(Has(l, "container_threads_max{id=\"/d\"} 40"));
}

TEST(CgroupFamiliesTest, ProcFilesOfTasks) {
  EXPECT_EQ(ParseCgroupProcs("12\n../../etc\n\n 34 \nx\n"), (std::vector<std::string>{"12", "34"}));
  EXPECT_EQ(*ParseTaskState("42 (a) b) S 1 42 42 0"), "sleeping");
  EXPECT_EQ(*ParseTaskState("42 (worker) R 1"), "running");
  EXPECT_EQ(*ParseTaskState("42 (x) D 1"), "uninterruptible");
  EXPECT_EQ(*ParseTaskState("42 (x) T 1"), "stopped");
  EXPECT_EQ(*ParseTaskState("42 (x) Z 1"), "");  // the kernel's count leaves zombies out
  EXPECT_FALSE(ParseTaskState("42 x S").ok());
  EXPECT_FALSE(ParseTaskState("42 (x)").ok());
  const std::string limits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max open files            1024                 524288               files     \n";
  EXPECT_EQ(*ParseMaxOpenFiles(limits), 1024);
  EXPECT_EQ(*ParseMaxOpenFiles("Max open files unlimited unlimited files\n"), -1);
  EXPECT_FALSE(ParseMaxOpenFiles("Max cpu time unlimited unlimited seconds\n").ok());
  EXPECT_FALSE(ParseMaxOpenFiles("Max open files lots 1 files\n").ok());
}

TEST(CgroupFamiliesTest, HugePagesBySizeAsTheControllerNamesThem) {
  EXPECT_EQ(HugePageSizeName("hugepages-2048kB"), "2MB");
  EXPECT_EQ(HugePageSizeName("hugepages-1048576kB"), "1GB");
  EXPECT_EQ(HugePageSizeName("hugepages-64kB"), "64KB");
  EXPECT_EQ(HugePageSizeName("hugepages-32768kB"), "32MB");
  EXPECT_EQ(HugePageSizeName("hugepages-x"), "");
  EXPECT_EQ(HugePageSizeName("hugepages-kB"), "");
  EXPECT_EQ(HugePageSizeName("nothing"), "");

  MetricSet v2;
  AddCgroupV2("/c",
              {{"hugetlb.2MB.current", "4194304\n"},
               {"hugetlb.2MB.events", "max 3\n"},
               {"hugetlb.1GB.current", "garbage\n"},
               {"hugetlb.1GB.events", "max 0\n"}},
              kSdb, &v2);
  std::vector<std::string> l = Lines(v2);
  EXPECT_TRUE(Has(l, "container_hugetlb_usage_bytes{id=\"/c\",size=\"2MB\"} 4194304"));
  EXPECT_TRUE(Has(l, "container_hugetlb_failcnt{id=\"/c\",size=\"2MB\"} 3"));
  EXPECT_TRUE(Has(l, "container_hugetlb_failcnt{id=\"/c\",size=\"1GB\"} 0"));
  EXPECT_FALSE(HasFamily(l, "container_hugetlb_max_usage_bytes"));  // v2 keeps no peak
  EXPECT_EQ(std::count_if(l.begin(), l.end(),
                          [](const std::string& x) {
                            return x.starts_with("container_hugetlb_usage_bytes");
                          }),
            1);  // 1GB's usage is damaged

  MetricSet v1;
  AddCgroupV1("/d",
              {{"hugetlb.2MB.usage_in_bytes", "2097152\n"},
               {"hugetlb.2MB.max_usage_in_bytes", "6291456\n"},
               {"hugetlb.2MB.failcnt", "1\n"}},
              kSdb, &v1);
  l = Lines(v1);
  EXPECT_TRUE(Has(l, "container_hugetlb_max_usage_bytes{id=\"/d\",size=\"2MB\"} 6291456"));
  EXPECT_TRUE(Has(l, "container_hugetlb_failcnt{id=\"/d\",size=\"2MB\"} 1"));
}

TEST(CgroupFamiliesTest, ConnectionsOfANetworkNamespace) {
  const std::string header = "  sl  local_address rem_address   st tx_queue rx_queue ...\n";
  auto tcp = ParseTcpStates(header +
                            "0: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:0 0 0 0 1\n"
                            "1: 0A00000B:0BB8 0A000001:D2F0 01 00000000:00000000 00:0 0 0 0 2\n"
                            "2: 0A00000B:0BB8 0A000001:D2F1 01 00000000:00000000 00:0 0 0 0 3\n");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ((*tcp)["listen"], 1);
  EXPECT_EQ((*tcp)["established"], 2);
  EXPECT_EQ((*tcp)["closing"], 0);
  EXPECT_EQ(tcp->size(), 11u);                                  // every state, as cAdvisor
  EXPECT_FALSE(ParseTcpStates(header + "0: a b 0C c\n").ok());  // no such state
  EXPECT_FALSE(ParseTcpStates(header + "0: a b\n").ok());
  EXPECT_TRUE(ParseTcpStates("").ok());

  auto udp = ParseUdpUsage(
      header +
      "1: 00000000:0044 00000000:0000 07 00000010:00000200 00:00000000 00000000 0 0 1 2 0 3\n"
      "2: 00000000:0045 00000000:0000 07 00000000:00000001 00:00000000 00000000 0 0 2 2 0 0\n");
  ASSERT_TRUE(udp.ok());
  EXPECT_EQ((*udp)["listen"], 2);
  EXPECT_EQ((*udp)["txqueued"], 16);
  EXPECT_EQ((*udp)["rxqueued"], 513);
  EXPECT_EQ((*udp)["dropped"], 3);
  EXPECT_FALSE(ParseUdpUsage(header + "1: a b 07 nothex:1 0 0 0 0 1 2 0 3\n").ok());
  EXPECT_FALSE(ParseUdpUsage(header + "1: a b 07 00:01 0 0 0 0 1 2 0 many\n").ok());
  EXPECT_FALSE(ParseUdpUsage(header + "1: a b 07\n").ok());
}

TEST(CgroupFamiliesTest, V1NumaPagesByTypeScopeAndNode) {
  MetricSet set;
  AddCgroupV1("/d",
              {{"memory.usage_in_bytes", "4096\n"},
               {"memory.numa_stat",
                "total=30 N0=20 N1=10\nfile=12 N0=10 N1=2\nanon=18 N0=x N1=8\n"
                "hierarchical_anon=40 N0=30 N1=10\nweird\n"}},
              kSdb, &set);
  std::vector<std::string> l = Lines(set);
  EXPECT_TRUE(Has(l,
                  "container_memory_numa_pages{id=\"/d\",node=\"1\",scope=\"container\","
                  "type=\"file\"} 2"));
  EXPECT_TRUE(Has(l,
                  "container_memory_numa_pages{id=\"/d\",node=\"0\",scope=\"hierarchy\","
                  "type=\"anon\"} 30"));
  // anon's line is damaged: none of its nodes; total is not one of cAdvisor's types.
  EXPECT_EQ(std::count_if(
                l.begin(), l.end(),
                [](const std::string& x) { return x.starts_with("container_memory_numa_pages"); }),
            4);
}

TEST(CgroupFamiliesTest, TcpCountersUnderCadvisorsNames) {
  auto c = ParseTcpCounters("Ip: Forwarding\nIp: 1\nTcp: RtoMin MaxConn CurrEstab\nTcp: 200 -1 4\n",
                            "TcpExt: TW TCPSynRetrans\nTcpExt: 25 2\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)["rtomin"], 200);
  EXPECT_EQ((*c)["maxconn"], -1);
  EXPECT_EQ((*c)["currestab"], 4);
  EXPECT_EQ((*c)["tw"], 25);
  EXPECT_EQ((*c)["tcpsynretrans"], 2);
  EXPECT_EQ((*c)["pawsestab"], 0);  // not in this kernel's files
  EXPECT_EQ(c->size(), 99u);        // cAdvisor's whole set, every time
  EXPECT_FALSE(ParseTcpCounters("Tcp: RtoMin MaxConn\nTcp: 200\n", "").ok());
  EXPECT_FALSE(ParseTcpCounters("", "TcpExt: TW\nTcpExt: lots\n").ok());
}

TEST(CgroupFamiliesTest, TasksOfProcessesThatExitOrAreDamagedAreLeftOut) {
  char tmpl[] = "/tmp/vigil-tasks-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::filesystem::path proc(tmpl);
  std::filesystem::create_directories(proc / "7/fd");
  std::filesystem::create_directories(proc / "7/task/7");
  std::filesystem::create_directories(proc / "7/task/9");
  std::filesystem::create_directories(proc / "7/task/10");
  std::filesystem::create_symlink("socket:[1234]", proc / "7/fd/0");
  std::filesystem::create_symlink("/dev/null", proc / "7/fd/1");
  std::filesystem::create_symlink("socket:[99]", proc / "7/fd/2");
  std::ofstream(proc / "7/task/7/stat") << "7 (app) S 1 7";
  std::ofstream(proc / "7/task/9/stat") << "9 (app) R 1 7";
  std::ofstream(proc / "7/task/10/stat") << "garbage";
  std::ofstream(proc / "7/limits") << "Max open files            4096   4096   files\n";
  // 8 is listed but has exited.
  ContainerTasks t = ReadContainerTasks(proc.string(), {"7", "8"}, true);
  EXPECT_EQ(t.file_descriptors, 3);
  EXPECT_EQ(t.sockets, 2);
  EXPECT_EQ(t.states["sleeping"], 1);
  EXPECT_EQ(t.states["running"], 1);
  EXPECT_EQ(t.states["stopped"], 0);
  EXPECT_EQ(t.max_open_files, 4096);
  ContainerTasks gone = ReadContainerTasks(proc.string(), {"8"}, true);
  EXPECT_EQ(gone.file_descriptors, 0);
  EXPECT_FALSE(gone.max_open_files.has_value());
  std::filesystem::remove_all(proc);
}

}  // namespace
}  // namespace vigil::collectors
