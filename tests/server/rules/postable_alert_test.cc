#include "server/rules/postable_alert.h"

#include <gtest/gtest.h>

#include "tests/core/json_value.h"

namespace vigil::rules {
namespace {

TEST(PostableAlertTest, EveryField) {
  NotifierAlert a;
  a.labels = core::Labels::FromLiteral({{"alertname", "Down"}, {"job", "node"}});
  a.annotations = {{"summary", "<b>\"down\"</b>\n"}};
  a.starts_at_ms = 1'700'000'000'123;
  a.ends_at_ms = 1'700'000'300'000;
  a.generator_url = "http://vigil:9090/graph?g0.expr=up&g0.tab=1";
  std::string out;
  AppendPostableAlert(&out, a);
  // Go's encoder escapes <, > and & too; Alertmanager reads them back the same.
  EXPECT_EQ(out, R"({"labels":{"alertname":"Down","job":"node"},)"
                 R"("annotations":{"summary":"\u003cb\u003e\"down\"\u003c/b\u003e\n"},)"
                 R"("startsAt":"2023-11-14T22:13:20.123Z","endsAt":"2023-11-14T22:18:20.000Z",)"
                 R"("generatorURL":"http://vigil:9090/graph?g0.expr=up\u0026g0.tab=1"})");
  std::optional<testing::JsonValue> parsed = testing::JsonReader::Parse(out);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->Find("annotations")->Str("summary"), "<b>\"down\"</b>\n");
  EXPECT_EQ(parsed->Str("generatorURL"), a.generator_url);
}

TEST(PostableAlertTest, UnsetTimesAndGeneratorUrlAreLeftOut) {
  NotifierAlert a;
  a.labels = core::Labels::FromLiteral({{"alertname", "Bare"}});
  std::string out;
  AppendPostableAlert(&out, a);
  EXPECT_EQ(out, R"({"labels":{"alertname":"Bare"},"annotations":{}})");
}

}  // namespace
}  // namespace vigil::rules
