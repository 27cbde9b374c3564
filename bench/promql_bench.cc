// Parsing what a client may send, at the sizes a request allows: the parser must stay linear
// in the query's length, whether the query is wide (many matchers, many terms side by side) or
// refused for nesting too deep. Each reports bytes/s; a quadratic parser shows as a rate that
// falls with the argument.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "server/promql/parser.h"

namespace vigil::promql {
namespace {

// One selector with as many matchers as fit in `bytes`.
std::string WideSelector(size_t bytes) {
  std::string q = "{__name__=\"up\"";
  for (int i = 0; q.size() < bytes; ++i)
    q += ",l" + std::to_string(i) + "=\"" + std::to_string(i) + "\"";
  return q + "}";
}

// Sums of rates added pairwise, ((a + b) + (c + d)) + ...: a tree as wide as the query is long
// and only as deep as its logarithm.
std::string BalancedSum(size_t bytes) {
  std::vector<std::string> terms;
  for (size_t size = 0; size < bytes;) {
    terms.push_back("sum by (job) (rate(a{job=\"" + std::to_string(terms.size()) + "\"}[5m]))");
    size += terms.back().size() + 5;
  }
  while (terms.size() > 1) {
    std::vector<std::string> next;
    for (size_t i = 0; i + 1 < terms.size(); i += 2)
      next.push_back("(" + terms[i] + " + " + terms[i + 1] + ")");
    if (terms.size() % 2 == 1) next.push_back(terms.back());
    terms.swap(next);
  }
  return terms[0];
}

// `1+1+1...`: nests a level a term, refused once past the limit (the parse must get there in
// time linear in what it read, and not read further than the lexer's one pass).
std::string LongChain(size_t bytes) {
  std::string q = "1";
  while (q.size() < bytes) q += "+1";
  return q;
}

void Parse(benchmark::State& state, const std::string& q, bool want_ok) {
  for (auto _ : state) {
    auto e = ParseExpr(q);
    if (e.ok() != want_ok) state.SkipWithError(e.ok() ? "parsed" : e.status().message().c_str());
    benchmark::DoNotOptimize(e);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * q.size()));
}

void BM_ParseWideSelector(benchmark::State& state) {
  Parse(state, WideSelector(static_cast<size_t>(state.range(0))), true);
}
void BM_ParseBalancedSum(benchmark::State& state) {
  Parse(state, BalancedSum(static_cast<size_t>(state.range(0))), true);
}
void BM_ParseLongChainRefused(benchmark::State& state) {
  Parse(state, LongChain(static_cast<size_t>(state.range(0))), false);
}
BENCHMARK(BM_ParseWideSelector)->Arg(64 << 10)->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseBalancedSum)
    ->Arg(64 << 10)
    ->Arg(1 << 20)
    ->Arg(4 << 20)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseLongChainRefused)->Arg(64 << 10)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::promql
