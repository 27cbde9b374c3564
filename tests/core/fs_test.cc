#include "core/fs.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "tests/core/temp_dir.h"

namespace vigil::core {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WriteAllTest, WritesEveryPartInOrderPastTheStackBatch) {
  const std::string path = testing::FreshTempDir() + "/out";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid());
  std::vector<std::string> owned;
  std::string want;
  for (int i = 0; i < 20; ++i) {
    owned.push_back(i % 3 == 0 ? "" : std::string(static_cast<size_t>(i * 1000), char('a' + i)));
    want += owned.back();
  }
  std::vector<std::string_view> parts(owned.begin(), owned.end());
  ASSERT_TRUE(WriteAll(fd.get(), parts, "write").ok());
  ASSERT_TRUE(WriteAll(fd.get(), std::string_view("tail"), "write").ok());
  EXPECT_EQ(ReadFile(path), want + "tail");
}

TEST(WriteAllTest, AFailureNamesTheWrite) {
  const std::string path = testing::FreshTempDir() + "/out";
  ASSERT_TRUE(WriteFileAtomic(path, "x").ok());
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  Status s = WriteAll(fd.get(), std::string_view("data"), "write " + path);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("write " + path + ": ", 0), 0u) << s.message();
}

TEST(WriteFileAtomicTest, ReplacesTheWholeFile) {
  const std::string path = testing::FreshTempDir() + "/cursor";
  ASSERT_TRUE(WriteFileAtomic(path, "a longer first version\n").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "v2\n").ok());
  EXPECT_EQ(ReadFile(path), "v2\n");
}

}  // namespace
}  // namespace vigil::core
