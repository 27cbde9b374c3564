#include "collectors/container_identity.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "collectors/collectors.h"

namespace vigil::collectors {
namespace {

const std::string kId(64, 'a');

TEST(ContainerIdentityTest, FindsTheIdInEveryRuntimesCgroupPath) {
  EXPECT_EQ(ContainerIdFromCgroup("/system.slice/docker-" + kId + ".scope"), kId);
  EXPECT_EQ(ContainerIdFromCgroup("/docker/" + kId), kId);
  EXPECT_EQ(ContainerIdFromCgroup("/kubepods.slice/kubepods-burstable.slice/"
                                  "kubepods-burstable-pod12.slice/cri-containerd-" +
                                  kId + ".scope"),
            kId);
  EXPECT_EQ(ContainerIdFromCgroup("/kubepods/besteffort/pod12/" + kId), kId);
  EXPECT_EQ(ContainerIdFromCgroup("/machine.slice/libpod-" + kId + ".scope"), kId);
  EXPECT_EQ(ContainerIdFromCgroup("/system.slice/crio-" + kId + ".scope"), kId);
  EXPECT_EQ(ContainerIdFromCgroup("/system.slice/sshd.service"), "");
  EXPECT_EQ(ContainerIdFromCgroup("/user.slice/session-3.scope"), "");
  EXPECT_EQ(ContainerIdFromCgroup("/"), "");
}

TEST(ContainerIdentityTest, ReadsDockerAndOciConfigs) {
  ContainerIdentity d = ParseDockerConfig(
      R"({"Name":"/web","Config":{"Image":"nginx:1.25","Labels":{"io.kubernetes.pod.name":"web-1",)"
      R"("io.kubernetes.pod.namespace":"prod","io.kubernetes.container.name":"nginx"}}})");
  EXPECT_EQ(d.name, "web");
  EXPECT_EQ(d.image, "nginx:1.25");
  EXPECT_EQ(d.pod, "web-1");
  EXPECT_EQ(d.namespace_, "prod");
  EXPECT_EQ(d.container, "nginx");
  ContainerIdentity o = ParseOciConfig(
      R"({"annotations":{"io.kubernetes.pod.name":"db-0","io.kubernetes.pod.namespace":"data",)"
      R"("io.kubernetes.container.name":"postgres","io.kubernetes.cri-o.ImageName":"postgres:16"}})");
  EXPECT_EQ(o.pod, "db-0");
  EXPECT_EQ(o.namespace_, "data");
  EXPECT_EQ(o.container, "postgres");
  EXPECT_EQ(o.image, "postgres:16");
  EXPECT_EQ(o.name, "postgres");
}

TEST(ContainerIdentityTest, DamagedOrOddFilesAreNothingKnown) {
  for (const char* bad :
       {"", "{", "not json at all ][", "[1,2,3]", R"({"Name":{"nested":true}})", "\xff\xfe"}) {
    ContainerIdentity d = ParseDockerConfig(bad);
    EXPECT_EQ(d.name, "") << bad;
    EXPECT_EQ(d.image, "") << bad;
    ContainerIdentity o = ParseOciConfig(bad);
    EXPECT_EQ(o.pod, "") << bad;
  }
}

// A node root where Docker keeps its containers, the one of kId made but not yet written.
class LateStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-identity-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    std::filesystem::create_directories(Containers() / kId);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path Containers() const { return root_ / "var/lib/docker/containers"; }
  void WriteState(const std::string& id, const std::string& name) const {
    std::ofstream(Containers() / id / "config.v2.json")
        << R"({"Name":"/)" << name << R"(","Config":{"Image":"nginx:1.25"}})";
  }
  // One collection that asks for the container of kId.
  std::vector<core::Label> Collect(ContainerIdentities& ids) const {
    ids.BeginCollection();
    auto labels = ids.Labels(kCgroup);
    ids.EndCollection();
    return labels;
  }
  const std::string kCgroup = "/system.slice/docker-" + kId + ".scope";
  std::filesystem::path root_;
};

TEST_F(LateStateTest, LabelsAppearOnceTheStateIsWritten) {
  ContainerIdentities ids(root_.string());
  EXPECT_TRUE(Collect(ids).empty());
  WriteState(kId, "web");  // in the container's own directory: Docker's directory is as it was
  EXPECT_EQ(Collect(ids), (std::vector<core::Label>{{"image", "nginx:1.25"}, {"name", "web"}}));
}

TEST_F(LateStateTest, LookupsBackOffAndARuntimeChangeRetriesAtOnce) {
  ContainerIdentities ids(root_.string());
  // Misses at collections 1, 2, 4, 8: the waits double.
  for (int i = 1; i <= 8; ++i) EXPECT_TRUE(Collect(ids).empty()) << i;
  WriteState(kId, "web");
  // The next lookup is due at collection 16: until then the state is not read again.
  for (int i = 9; i <= 15; ++i) EXPECT_TRUE(Collect(ids).empty()) << i;
  EXPECT_EQ(Collect(ids).size(), 2u);

  // A container whose state is missing past the longest wait is still looked up then.
  const std::string other(64, 'b');
  std::filesystem::create_directories(Containers() / other);
  const std::string cgroup = "/docker/" + other;
  auto collect = [&] {
    ids.BeginCollection();
    auto labels = ids.Labels(cgroup);
    ids.EndCollection();
    return labels;
  };
  int collections = 0;
  for (; collections < 200; ++collections) EXPECT_TRUE(collect().empty());
  WriteState(other, "db");
  int waited = 0;
  while (collect().empty() && waited < 100) ++waited;
  EXPECT_LT(waited, static_cast<int>(ContainerIdentities::kMaxRetryWait));

  // A change of Docker's directory (a container made) retries at once, whatever the wait.
  const std::string third(64, 'c');
  std::filesystem::create_directories(Containers() / third);
  const std::string cgroup3 = "/docker/" + third;
  for (int i = 0; i < 40; ++i) {
    ids.BeginCollection();
    EXPECT_TRUE(ids.Labels(cgroup3).empty());
    ids.EndCollection();
  }
  WriteState(third, "cache");
  const timespec later[2] = {{2'000'000'000, 0}, {2'000'000'000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, Containers().c_str(), later, 0), 0);
  ids.BeginCollection();
  EXPECT_EQ(ids.Labels(cgroup3).size(), 2u);
  ids.EndCollection();
}

// The same through the collector: a Docker container's series gain name and image at the
// collection after its state is written.
TEST_F(LateStateTest, TheCollectorsSeriesGainTheLabels) {
  const std::filesystem::path cgroup = root_ / "cgroup";
  std::filesystem::create_directories(cgroup / ("system.slice/docker-" + kId + ".scope"));
  std::ofstream(cgroup / "cgroup.controllers") << "cpu memory\n";
  std::ofstream(cgroup / ("system.slice/docker-" + kId + ".scope/memory.current")) << "4096\n";
  Roots roots{(root_ / "proc").string(), (root_ / "sys").string(), root_.string(), cgroup.string()};
  core::ManualClock clock(1'700'000'000'000);
  auto collector = NewCgroupCollector(roots, clock);
  auto usage_labels = [&] {
    MetricSet set;
    EXPECT_TRUE(collector->Collect(&set).ok());
    for (const auto& f : set.families()) {
      if (f.name != "container_memory_usage_bytes") continue;
      for (const auto& sample : f.samples) return sample.labels;
    }
    return std::vector<core::Label>{};
  };
  const std::vector<core::Label> id_only{{"id", kCgroup}};
  EXPECT_EQ(usage_labels(), id_only);
  WriteState(kId, "web");
  EXPECT_EQ(usage_labels(),
            (std::vector<core::Label>{{"id", kCgroup}, {"image", "nginx:1.25"}, {"name", "web"}}));
}

}  // namespace
}  // namespace vigil::collectors
