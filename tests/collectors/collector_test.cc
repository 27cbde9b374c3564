// The file collector: sources read in order, each parsed as soon as it is read; a required file
// missing ends the collection, an optional one is passed over, a fallback path is tried.
#include "collectors/collector.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/core/temp_dir.h"

namespace vigil::collectors {
namespace {

class FileCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = testing::FreshTempDir();
    roots_.procfs = dir + "/proc";
    roots_.rootfs = dir + "/rootfs";
    std::filesystem::create_directories(roots_.procfs);
    std::filesystem::create_directories(roots_.rootfs + "/usr/lib");
  }
  void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
  // Adds a sample named after the text it was given.
  static core::Status Record(std::string_view text, MetricSet* out) {
    out->Add(std::string(text), "", core::MetricType::kGauge, 1);
    return core::OkStatus();
  }
  static std::vector<std::string> Names(MetricSet& set) {
    std::vector<std::string> out;
    for (const auto& f : set.families()) out.push_back(f.name);
    return out;
  }

  Roots roots_;
};

TEST_F(FileCollectorTest, ARequiredFileMissingEndsTheCollectionAfterWhatCameBefore) {
  Write(roots_.procfs + "/a", "a");
  auto c = NewFileCollector("x", roots_, {{ProcFile("a"), Record}, {ProcFile("b"), Record}});
  EXPECT_EQ(c->name(), "x");
  MetricSet set;
  EXPECT_EQ(c->Collect(&set).code(), core::StatusCode::kNotFound);
  EXPECT_EQ(Names(set), std::vector<std::string>{"a"});
}

TEST_F(FileCollectorTest, AnOptionalFileMissingIsPassedOver) {
  Write(roots_.procfs + "/a", "a");
  Write(roots_.procfs + "/c", "c");
  auto c = NewFileCollector("x", roots_,
                            {{ProcFile("a"), Record},
                             {ProcFile("b"), Record, Presence::kOptional},
                             {ProcFile("c"), Record}});
  MetricSet set;
  EXPECT_TRUE(c->Collect(&set).ok());
  EXPECT_EQ(Names(set), (std::vector<std::string>{"a", "c"}));
}

TEST_F(FileCollectorTest, APairIsParsedTogetherAndAParseErrorIsTheCollectorsError) {
  Write(roots_.procfs + "/first", "1");
  Write(roots_.procfs + "/second", "2");
  auto pair = [](std::string_view first, std::string_view second, MetricSet* out) {
    if (first != "1" || second != "2") return core::InvalidArgumentError("out of order");
    return Record("pair", out);
  };
  auto failing = [](std::string_view, MetricSet*) { return core::InvalidArgumentError("bad"); };
  MetricSet set;
  EXPECT_TRUE(NewFileCollector("x", roots_, {{ProcFile("first"), ProcFile("second"), pair}})
                  ->Collect(&set)
                  .ok());
  EXPECT_EQ(Names(set), std::vector<std::string>{"pair"});
  EXPECT_EQ(NewFileCollector("x", roots_, {{ProcFile("first"), failing}})->Collect(&set).message(),
            "bad");
}

TEST_F(FileCollectorTest, ARootfsFileFallsBackToItsOtherPath) {
  Write(roots_.rootfs + "/usr/lib/os-release", "usr");
  auto c =
      NewFileCollector("x", roots_, {{RootfsFile("etc/os-release", "usr/lib/os-release"), Record}});
  MetricSet set;
  EXPECT_TRUE(c->Collect(&set).ok());
  EXPECT_EQ(Names(set), std::vector<std::string>{"usr"});
  MetricSet none;
  EXPECT_EQ(NewFileCollector("x", roots_, {{RootfsFile("etc/os-release"), Record}})
                ->Collect(&none)
                .code(),
            core::StatusCode::kNotFound);
}

}  // namespace
}  // namespace vigil::collectors
