// Appending node-shaped data to the WAL: samples per second on one core and bytes per sample
// on disk. Two mixes of series, collected every 15 s with one timestamp per collection:
//
// node: as node_exporter 1.5 measured on this machine (507 series, two scrapes 15 s apart):
//   76% unchanged, 12% integer counters, 5% counters in 0.01 s ticks, 7% noise such as
//   node_scrape_collector_duration_seconds (every digit changes).
// pessimistic: 40% unchanged, 30% integer counters, 15% tick counters, 10% memory gauges
//   jumping by up to 16 GB, 5% two-decimal gauges jumping anywhere.
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "wal/wal.h"

namespace vigil::wal {
namespace {

enum Kind { kConstant, kCounter, kTicks, kMemory, kDecimal, kNoise };

struct Mix {
  int constant, counter, ticks, memory, decimal, noise;  // percent
};
constexpr Mix kNodeMix{76, 12, 5, 0, 0, 7};
constexpr Mix kPessimisticMix{40, 30, 15, 10, 5, 0};

class NodeShape {
 public:
  NodeShape(int series, Mix mix) : rng_(42) {
    const int bounds[] = {mix.constant, mix.counter, mix.ticks, mix.memory, mix.decimal, mix.noise};
    for (int i = 0; i < series; ++i) {
      int pick = i % 100, kind = 0;
      while (pick >= bounds[kind]) pick -= bounds[kind++];
      kinds_.push_back(static_cast<Kind>(kind));
      values_.push_back(kind == kMemory ? 4096.0 * (rng_() % 4000000)
                                        : static_cast<double>(rng_() % 100000));
      labels_.push_back(
          core::Labels::FromLiteral({{"__name__", "node_metric_" + std::to_string(i / 8)},
                                     {"device", "dev" + std::to_string(i % 8)},
                                     {"instance", "edge-01"},
                                     {"job", "node"}}));
    }
  }
  // Moves every series on by one collection.
  void Step() {
    for (size_t i = 0; i < values_.size(); ++i) {
      switch (kinds_[i]) {
        case kConstant:
          break;
        case kCounter:
          values_[i] += static_cast<double>(rng_() % 5000);
          break;
        case kTicks:
          values_[i] =
              std::round((values_[i] + static_cast<double>(rng_() % 1500) / 100) * 100) / 100;
          break;
        case kMemory:
          values_[i] = 4096.0 * (rng_() % 4000000);
          break;
        case kDecimal:
          values_[i] = static_cast<double>(rng_() % 800) / 100;
          break;
        case kNoise:
          values_[i] = static_cast<double>(rng_() % 1000000) * 1e-9 + 1e-5;
          break;
      }
    }
  }
  size_t size() const { return values_.size(); }
  const core::Labels& labels(size_t i) const { return labels_[i]; }
  double value(size_t i) const { return values_[i]; }

 private:
  std::mt19937_64 rng_;
  std::vector<int> kinds_;
  std::vector<double> values_;
  std::vector<core::Labels> labels_;
};

void AppendBatches(benchmark::State& state, Mix mix) {
  const std::string dir = std::filesystem::temp_directory_path().string() + "/vigil_wal_bench";
  std::filesystem::remove_all(dir);
  core::ManualClock clock(1'700'000'000'000);
  auto wal = Wal::Open({.dir = dir, .max_size = 8ull << 30}, clock);
  NodeShape node(static_cast<int>(state.range(0)), mix);
  std::vector<SeriesRef> refs;
  for (size_t i = 0; i < node.size(); ++i) refs.push_back((*wal)->Ref(node.labels(i)));
  std::vector<RefSample> batch(node.size());
  int64_t t = 1'700'000'000'000;
  uint64_t samples = 0;
  for (auto _ : state) {
    state.PauseTiming();
    node.Step();
    t += 15'000;
    for (size_t i = 0; i < node.size(); ++i) batch[i] = {refs[i], t, node.value(i)};
    state.ResumeTiming();
    if (!(*wal)->Append(batch).ok()) state.SkipWithError("append failed");
    samples += batch.size();
  }
  const WalStats stats = (*wal)->stats();
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  state.counters["bytes/sample"] = static_cast<double>(stats.bytes) / static_cast<double>(samples);
  wal->reset();
  std::filesystem::remove_all(dir);
}
// Reading 12 hours of node data back through a fresh cursor each iteration, as a sender
// catching up or the server's replay does: samples per second.
void BM_WalReadNode(benchmark::State& state) {
  const std::string dir = std::filesystem::temp_directory_path().string() + "/vigil_wal_read_bench";
  std::filesystem::remove_all(dir);
  core::ManualClock clock(1'700'000'000'000);
  auto wal = Wal::Open({.dir = dir, .max_size = 8ull << 30}, clock);
  NodeShape node(static_cast<int>(state.range(0)), kNodeMix);
  std::vector<SeriesRef> refs;
  for (size_t i = 0; i < node.size(); ++i) refs.push_back((*wal)->Ref(node.labels(i)));
  std::vector<RefSample> batch(node.size());
  int64_t t = 1'700'000'000'000;
  for (int c = 0; c < 2880; ++c) {
    node.Step();
    t += 15'000;
    for (size_t i = 0; i < node.size(); ++i) batch[i] = {refs[i], t, node.value(i)};
    if (!(*wal)->Append(batch).ok()) state.SkipWithError("append failed");
  }
  uint64_t samples = 0;
  int n = 0;
  std::vector<Cursor::Sample> got;
  for (auto _ : state) {
    Cursor* cursor = *(*wal)->OpenCursor("reader" + std::to_string(n++));
    do {
      got.clear();
      if (!cursor->Read(10000, &got).ok()) state.SkipWithError("read failed");
      samples += got.size();
    } while (!got.empty());
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  wal->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_WalReadNode)->Arg(500)->Unit(benchmark::kMillisecond);

void BM_WalAppendNode(benchmark::State& state) { AppendBatches(state, kNodeMix); }
void BM_WalAppendPessimistic(benchmark::State& state) { AppendBatches(state, kPessimisticMix); }
BENCHMARK(BM_WalAppendNode)->Arg(500)->Arg(5000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WalAppendPessimistic)->Arg(500)->Arg(5000)->Unit(benchmark::kMicrosecond);
// bytes/sample above depends on how many iterations the library chose (series records and
// segment starts are spread over them). These run a fixed 12 hours of 15 s collections, so
// that two builds' figures compare: filter on "iterations".
constexpr int kCollectionsIn12h = 2880;
BENCHMARK(BM_WalAppendNode)
    ->Arg(500)
    ->Arg(5000)
    ->Iterations(kCollectionsIn12h)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WalAppendPessimistic)
    ->Arg(500)
    ->Arg(5000)
    ->Iterations(kCollectionsIn12h)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vigil::wal
