// One full collection of every default collector over this machine's /proc and /sys: CPU
// time and heap allocations per collection (operator new is counted in this binary).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "collectors/collector_set.h"
#include "collectors/collectors.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace vigil::collectors {
namespace {

void BM_FullCollection(benchmark::State& state) {
  Roots roots;
  CollectorSet node(DefaultCollectors(roots, core::SystemClock::Get()), core::SystemClock::Get(),
                    roots.files);
  size_t samples = 0;
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    auto families = node.Collect();
    samples = 0;
    for (const auto& f : families) samples += f.samples.size();
    benchmark::DoNotOptimize(families);
  }
  state.counters["allocations/collection"] =
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations());
  state.counters["samples"] = static_cast<double>(samples);
  state.counters["collectors"] = static_cast<double>(node.size());
}
BENCHMARK(BM_FullCollection)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vigil::collectors
