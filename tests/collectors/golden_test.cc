// The golden test: the collectors over the checked-in fixture tree must print exactly the
// checked-in exposition. VIGIL_REGENERATE_FIXTURES=1 rewrites it; review the diff like code.
#include <fcntl.h>
#include <ftw.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "collectors/collector_set.h"
#include "collectors/collectors.h"

namespace vigil::collectors {
namespace {

const std::string kFixtures = std::string(VIGIL_SOURCE_DIR) + "/tests/fixtures/node";

void ExpectGolden(const std::string& page, const std::string& golden_path) {
  if (std::getenv("VIGIL_REGENERATE_FIXTURES") != nullptr) std::ofstream(golden_path) << page;
  std::ifstream in(golden_path);
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(page, golden.str())
      << "regenerate with VIGIL_REGENERATE_FIXTURES=1 and review the diff";
}

// A checkout gives the cgroup directories its own modification times, which are cAdvisor's
// start times: pinned to 1'700'000'000, and a container's creation mark (cgroup.events on v2,
// cgroup.clone_children on v1) earlier, which must win.
void PinCgroupTimes(const std::string& tree) {
  nftw(
      tree.c_str(),
      [](const char* path, const struct stat*, int, FTW*) {
        const std::string_view p(path);
        const bool mark = p.ends_with("/cgroup.events") || p.ends_with("/cgroup.clone_children");
        const timespec t[2] = {{mark ? 1'699'990'000 : 1'700'000'000, 0},
                               {mark ? 1'699'990'000 : 1'700'000'000, 0}};
        utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW);
        return 0;
      },
      16, FTW_PHYS | FTW_DEPTH);
}

TEST(GoldenTest, FixtureTreePrintsTheCheckedInExposition) {
  Roots roots{kFixtures + "/proc", kFixtures + "/sys", kFixtures + "/rootfs",
              kFixtures + "/cgroup"};
  // The fixture's filesystems answer statfs with numbers of their own; /mnt fails, to show
  // node_filesystem_device_error.
  roots.statfs = [](const std::string& path) -> core::Result<FsStats> {
    if (path.find("/mnt/") != std::string::npos)
      return core::PermissionDeniedError("statfs " + path);
    return FsStats{4096, 1000000, 400000, 350000, 65536, 60000};
  };
  roots.textfile_directory = kFixtures + "/textfile";
  // A checkout sets mtimes and paths of its own: pin the one, hide the other.
  const timespec pinned[2] = {{1'700'000'000, 0}, {1'700'000'000, 0}};
  utimensat(AT_FDCWD, (kFixtures + "/textfile/backup.prom").c_str(), pinned, 0);
  PinCgroupTimes(kFixtures + "/cgroup");
  setenv("TZ", "UTC", 1);
  tzset();
  core::ManualClock clock(1'700'000'000'000);  // collector durations read 0
  CollectorSet node(DefaultCollectors(roots, clock), clock, roots.files);
  std::string page;
  for (const core::MetricFamily& f : node.Collect()) core::AppendFamily(&page, f);
  for (size_t at; (at = page.find(kFixtures)) != std::string::npos;)
    page.replace(at, kFixtures.size(), "FIXTURES");
  ExpectGolden(page, kFixtures + "/golden.prom");
  EXPECT_EQ(page.find("node_scrape_collector_success{collector=\"cpu\"} 0"), std::string::npos);
}

// cgroup v1 as Docker and kubelet's cgroupfs driver lay it out: cpu and cpuacct joined (with
// the usual symlinks), memory, blkio, pids, and the v2 "unified" directory of a hybrid node.
TEST(GoldenTest, CgroupV1TreePrintsTheCheckedInExposition) {
  const std::string tree = std::string(VIGIL_SOURCE_DIR) + "/tests/fixtures/cgroup_v1";
  Roots roots{tree + "/proc", tree + "/sys", tree + "/rootfs", tree + "/cgroup"};
  PinCgroupTimes(tree + "/cgroup");
  core::ManualClock clock(1'700'000'000'000);
  MetricSet set;
  ASSERT_TRUE(NewCgroupCollector(roots, clock)->Collect(&set).ok());
  SortLikeNodeExporter(&set.families());
  std::string page;
  for (const core::MetricFamily& f : set.families()) core::AppendFamily(&page, f);
  ExpectGolden(page, tree + "/golden.prom");
}

TEST(GoldenTest, DeviceExcludeLeavesDevicesOut) {
  Roots roots{kFixtures + "/proc", kFixtures + "/sys", kFixtures + "/rootfs",
              kFixtures + "/cgroup"};
  roots.exclude_device = [](std::string_view d) { return d == "lo"; };
  MetricSet set;
  for (auto* collect : {&CollectNetdev, &CollectNetclass}) ASSERT_TRUE(collect(roots, &set).ok());
  size_t eth0 = 0;
  for (const auto& f : set.families()) {
    for (const auto& s : f.samples) {
      for (const auto& l : s.labels) {
        EXPECT_NE(l.value, "lo") << f.name;
        if (l.name == "device" && l.value == "eth0") ++eth0;
      }
    }
  }
  EXPECT_GT(eth0, 30u);
}

TEST(GoldenTest, AMissingTreeIsNoDataNotFailure) {
  Roots roots{"/nonexistent/proc", "/nonexistent/sys", "/nonexistent", "/nonexistent/cgroup"};
  core::ManualClock clock(0);
  CollectorSet node(DefaultCollectors(roots, clock), clock, roots.files);
  std::string page;
  for (const core::MetricFamily& f : node.Collect()) core::AppendFamily(&page, f);
  // Every collector says success 1: missing files are "no data here".
  size_t successes = 0;
  for (size_t at = page.find("\nnode_scrape_collector_success{"); at != std::string::npos;
       at = page.find("\nnode_scrape_collector_success{", at + 1)) {
    const size_t end = page.find('\n', at + 1);
    EXPECT_EQ(page.substr(end - 2, 2), " 1") << page.substr(at + 1, end - at - 1);
    ++successes;
  }
  EXPECT_EQ(successes, DefaultCollectors(roots, clock).size());
  EXPECT_EQ(page.find("node_load1"), std::string::npos);
}

}  // namespace
}  // namespace vigil::collectors
