#include "server/promql/parser.h"

#include <gtest/gtest.h>

#include <random>

#include "server/promql/lexer.h"

namespace vigil::promql {
namespace {

// The expression as Prometheus prints it (format_query).
std::string Format(std::string_view q) {
  auto e = ParseExpr(q);
  return e.ok() ? (*e)->String() : "ERROR " + e.status().message();
}

std::string ErrorOf(std::string_view q) {
  auto e = ParseExpr(q);
  return e.ok() ? "parsed: " + (*e)->String() : e.status().message();
}

TEST(ParserTest, PrecedenceAndAssociativity) {
  // Printing does not add parentheses, so the tree is read from the nesting of types.
  auto e = ParseExpr("1 + 2 * 3 ^ 2 ^ 2 - 4");
  ASSERT_TRUE(e.ok());
  const auto& sub = static_cast<const BinaryExpr&>(**e);
  EXPECT_EQ(sub.op, BinaryOp::kSub);
  const auto& add = static_cast<const BinaryExpr&>(*sub.lhs);
  EXPECT_EQ(add.op, BinaryOp::kAdd);
  const auto& mul = static_cast<const BinaryExpr&>(*add.rhs);
  EXPECT_EQ(mul.op, BinaryOp::kMul);
  const auto& pow = static_cast<const BinaryExpr&>(*mul.rhs);
  EXPECT_EQ(pow.op, BinaryOp::kPow);
  EXPECT_EQ(pow.rhs->kind, ExprKind::kBinary);  // ^ is right associative
  EXPECT_EQ(pow.lhs->kind, ExprKind::kNumber);

  // or < and/unless < comparisons.
  auto s = ParseExpr("a or b and c unless d > e");
  ASSERT_TRUE(s.ok());
  const auto& top = static_cast<const BinaryExpr&>(**s);
  EXPECT_EQ(top.op, BinaryOp::kOr);
  EXPECT_EQ(static_cast<const BinaryExpr&>(*top.rhs).op, BinaryOp::kUnless);

  // Unary minus binds like *, below ^: -2 ^ 2 is -(2 ^ 2).
  auto u = ParseExpr("-2 ^ 2");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ((*u)->kind, ExprKind::kUnary);
  auto m = ParseExpr("-a * b");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(static_cast<const BinaryExpr&>(**m).lhs->kind, ExprKind::kUnary);
}

TEST(ParserTest, FormatsAsPrometheus) {
  EXPECT_EQ(Format("sum(rate(foo{job=\"a\",instance!=\"b\"}[5m])) by (job)"),
            "sum by (job) (rate(foo{instance!=\"b\",job=\"a\"}[5m]))");
  EXPECT_EQ(Format("foo offset 1h30m"), "foo offset 1h30m");
  EXPECT_EQ(Format("foo[90m] offset -5m"), "foo[1h30m] offset -5m");
  EXPECT_EQ(Format("foo @ 100"), "foo @ 100.000");
  EXPECT_EQ(Format("foo[5m] @ end() offset 1m"), "foo[5m] @ end() offset 1m");
  EXPECT_EQ(Format("rate(foo[5m])[1h:]"), "rate(foo[5m])[1h:]");
  EXPECT_EQ(Format("max_over_time(foo[1d:5m])"), "max_over_time(foo[1d:5m])");
  EXPECT_EQ(Format("a + on(x) group_left(y) b"), "a + on (x) group_left (y) b");
  EXPECT_EQ(Format("a > bool ignoring(x) b"), "a > bool ignoring (x) b");
  EXPECT_EQ(Format("topk(3, foo) without (a)"), "topk without (a) (3, foo)");
  EXPECT_EQ(Format("count_values(\"v\", foo)"), "count_values(\"v\", foo)");
  EXPECT_EQ(Format("{__name__=~\"a.*\"}"), "{__name__=~\"a.*\"}");
  EXPECT_EQ(Format("0x10 + 1e3 - .5"), "16 + 1000 - 0.5");
  EXPECT_EQ(Format("-Inf"), "-Inf");
  EXPECT_EQ(Format("(1 + 2) * 3 # a comment"), "(1 + 2) * 3");
  EXPECT_EQ(Format("SUM(foo) BY (a)"), "sum by (a) (foo)");
  EXPECT_EQ(Format("'a\\'b' "), "\"a'b\"");
  EXPECT_EQ(Format("`raw\\n`"), "\"raw\\\\n\"");
  EXPECT_EQ(Format("foo:bar{a=\"\\u00e9\"}"), "foo:bar{a=\"\u00e9\"}");
}

// Found by fuzz_promql: an octal literal past int64 threw from std::stoull and ended the
// process. Prometheus's ParseInt fails there and ParseFloat reads the digits as a decimal.
TEST(ParserTest, OctalLiteralPastInt64IsDecimal) {
  EXPECT_EQ(Format("017"), "15");
  EXPECT_EQ(Format("0777777777777777777777"), "9223372036854776000");  // int64 max, as a float
  EXPECT_EQ(Format("01000000000000000000000"), "1000000000000000000000");
  EXPECT_EQ(Format("0/02222222222222222222222222222222"), "0 / 2222222222222222000000000000000");
}

TEST(ParserTest, TypeErrorsAsPrometheus) {
  EXPECT_EQ(ErrorOf("rate(foo)"),
            "1:6: parse error: expected type range vector in call to function \"rate\", got "
            "instant vector");
  EXPECT_EQ(ErrorOf("abs(foo, bar)"),
            "1:1: parse error: expected 1 argument(s) in call to \"abs\", got 2");
  EXPECT_EQ(ErrorOf("round()"),
            "1:1: parse error: expected at least 1 argument(s) in call to \"round\", got 0");
  EXPECT_EQ(ErrorOf("nope(foo)"), "1:1: parse error: unknown function with name \"nope\"");
  EXPECT_EQ(ErrorOf("1 > 2"),
            "1:3: parse error: comparisons between scalars must use BOOL modifier");
  EXPECT_EQ(ErrorOf("a + bool b"),
            "1:3: parse error: bool modifier can only be used on comparison operators");
  EXPECT_EQ(ErrorOf("1 and foo"),
            "1:1: parse error: set operator \"and\" not allowed in binary scalar expression");
  EXPECT_EQ(ErrorOf("a and on(x) group_left b"),
            "1:1: parse error: no grouping allowed for \"and\" operation");
  EXPECT_EQ(ErrorOf("{}"),
            "1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(ErrorOf("{a=~\".*\"}"),
            "1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(ErrorOf("foo{__name__=\"bar\"}"),
            "1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\"");
  EXPECT_EQ(ErrorOf("sum(foo)[5m]"), "1:9: parse error: ranges only allowed for vector selectors");
  EXPECT_EQ(
      ErrorOf("foo[5m][5m:]"),
      "1:1: parse error: subquery is only allowed on instant vector, got range vector instead");
  EXPECT_EQ(ErrorOf("sum(foo) offset 5m"),
            "1:10: parse error: offset modifier must be preceded by an instant vector selector or "
            "range vector selector or a subquery");
  EXPECT_EQ(ErrorOf("foo offset 1m offset 2m"),
            "1:15: parse error: offset may not be set multiple times");
  EXPECT_EQ(
      ErrorOf("foo[5m] + 1"),
      "1:1: parse error: binary expression must contain only scalar and instant vector types");
  // The vector is checked before the parameter, as Prometheus does.
  EXPECT_EQ(
      ErrorOf("topk(foo, 3)"),
      "1:11: parse error: expected type instant vector in aggregation expression, got scalar");
  EXPECT_EQ(ErrorOf("topk(foo, bar)"),
            "1:6: parse error: expected type scalar in aggregation parameter, got instant vector");
  EXPECT_EQ(ErrorOf("a + on(x) group_left(x) b"),
            "1:3: parse error: label \"x\" must not occur in ON and GROUP clause at once");
  EXPECT_EQ(ErrorOf("-foo[5m]"),
            "1:1: parse error: unary expression only allowed on expressions of type scalar or "
            "instant vector, got \"range vector\"");
}

TEST(ParserTest, SyntaxErrorsCarryLineAndColumn) {
  EXPECT_EQ(ErrorOf("sum(foo"),
            "1:8: parse error: unexpected end of input in argument list, expected \",\" or \")\"");
  EXPECT_EQ(ErrorOf("foo{a=1}"),
            "1:7: parse error: unexpected number \"1\" in label matching, expected string");
  EXPECT_EQ(ErrorOf("foo\n  + )"), "2:5: parse error: unexpected \")\"");
  EXPECT_EQ(ErrorOf("\"abc"), "1:1: parse error: unterminated quoted string");
  EXPECT_EQ(ErrorOf("\"\\q\""), "1:2: parse error: unknown escape sequence in string");
  EXPECT_EQ(ErrorOf("foo[5x]"), "1:5: parse error: bad number or duration syntax: \"5x\"");
  EXPECT_NE(ErrorOf("foo{a=~\"(\"}").find("1:5: parse error:"), std::string::npos);
  EXPECT_EQ(ErrorOf("a $ b"), "1:3: parse error: unexpected character: '$'");
}

TEST(ParserTest, Durations) {
  EXPECT_EQ(ParseDurationText("1h30m"), 90 * 60 * 1000);
  EXPECT_EQ(ParseDurationText("1y2w3d4h5m6s7ms"),
            ((((365 + 14 + 3) * 24 + 4) * 60 + 5) * 60 + 6) * 1000LL + 7);
  EXPECT_EQ(ParseDurationText("5m1h"), -1);  // units out of order
  EXPECT_EQ(ParseDurationText("1h1h"), -1);
  EXPECT_EQ(ParseDurationText("h"), -1);
  EXPECT_EQ(ParseDurationText("99999999999999999999s"), -1);
}

TEST(ParserTest, RandomInputNeverCrashes) {
  // Bytes drawn from PromQL's own alphabet so the parser goes deep before it fails.
  const std::string alphabet = "abcsumrate(){}[]<>=!~\"'`,:@+-*/%^0123456789.eEx \n#\\offsetbyon";
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string q;
    const int n = static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) q.push_back(alphabet[rng() % alphabet.size()]);
    auto e = ParseExpr(q);
    if (e.ok()) {
      // What parses prints to something that parses to the same print.
      auto again = ParseExpr((*e)->String());
      ASSERT_TRUE(again.ok()) << q << " -> " << (*e)->String() << ": " << again.status().message();
      EXPECT_EQ((*again)->String(), (*e)->String()) << q;
    } else {
      EXPECT_NE(e.status().message().find("parse error"), std::string::npos) << q;
    }
  }
}

}  // namespace
}  // namespace vigil::promql
