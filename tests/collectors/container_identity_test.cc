#include "collectors/container_identity.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace vigil::collectors
