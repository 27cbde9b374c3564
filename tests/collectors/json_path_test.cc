#include "collectors/json_path.h"

#include <gtest/gtest.h>

#include <random>

namespace vigil::collectors {
namespace {

constexpr char kDoc[] = R"({
  "ID": "abc", "Count": 3, "Flags": [true, false, null, {"x": [1, 2.5e3, "s"]}],
  "Config": {"Image": "grafana/grafana:10.2.0", "Labels": {"io.kubernetes.pod.name": "web-1"},
             "Env": ["A=1", "B=\"2\""]},
  "Name": "\/web \u00e9\ud83d\ude00 tab\there",
  "Empty": {}
})";

TEST(JsonPathTest, FindsStringsByPath) {
  EXPECT_EQ(JsonStringAt(kDoc, {"ID"}), "abc");
  EXPECT_EQ(JsonStringAt(kDoc, {"Config", "Image"}), "grafana/grafana:10.2.0");
  EXPECT_EQ(JsonStringAt(kDoc, {"Config", "Labels", "io.kubernetes.pod.name"}), "web-1");
  EXPECT_EQ(JsonStringAt(kDoc, {"Name"}), "/web \xc3\xa9\xf0\x9f\x98\x80 tab\there");
}

TEST(JsonPathTest, AnythingElseIsNothing) {
  EXPECT_EQ(JsonStringAt(kDoc, {"Count"}), std::nullopt);   // a number
  EXPECT_EQ(JsonStringAt(kDoc, {"Config"}), std::nullopt);  // an object
  EXPECT_EQ(JsonStringAt(kDoc, {"Config", "Nope"}), std::nullopt);
  EXPECT_EQ(JsonStringAt(kDoc, {"Empty", "x"}), std::nullopt);
  EXPECT_EQ(JsonStringAt(kDoc, {"ID", "deeper"}), std::nullopt);  // a string is not an object
  EXPECT_EQ(JsonStringAt("[1,2]", {"a"}), std::nullopt);
  EXPECT_EQ(JsonStringAt(R"({"a":"\x"})", {"a"}), std::nullopt);        // bad escape
  EXPECT_EQ(JsonStringAt(R"({"a":"\ud83d"})", {"a"}), std::nullopt);    // a lone surrogate
  EXPECT_EQ(JsonStringAt(std::string(200, '{'), {"a"}), std::nullopt);  // too deep
}

TEST(JsonPathTest, TruncationAtEveryOffsetAndRandomBytesNeverCrash) {
  const std::string doc = kDoc;
  for (size_t cut = 0; cut < doc.size(); ++cut) {
    auto v = JsonStringAt(std::string_view(doc).substr(0, cut),
                          {"Config", "Labels", "io.kubernetes.pod.name"});
    if (v) {
      EXPECT_EQ(*v, "web-1") << cut;  // found before the cut, or nothing
    }
  }
  std::mt19937 rng(17);
  const std::string alphabet = "{}[]\":,\\u0aA ";
  for (int i = 0; i < 20000; ++i) {
    std::string junk(rng() % 48, '\0');
    for (char& c : junk) c = alphabet[rng() % alphabet.size()];
    (void)JsonStringAt(junk, {"a", "b"});
  }
}

}  // namespace
}  // namespace vigil::collectors
