// Every collector's parser on literal text: what node_exporter would report, and a clear
// error (never a crash) for text that is not what the kernel writes.
#include <gtest/gtest.h>

#include <algorithm>

#include "collectors/collectors.h"
#include "core/number.h"

namespace vigil::collectors {
namespace {

// "name{labels} value" per sample, in order.
std::vector<std::string> Render(MetricSet& set) {
  std::vector<std::string> out;
  for (const auto& f : set.families()) {
    for (const auto& s : f.samples) {
      std::string line = s.name;
      if (!s.labels.empty()) {
        line += "{";
        for (size_t i = 0; i < s.labels.size(); ++i)
          line += (i ? "," : "") + s.labels[i].name + "=\"" + s.labels[i].value + "\"";
        line += "}";
      }
      out.push_back(line + " " + core::FormatFloatG(s.value));
    }
  }
  return out;
}

TEST(ParsersTest, Loadavg) {
  MetricSet s;
  ASSERT_TRUE(ParseLoadavg("0.52 0.78 0.74 2/345 12345\n", &s).ok());
  EXPECT_EQ(Render(s),
            (std::vector<std::string>{"node_load1 0.52", "node_load5 0.78", "node_load15 0.74"}));
  EXPECT_FALSE(ParseLoadavg("0.52 x", &s).ok());
  EXPECT_EQ(ParseLoadavg("0.5 0.5 nope 1/2 3", &s).message(), "invalid load average: \"nope\"");
}

TEST(ParsersTest, StatAndCpu) {
  const char* text =
      "cpu  153572 0 28729 600631 756 0 129 73 0 0\n"
      "cpu0 70374 5 11958 309396 107 1 35 37 150 20\n"
      "cpu1 83198 0 16770 291235 648 0 93 35\n"  // an old kernel: no guest columns
      "intr 1010284 0 0 12 0\nctxt 1322604\nbtime 1795235307\nprocesses 30523\nprocs_running "
      "2\nprocs_blocked 0\n";
  MetricSet stat;
  ASSERT_TRUE(ParseStat(text, &stat).ok());
  EXPECT_EQ(Render(stat),
            (std::vector<std::string>{"node_boot_time_seconds 1.795235307e+09",
                                      "node_context_switches_total 1.322604e+06",
                                      "node_forks_total 30523", "node_intr_total 1.010284e+06",
                                      "node_procs_blocked 0", "node_procs_running 2"}));
  MetricSet cpu;
  ASSERT_TRUE(ParseCpu(text, &cpu).ok());
  std::vector<std::string> r = Render(cpu);
  ASSERT_EQ(r.size(), 8u + 2 + 8);
  EXPECT_EQ(r[0], "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 703.74");
  EXPECT_EQ(r[1], "node_cpu_seconds_total{cpu=\"0\",mode=\"nice\"} 0.05");
  EXPECT_EQ(r[7], "node_cpu_seconds_total{cpu=\"0\",mode=\"steal\"} 0.37");
  EXPECT_EQ(r[8], "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} 831.98");
  // Samples group by family: cpu1 has no guest columns, so guest seconds are cpu0's only.
  EXPECT_EQ(r[16], "node_cpu_guest_seconds_total{cpu=\"0\",mode=\"nice\"} 0.2");
  EXPECT_EQ(r[17], "node_cpu_guest_seconds_total{cpu=\"0\",mode=\"user\"} 1.5");
  EXPECT_FALSE(ParseCpu("cpu0 1 2 3\n", &cpu).ok());
  EXPECT_FALSE(ParseStat("nothing useful\n", &stat).ok());
}

TEST(ParsersTest, Meminfo) {
  MetricSet s;
  ASSERT_TRUE(
      ParseMeminfo(
          "MemTotal:       24684084 kB\nActive(anon):      1024 kB\nHugePages_Total:       0\n", &s)
          .ok());
  EXPECT_EQ(Render(s), (std::vector<std::string>{"node_memory_MemTotal_bytes 2.5276502016e+10",
                                                 "node_memory_Active_anon_bytes 1.048576e+06",
                                                 "node_memory_HugePages_Total 0"}));
  EXPECT_EQ(s.families()[1].help, "Memory information field Active_anon_bytes.");
  EXPECT_FALSE(ParseMeminfo("MemTotal 5 kB\n", &s).ok());
  EXPECT_FALSE(ParseMeminfo("MemTotal: lots kB\n", &s).ok());
  EXPECT_FALSE(ParseMeminfo("", &s).ok());
  // A field that makes no metric name would spoil the agent's whole page (fuzz_procfs).
  EXPECT_FALSE(ParseMeminfo("Mem@Total: 5 kB\n", &s).ok());
}

// Found by fuzz_procfs: "in@use" became node_sockstat_TCP_in@use, which no scraper parses.
TEST(ParsersTest, VmstatFieldThatMakesNoMetricNameIsRefused) {
  MetricSet s;
  EXPECT_FALSE(ParseVmstat(std::string_view("pswpout\0( 0\n", 12), &s).ok());
  EXPECT_TRUE(ParseVmstat("pswpout 0\n", &s).ok());
}

// Found by fuzz_procfs: a device name that is not UTF-8 made the page unparsable.
TEST(ParsersTest, LabelValuesThatAreNotUtf8AreMadeValid) {
  MetricSet s;
  s.Add("node_x", "x", core::MetricType::kGauge, 1,
        {{"device",
          "lo\xff"
          "op\xc3\xa9\xe2\x82"}});
  EXPECT_EQ(s.families()[0].samples[0].labels[0].value, "lo\uFFFDop\u00e9\uFFFD\uFFFD");
}

TEST(ParsersTest, SockstatFieldThatMakesNoMetricNameIsRefused) {
  MetricSet s;
  EXPECT_FALSE(ParseSockstat("TCP: in@use 1 orphan 0\n", false, 4096, &s).ok());
  EXPECT_TRUE(ParseSockstat("TCP: inuse 1 orphan 0\n", false, 4096, &s).ok());
}

TEST(ParsersTest, FilefdEntropyVmstat) {
  MetricSet s;
  ASSERT_TRUE(ParseFilefd("333\t0\t2466170\n", &s).ok());
  ASSERT_TRUE(ParseEntropy("256\n", "4096\n", &s).ok());
  ASSERT_TRUE(
      ParseVmstat(
          "nr_free_pages 5\noom_kill 1\npgpgin 10\npgfault 99\npgmajfault 3\npgfree 7\npswpout 0\n",
          &s)
          .ok());
  EXPECT_EQ(Render(s),
            (std::vector<std::string>{
                "node_filefd_allocated 333", "node_filefd_maximum 2.46617e+06",
                "node_entropy_available_bits 256", "node_entropy_pool_size_bits 4096",
                "node_vmstat_oom_kill 1", "node_vmstat_pgpgin 10", "node_vmstat_pgfault 99",
                "node_vmstat_pgmajfault 3", "node_vmstat_pswpout 0"}));
  EXPECT_EQ(s.families().back().type, core::MetricType::kUntyped);
  EXPECT_FALSE(ParseFilefd("1 2\n", &s).ok());
  EXPECT_FALSE(ParseEntropy("x", "1", &s).ok());
  EXPECT_FALSE(ParseVmstat("pgfault 1 2\n", &s).ok());
}

TEST(ParsersTest, Netdev) {
  MetricSet s;
  ASSERT_TRUE(ParseNetdev("Inter-|   Receive |  Transmit\n face |bytes ...\n"
                          "  eth0: 79373476  61029    0    2    0     0          0        12 "
                          "10374629   38447    0    0    0     3       4          0\n",
                          &s)
                  .ok());
  std::vector<std::string> r = Render(s);
  ASSERT_EQ(r.size(), 16u);
  EXPECT_EQ(r[0], "node_network_receive_bytes_total{device=\"eth0\"} 7.9373476e+07");
  EXPECT_EQ(r[3], "node_network_receive_drop_total{device=\"eth0\"} 2");
  EXPECT_EQ(r[7], "node_network_receive_multicast_total{device=\"eth0\"} 12");
  EXPECT_EQ(r[13], "node_network_transmit_colls_total{device=\"eth0\"} 3");
  EXPECT_EQ(r[14], "node_network_transmit_carrier_total{device=\"eth0\"} 4");
  EXPECT_FALSE(ParseNetdev("h\nh\n  eth0: 1 2 3\n", &s).ok());
  EXPECT_FALSE(ParseNetdev("h\nh\n  no colon here\n", &s).ok());
}

TEST(ParsersTest, OsRelease) {
  MetricSet s;
  ASSERT_TRUE(
      ParseOsRelease("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME='Debian GNU/Linux'\n"
                     "# a comment\nVERSION_ID=\"12.5\"\nID=debian\n",
                     &s)
          .ok());
  std::vector<std::string> r = Render(s);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0],
            "node_os_info{build_id=\"\",id=\"debian\",id_like=\"\",image_id=\"\",image_version="
            "\"\",name=\"Debian "
            "GNU/Linux\",pretty_name=\"Debian GNU/Linux 12 "
            "(bookworm)\",variant=\"\",variant_id=\"\",version=\"\","
            "version_codename=\"\",version_id=\"12.5\"} 1");
  EXPECT_EQ(r[1], "node_os_version{id=\"debian\",id_like=\"\",name=\"Debian GNU/Linux\"} 12.5");
  MetricSet rolling;
  ASSERT_TRUE(ParseOsRelease("ID=arch\n", &rolling).ok());  // no VERSION_ID: no version metric
  EXPECT_EQ(rolling.families().size(), 1u);
  EXPECT_FALSE(ParseOsRelease("garbage line\n", &rolling).ok());
}

TEST(ParsersTest, DiskstatsLeavesPartitionsOutAndScalesUnits) {
  MetricSet s;
  ASSERT_TRUE(ParseDiskstats("   8       0 sda 100 2 800 50 10 1 80 30 0 70 90 4 0 8 6 3 9\n"
                             "   8       1 sda1 1 1 1 1 1 1 1 1 0 1 1\n"
                             "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0\n"
                             " 259       0 nvme0n1 1 0 8 1 0 0 0 0 0 0 0\n"
                             " 259       1 nvme0n1p1 1 0 8 1 0 0 0 0 0 0 0\n",
                             &s)
                  .ok());
  std::vector<std::string> r = Render(s);
  ASSERT_EQ(r.size(), 17u + 11u);  // sda with discard and flush fields, nvme0n1 without
  auto has = [&r](const std::string& line) {
    return std::find(r.begin(), r.end(), line) != r.end();
  };
  EXPECT_TRUE(has("node_disk_reads_completed_total{device=\"sda\"} 100"));
  EXPECT_TRUE(has("node_disk_read_bytes_total{device=\"sda\"} 409600"));
  EXPECT_TRUE(has("node_disk_read_time_seconds_total{device=\"sda\"} 0.05"));
  EXPECT_TRUE(has("node_disk_discard_time_seconds_total{device=\"sda\"} 0.006"));
  // Milliseconds times 1/1000, as node_exporter computes them: 9 ms is not exactly 0.009.
  EXPECT_TRUE(
      has("node_disk_flush_requests_time_seconds_total{device=\"sda\"} 0.009000000000000001"));
  EXPECT_TRUE(has("node_disk_reads_completed_total{device=\"nvme0n1\"} 1"));
  EXPECT_FALSE(has("node_disk_flush_requests_total{device=\"nvme0n1\"} 0"));
  for (const char* excluded : {"sda1", "loop0", "ram3", "xvda2", "nvme0n1p1", "fd0"})
    EXPECT_TRUE(ExcludedDisk(excluded)) << excluded;
  for (const char* kept : {"sda", "vda", "nvme0n1", "mmcblk0", "dm-0", "md0", "zram0"})
    EXPECT_FALSE(ExcludedDisk(kept)) << kept;
  EXPECT_FALSE(ParseDiskstats("8 0 sda 1 2 3\n", &s).ok());
}

TEST(ParsersTest, PressureSoftnetSockstat) {
  MetricSet s;
  ASSERT_TRUE(
      ParsePressure("cpu", "some avg10=0.00 avg60=0.00 avg300=0.00 total=334175771\n", &s).ok());
  ASSERT_TRUE(ParsePressure("io",
                            "some avg10=0.00 avg60=0.00 avg300=0.00 total=4100682\n"
                            "full avg10=0.00 avg60=0.00 avg300=0.00 total=3573439\n",
                            &s)
                  .ok());
  ASSERT_TRUE(
      ParseSoftnet("0000321e 00000001 00000002 00000000\n00007340 00000000 0000000a 00000000\n", &s)
          .ok());
  ASSERT_TRUE(ParseSockstat("sockets: used 13\nTCP: inuse 4 orphan 0 tw 12 alloc 4 mem 3\n", false,
                            4096, &s)
                  .ok());
  ASSERT_TRUE(ParseSockstat("TCP6: inuse 2\n", true, 4096, &s).ok());
  EXPECT_EQ(Render(s), (std::vector<std::string>{
                           "node_pressure_cpu_waiting_seconds_total 334.175771",
                           "node_pressure_io_waiting_seconds_total 4.100682",
                           "node_pressure_io_stalled_seconds_total 3.573439",
                           "node_softnet_processed_total{cpu=\"0\"} 12830",
                           "node_softnet_processed_total{cpu=\"1\"} 29504",
                           "node_softnet_dropped_total{cpu=\"0\"} 1",
                           "node_softnet_dropped_total{cpu=\"1\"} 0",
                           "node_softnet_times_squeezed_total{cpu=\"0\"} 2",
                           "node_softnet_times_squeezed_total{cpu=\"1\"} 10",
                           "node_sockstat_sockets_used 13",
                           "node_sockstat_TCP_inuse 4",
                           "node_sockstat_TCP_orphan 0",
                           "node_sockstat_TCP_tw 12",
                           "node_sockstat_TCP_alloc 4",
                           "node_sockstat_TCP_mem 3",
                           "node_sockstat_TCP_mem_bytes 12288",
                           "node_sockstat_TCP6_inuse 2",
                       }));
  EXPECT_FALSE(ParsePressure("io", "some avg10=0.00\n", &s).ok());
  EXPECT_FALSE(ParseSoftnet("zz 1 2\n", &s).ok());
  EXPECT_FALSE(ParseSockstat("TCP inuse 4\n", false, 4096, &s).ok());
}

TEST(ParsersTest, NetstatKeepsNodeExportersDefaultFields) {
  MetricSet s;
  ASSERT_TRUE(ParseNetstat("Tcp: RtoAlgorithm ActiveOpens CurrEstab InErrs\nTcp: 1 1683 2 0\n"
                           "TcpExt: SyncookiesSent TW ListenDrops\nTcpExt: 0 934 5\n",
                           &s)
                  .ok());
  ASSERT_TRUE(
      ParseSnmp6("Ip6InReceives 10\nIp6InOctets 408\nUdp6InDatagrams 3\nIcmp6OutMsgs 9\n", &s)
          .ok());
  EXPECT_EQ(Render(s), (std::vector<std::string>{
                           "node_netstat_Tcp_ActiveOpens 1683", "node_netstat_Tcp_CurrEstab 2",
                           "node_netstat_Tcp_InErrs 0", "node_netstat_TcpExt_SyncookiesSent 0",
                           "node_netstat_TcpExt_ListenDrops 5", "node_netstat_Ip6_InOctets 408",
                           "node_netstat_Udp6_InDatagrams 3", "node_netstat_Icmp6_OutMsgs 9"}));
  EXPECT_FALSE(ParseNetstat("Tcp: A B\nTcp: 1\n", &s).ok());
  EXPECT_FALSE(ParseSnmp6("Ip6InOctets\n", &s).ok());
}

TEST(ParsersTest, UdpQueuesArpConntrack) {
  MetricSet s;
  ASSERT_TRUE(
      ParseUdpQueues(
          "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
          "  1: 00000000:0044 00000000:0000 07 00000010:00000200 00:00000000 00000000     0\n"
          "  2: 00000000:0045 00000000:0000 07 00000001:00000000 00:00000000 00000000     0\n",
          "v4", &s)
          .ok());
  ASSERT_TRUE(
      ParseArp("IP address       HW type     Flags       HW address            Mask     Device\n"
               "10.0.0.1         0x1         0x2         02:fc:00:00:00:02     *        eth0\n"
               "10.0.0.2         0x1         0x2         02:fc:00:00:00:03     *        eth0\n"
               "10.1.0.1         0x1         0x2         02:fc:00:00:00:04     *        wlan0\n",
               &s)
          .ok());
  ASSERT_TRUE(ParseConntrackStat("entries found invalid drop\n00000010 00000002 00000005 00000000\n"
                                 "00000010 00000001 00000000 00000001\n",
                                 &s)
                  .ok());
  EXPECT_EQ(Render(s),
            (std::vector<std::string>{
                "node_udp_queues{ip=\"v4\",queue=\"rx\"} 512",
                "node_udp_queues{ip=\"v4\",queue=\"tx\"} 17", "node_arp_entries{device=\"eth0\"} 2",
                "node_arp_entries{device=\"wlan0\"} 1", "node_nf_conntrack_stat_found 3",
                "node_nf_conntrack_stat_invalid 5", "node_nf_conntrack_stat_drop 1"}));
  EXPECT_FALSE(ParseUdpQueues("h\n 1: a b 07 nothex:1\n", "v4", &s).ok());
  EXPECT_FALSE(ParseArp("h\n10.0.0.1 0x1\n", &s).ok());
  EXPECT_FALSE(ParseConntrackStat("a b\n1\n", &s).ok());
}

TEST(ParsersTest, ConntrackCounts) {
  MetricSet s;
  ASSERT_TRUE(ParseConntrackCounts("123\n", "262144\n", &s).ok());
  EXPECT_EQ(Render(s), (std::vector<std::string>{"node_nf_conntrack_entries 123",
                                                 "node_nf_conntrack_entries_limit 262144"}));
  EXPECT_EQ(ParseConntrackCounts("1\n", "many\n", &s).message(),
            "invalid nf_conntrack_max: \"many\"");
}

TEST(ParsersTest, MountsAsNodeExporterFiltersThem) {
  auto mounts = ParseMounts(
      "/dev/vda / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\nsysfs /sys sysfs ro 0 0\n"
      "tmpfs /run tmpfs rw 0 0\noverlay /var/lib/docker/overlay2/x/merged overlay rw 0 0\n"
      "/dev/vdb1 /mnt/data\\040disk ext4 ro,relatime 0 0\n/dev/vda / ext4 rw,relatime 0 0\n"
      "shm /dev/shm tmpfs rw 0 0\n/dev/vdc /devices xfs rw 0 0\n");
  ASSERT_TRUE(mounts.ok());
  std::vector<std::string> got;
  for (const Mount& m : *mounts)
    got.push_back(m.device + " " + m.mount_point + " " + m.fs_type + (m.read_only ? " ro" : ""));
  EXPECT_EQ(
      got, (std::vector<std::string>{"/dev/vda / ext4", "tmpfs /run tmpfs",
                                     "/dev/vdb1 /mnt/data disk ext4 ro", "/dev/vdc /devices xfs"}));
  EXPECT_FALSE(ParseMounts("only two\n").ok());
}

TEST(ParsersTest, HwmonChipNamesAreCleanedAsNodeExporterCleansThem) {
  EXPECT_EQ(CleanHwmonName("fd5d2000.sensor"), "fd5d2000_sensor");
  EXPECT_EQ(CleanHwmonName("Core Temp!\n"), "core_temp");
  EXPECT_EQ(CleanHwmonName("_acpi:tz_"), "acpi:tz");
  EXPECT_EQ(CleanHwmonName("..."), "");
}

TEST(ParsersTest, CgroupV1AsCadvisorReportsIt) {
  CgroupFiles f = {
      {"cpuacct.usage", "2618181433486\n"},
      {"cpuacct.stat", "user 222297\nsystem 39520\n"},
      {"cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 1500000000\n"},
      {"cpu.cfs_quota_us", "50000\n"},
      {"cpu.cfs_period_us", "100000\n"},
      {"cpu.shares", "1024\n"},
      {"memory.usage_in_bytes", "104857600\n"},
      {"memory.memsw.usage_in_bytes", "105906176\n"},
      {"memory.max_usage_in_bytes", "209715200\n"},
      {"memory.failcnt", "4\n"},
      {"memory.limit_in_bytes", "9223372036854771712\n"},
      {"memory.stat",
       "cache 1\nrss 2\ntotal_cache 41943040\ntotal_rss 52428800\ntotal_mapped_file 1048576\n"
       "total_inactive_file 20971520\ntotal_swap 2097152\n"},
      {"memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"},
      {"blkio.throttle.io_service_bytes",
       "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Total 12288\nTotal 12288\n"},
      {"blkio.throttle.io_serviced", "8:0 Read 3\n8:0 Write 5\nTotal 8\n"},
      {"cgroup.procs", "1\n22\n333\n"},
  };
  MetricSet s;
  AddCgroupV1(
      "/docker/abc", f, [](const std::string& mm) { return mm == "8:0" ? "/dev/sda" : mm; }, &s);
  std::vector<std::string> r = Render(s);
  auto has = [&r](const std::string& line) {
    return std::find(r.begin(), r.end(), line) != r.end();
  };
  const std::string id = "id=\"/docker/abc\"";
  EXPECT_TRUE(has("container_cpu_usage_seconds_total{cpu=\"total\"," + id + "} 2618.181433486"));
  EXPECT_TRUE(has("container_cpu_user_seconds_total{" + id + "} 2222.97"));
  EXPECT_TRUE(has("container_cpu_cfs_throttled_seconds_total{" + id + "} 1.5"));
  EXPECT_TRUE(has("container_memory_working_set_bytes{" + id + "} 8.388608e+07"));
  EXPECT_TRUE(has("container_memory_rss{" + id + "} 5.24288e+07"));
  // cAdvisor takes swap from memory.stat, not from memsw - usage (1048576 here).
  EXPECT_TRUE(has("container_memory_swap{" + id + "} 2.097152e+06"));
  EXPECT_TRUE(has("container_memory_failcnt{" + id + "} 4"));
  EXPECT_TRUE(has("container_oom_events_total{" + id + "} 2"));
  EXPECT_TRUE(has("container_fs_reads_bytes_total{device=\"/dev/sda\"," + id + "} 4096"));
  EXPECT_TRUE(has("container_fs_writes_total{device=\"/dev/sda\"," + id + "} 5"));
  EXPECT_TRUE(has("container_processes{" + id + "} 3"));
  EXPECT_TRUE(has("container_spec_cpu_shares{" + id + "} 1024"));
  EXPECT_TRUE(has("container_spec_cpu_quota{" + id + "} 50000"));

  // Without a quota (-1) cAdvisor reports neither the quota nor the throttling.
  f["cpu.cfs_quota_us"] = "-1\n";
  MetricSet unlimited;
  AddCgroupV1(
      "/docker/abc", f, [](const std::string& mm) { return mm; }, &unlimited);
  for (const std::string& line : Render(unlimited)) {
    EXPECT_EQ(line.find("container_spec_cpu_quota"), std::string::npos) << line;
    EXPECT_EQ(line.find("container_cpu_cfs_"), std::string::npos) << line;
  }

  MetricSet garbage;  // unreadable numbers are left out, never a crash
  AddCgroupV1(
      "/x", {{"memory.usage_in_bytes", "lots\n"}, {"cpuacct.usage", "\xff"}},
      [](const std::string& m) { return m; }, &garbage);
  EXPECT_TRUE(garbage.families().empty());
}

TEST(CollectorTest, ReadFileIsBoundedAndSaysNotFound) {
  EXPECT_EQ(ReadFile("/nonexistent", "x").status().code(), core::StatusCode::kNotFound);
  auto big = ReadFile("/proc", "self/maps", 16);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("larger than 16 bytes"), std::string::npos);
}

}  // namespace
}  // namespace vigil::collectors
