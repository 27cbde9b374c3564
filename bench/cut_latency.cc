// How long appends wait while the head is cut into a block: storage is filled with SERIES
// series x 3.5 h at 15 s (the head spans more than 1.5 block ranges, so the next maintenance
// pass cuts the oldest 2 h), then one thread appends a request of 2,000 current samples after
// another, as the receiver does, while another runs the maintenance pass. Prints the cut's
// duration and the percentiles of append latency (open to commit) during it and before it.
// Not a Google Benchmark: the figure is a distribution under a concurrent event.
//   cut_latency [SERIES]   (default 20000)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "server/storage/storage.h"

namespace vigil {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kStep = 15'000;

std::vector<core::Labels> MakeSeries(int n) {
  std::vector<core::Labels> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    out.push_back(core::Labels::FromLiteral({{"__name__", "load_metric_" + std::to_string(i % 100)},
                                             {"instance", "agent-" + std::to_string(i / 1000)},
                                             {"job", "load"},
                                             {"series_id", std::to_string(i)}}));
  }
  return out;
}

// Samples at `t` for series [from, from + count), one Add per series, as a request of them.
bool Append(storage::Storage& s, const std::vector<core::Labels>& series, size_t from, size_t count,
            int64_t t) {
  auto batch = s.OpenAppender();
  for (size_t i = from; i < from + count && i < series.size(); ++i) {
    const core::Sample sample{t, static_cast<double>((t / kStep + i) % 1000)};
    if (!batch->Add(series[i], std::span(&sample, 1)).ok()) return false;
  }
  return batch->Commit().ok();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

void Print(const char* what, const std::vector<double>& ms) {
  std::printf("%-16s %6zu appends: p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n", what, ms.size(),
              Percentile(ms, 0.5), Percentile(ms, 0.99),
              ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()));
}

int Run(int n) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vigil-cut-latency-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  core::MetricsRegistry metrics;
  storage::StorageOptions options;
  options.dir = dir;
  auto opened = storage::Storage::Open(options, core::SystemClock::Get(), metrics);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  storage::Storage& s = **opened;
  const std::vector<core::Labels> series = MakeSeries(n);
  // 3.5 h of history, ending at a block boundary plus 1.5 h, so the cut takes 2 h.
  const int64_t range = options.block_range_ms;
  const int64_t start = (core::SystemClock::Get().NowUnixMillis() / range - 2) * range;
  const int64_t end = start + range * 7 / 4;
  for (int64_t t = start; t < end; t += kStep) {
    for (size_t from = 0; from < series.size(); from += 2000) {
      if (!Append(s, series, from, 2000, t)) return 1;
    }
  }
  std::printf("%d series, %lld samples each in the head\n", n,
              static_cast<long long>((end - start) / kStep));

  std::atomic<int> phase{0};  // 0: before the cut, 1: during it, 2: done
  std::vector<double> before, during;
  std::thread writer([&] {
    int64_t t = end;
    size_t from = 0;
    while (phase.load() < 2) {
      const auto t0 = Clock::now();
      const int p = phase.load();
      if (!Append(s, series, from, 2000, t)) std::abort();
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      (p == 0 ? before : during).push_back(ms);
      from += 2000;
      if (from >= series.size()) from = 0, t += kStep;
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  phase = 1;
  const auto cut_start = Clock::now();
  const core::Status maintained = s.Maintain();
  const double cut_s = std::chrono::duration<double>(Clock::now() - cut_start).count();
  phase = 2;
  writer.join();
  if (!maintained.ok() || s.blocks().empty()) {
    std::fprintf(stderr, "no cut: %s\n", maintained.ToString().c_str());
    return 1;
  }
  std::printf("maintenance pass (cut of %zu block(s)): %.2f s\n", s.blocks().size(), cut_s);
  Print("before the cut", before);
  Print("during the cut", during);
  opened->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace vigil

int main(int argc, char** argv) { return vigil::Run(argc > 1 ? std::atoi(argv[1]) : 20000); }
