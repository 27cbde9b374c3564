#include "collectors/kernel_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

namespace vigil::collectors {
namespace {

TEST(KernelFilesTest, KeepsKernelFilesOpenAndReadsThemAfresh) {
  KernelFiles files;
  auto first = files.Read("/proc", "uptime");
  ASSERT_TRUE(first.ok()) << first.status().message();
  // /proc/uptime counts hundredths of a second.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto second = files.Read("/proc", "uptime");
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_NE(*first, *second);
  EXPECT_EQ(files.open_files(), 1u);
  EXPECT_EQ(files.opens(), 1u);
}

TEST(KernelFilesTest, OpensFilesElsewhereOnEveryRead) {
  const std::string dir = testing::TempDir() + "/kernel_files_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  auto write = [&](const char* text) {
    std::ofstream(dir + "/value.tmp") << text;
    std::filesystem::rename(dir + "/value.tmp", dir + "/value");
  };
  KernelFiles files;
  write("1\n");
  EXPECT_EQ(files.Read(dir, "value").value(), "1\n");
  write("2\n");
  EXPECT_EQ(files.Read(dir, "value").value(), "2\n");
  EXPECT_EQ(files.open_files(), 0u);
  EXPECT_EQ(files.opens(), 2u);
  std::filesystem::remove_all(dir);
}

TEST(KernelFilesTest, ClosesWhatWasNotReadSinceTheLastCollection) {
  KernelFiles files;
  ASSERT_TRUE(files.Read("/proc", "loadavg").ok());
  ASSERT_TRUE(files.Read("/proc", "meminfo").ok());
  files.CloseUnread();
  EXPECT_EQ(files.open_files(), 2u);
  ASSERT_TRUE(files.Read("/proc", "loadavg").ok());
  files.CloseUnread();
  EXPECT_EQ(files.open_files(), 1u);
  files.CloseUnread();
  EXPECT_EQ(files.open_files(), 0u);
  EXPECT_TRUE(files.Read("/proc", "meminfo").ok());
}

TEST(KernelFilesTest, KeepsNoMoreOpenThanItsLimit) {
  KernelFiles files(1);
  EXPECT_TRUE(files.Read("/proc", "loadavg").ok());
  EXPECT_TRUE(files.Read("/proc", "meminfo").ok());
  EXPECT_TRUE(files.Read("/proc", "meminfo").ok());
  EXPECT_EQ(files.open_files(), 1u);
}

TEST(KernelFilesTest, AnAttributesRefusalIsItsAnswerEachTime) {
  // The loopback device has no link speed: the kernel refuses the read with EINVAL.
  KernelFiles files;
  for (int i = 0; i < 2; ++i) {
    auto speed = files.ReadAttribute("/sys", "class/net/lo/speed");
    ASSERT_FALSE(speed.ok());
    EXPECT_EQ(speed.status().code(), core::StatusCode::kInvalidArgument)
        << speed.status().message();
  }
  EXPECT_EQ(files.open_files(), 1u);
  EXPECT_EQ(files.opens(), 1u);  // the refusal came from the file kept open
  EXPECT_EQ(files.ReadAttribute("/sys", "class/net/lo/mtu").value(), "65536\n");
}

TEST(KernelFilesTest, AChangedIdentityOpensThePathAgain) {
  KernelFiles files;
  EXPECT_EQ(files.ReadAttribute("/sys", "class/net/lo/ifindex", 7).value(), "1\n");
  EXPECT_EQ(files.ReadAttribute("/sys", "class/net/lo/ifindex", 7).value(), "1\n");
  EXPECT_EQ(files.opens(), 1u);
  EXPECT_EQ(files.ReadAttribute("/sys", "class/net/lo/ifindex", 8).value(), "1\n");
  EXPECT_EQ(files.opens(), 2u);
  EXPECT_EQ(files.open_files(), 1u);
}

TEST(KernelFilesTest, RefusesMoreThanItsBoundAndStaysUsable) {
  KernelFiles files;
  auto small = files.Read("/proc", "meminfo", 16);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.status().code(), core::StatusCode::kInvalidArgument);
  auto whole = files.Read("/proc", "meminfo");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->rfind("MemTotal:", 0), 0u);
}

TEST(KernelFilesTest, AMissingFileIsNotFoundAndNotKept) {
  KernelFiles files;
  auto missing = files.Read("/proc", "no-such-file");
  EXPECT_EQ(missing.status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(files.open_files(), 0u);
}

}  // namespace
}  // namespace vigil::collectors
