#pragma once
// A directory of the running test's own: ctest runs tests in parallel processes, so a fixed
// name would be shared between them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace vigil::testing {

// Removed and made again, empty: TMP/<suite>.<test>.<pid>[.<tag>].
inline std::string FreshTempDir(const std::string& tag = "") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string dir = ::testing::TempDir() + "/" + info->test_suite_name() + "." + info->name() +
                    "." + std::to_string(::getpid()) + (tag.empty() ? "" : "." + tag);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace vigil::testing
