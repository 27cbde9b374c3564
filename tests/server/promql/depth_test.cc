// Expressions anyone can send that nest without end: the parser refuses them with a parse error
// once they pass kMaxExprHeight levels, whatever the construct that nests, and the deepest it
// accepts evaluates on a thread with the stack the server's query threads have.
#include <gtest/gtest.h>
#include <pthread.h>

#include <functional>
#include <string>

#include "core/clock.h"
#include "core/metrics.h"
#include "server/promql/engine.h"
#include "server/promql/parser.h"
#include "server/storage/storage.h"
#include "tests/core/temp_dir.h"

namespace vigil::promql {
namespace {

std::string Repeat(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Each construct that can nest, `levels` times around or after a vector.
struct Shape {
  const char* name;
  std::function<std::string(int levels)> build;
};

const Shape kShapes[] = {
    {"parentheses", [](int n) { return Repeat("(", n) + "vector(1)" + Repeat(")", n); }},
    {"function calls", [](int n) { return Repeat("abs(", n) + "vector(1)" + Repeat(")", n); }},
    {"aggregations", [](int n) { return Repeat("sum(", n) + "vector(1)" + Repeat(")", n); }},
    {"unary minus", [](int n) { return Repeat("-", n) + "vector(1)"; }},
    {"unary minus of a number", [](int n) { return Repeat("-", n) + "1"; }},
    {"left-associative +", [](int n) { return "vector(1)" + Repeat(" + vector(1)", n); }},
    {"scalar +", [](int n) { return "1" + Repeat("+1", n); }},
    {"right-associative ^", [](int n) { return "vector(1)" + Repeat(" ^ vector(1)", n); }},
    {"subqueries",
     [](int n) { return Repeat("max_over_time(", n) + "vector(1)" + Repeat("[1m:])", n); }},
    {"label_replace",
     [](int n) {
       return Repeat("label_replace(", n) + "vector(1)" + Repeat(", \"a\", \"b\", \"\", \"\")", n);
     }},
};

// The server parses and evaluates on libuv's pool threads, which libuv gives 8 MB of stack.
void OnPoolSizedStack(const std::function<void()>& f) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 8u << 20);
  pthread_t thread;
  auto run = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, run, const_cast<std::function<void()>*>(&f)), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

TEST(DepthTest, TooDeepIsAParseErrorForEveryConstruct) {
  for (const Shape& shape : kShapes) {
    SCOPED_TRACE(shape.name);
    for (int levels : {kMaxExprHeight + 1, 100'000}) {
      auto e = ParseExpr(shape.build(levels));
      ASSERT_FALSE(e.ok());
      EXPECT_EQ(e.status().code(), core::StatusCode::kInvalidArgument);
      EXPECT_NE(
          e.status().message().find("parse error: expression nests more than 1000 levels deep"),
          std::string::npos)
          << e.status().message();
    }
  }
}

TEST(DepthTest, TheDeepestAcceptedEvaluatesOnAQueryThreadsStack) {
  const std::string dir = testing::FreshTempDir();
  storage::StorageOptions options;
  options.dir = dir;
  core::ManualClock clock{0};
  core::MetricsRegistry metrics;
  auto storage = storage::Storage::Open(options, clock, metrics);
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  const Engine engine(**storage, EngineOptions{});

  for (const Shape& shape : kShapes) {
    SCOPED_TRACE(shape.name);
    // A level of some constructs is more than one node: the most levels that still parse.
    int levels = kMaxExprHeight;
    auto e = ParseExpr(shape.build(levels));
    while (!e.ok() && levels > 1) e = ParseExpr(shape.build(--levels));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_GE(levels, kMaxExprHeight / 2 - 1);
    OnPoolSizedStack([&] {
      // Five minutes at 15s steps: the depth, not the steps, is what is under test.
      auto result = engine.RangeQuery(**e, 0, 300'000, 15'000);
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      ASSERT_EQ(result->matrix.size(), 1u);
      EXPECT_EQ(result->matrix[0].points.size(), 21u);
      // Printing walks the whole tree too, and must give back what parses to the same.
      auto again = ParseExpr((*e)->String());
      ASSERT_TRUE(again.ok()) << again.status().ToString();
      EXPECT_EQ((*again)->String(), (*e)->String());
    });
  }
}

}  // namespace
}  // namespace vigil::promql
