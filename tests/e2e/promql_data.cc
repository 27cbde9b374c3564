// Writes the data of the PromQL differential test as remote-write request bodies, one file a
// batch in time order, so the same bytes can be posted to Prometheus and to vigil-server:
// counters with resets, gauges (one NaN), classic histograms, a series with a gap and a
// staleness marker, an info metric, and timestamps that are not aligned to the interval.
//
//   promql-diff-data OUTDIR END_MS
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/number.h"
#include "remote/codec.h"

namespace {

using vigil::core::Labels;
using vigil::remote::SeriesSamples;

constexpr int64_t kInterval = 15'000;
constexpr int64_t kSpan = 3'600'000;  // one hour of data before END_MS
constexpr int kBatchSteps = 20;       // samples per series in one request

struct Generated {
  std::vector<SeriesSamples> series;
};

Generated Generate(int64_t end) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  Generated g;
  g.series.reserve(64);  // add() hands out references that must stay valid
  const int64_t start = end - kSpan;
  auto add = [&](std::initializer_list<std::pair<std::string_view, std::string_view>> labels)
      -> SeriesSamples& {
    g.series.push_back({Labels::FromLiteral(labels), {}});
    return g.series.back();
  };
  const char* instances[] = {"a", "b", "c", "d"};
  const char* jobs[] = {"api", "api", "db", "db"};
  for (int i = 0; i < 4; ++i) {
    // Offsets of a few hundred ms, as real scrapes have.
    const int64_t jitter = 137 * i;
    SeriesSamples& counter =
        add({{"__name__", "diff_requests_total"}, {"instance", instances[i]}, {"job", jobs[i]}});
    SeriesSamples& gauge =
        add({{"__name__", "diff_temperature"}, {"instance", instances[i]}, {"job", jobs[i]}});
    double c = 100 * i, v = 20 + i;
    for (int64_t t = start + jitter; t <= end; t += kInterval) {
      c += std::floor(unit(rng) * 10);
      if (i == 1 && t > start + kSpan / 2 && t <= start + kSpan / 2 + kInterval)
        c = 3;  // a restart
      counter.samples.push_back({t, c});
      v += unit(rng) - 0.5;
      gauge.samples.push_back({t, (i == 2 && t == start + jitter + 40 * kInterval) ? NAN : v});
    }
    const char* bounds[] = {"0.1", "0.5", "1", "5", "+Inf"};
    std::vector<SeriesSamples*> buckets;
    for (const char* le : bounds) {
      buckets.push_back(&add({{"__name__", "diff_latency_seconds_bucket"},
                              {"instance", instances[i]},
                              {"job", jobs[i]},
                              {"le", le}}));
    }
    SeriesSamples& sum = add(
        {{"__name__", "diff_latency_seconds_sum"}, {"instance", instances[i]}, {"job", jobs[i]}});
    SeriesSamples& count = add(
        {{"__name__", "diff_latency_seconds_count"}, {"instance", instances[i]}, {"job", jobs[i]}});
    std::vector<double> cum(5, 0);
    double total = 0;
    for (int64_t t = start + jitter; t <= end; t += kInterval) {
      const int n = static_cast<int>(unit(rng) * 20);
      for (int k = 0; k < n; ++k) {
        const double x = -std::log(1 - unit(rng)) * 0.4 * (i + 1);
        total += x;
        const double limits[] = {0.1, 0.5, 1, 5, INFINITY};
        for (int b = 0; b < 5; ++b) cum[b] += x <= limits[b];
      }
      for (int b = 0; b < 5; ++b) buckets[b]->samples.push_back({t, cum[b]});
      sum.samples.push_back({t, total});
      count.samples.push_back({t, cum[4]});
    }
    SeriesSamples& info = add({{"__name__", "diff_build_info"},
                               {"instance", instances[i]},
                               {"job", jobs[i]},
                               {"version", i < 2 ? "1.0" : "1.1"}});
    for (int64_t t = start + jitter; t <= end; t += kInterval) info.samples.push_back({t, 1});
  }
  // A series with a 10 minute gap, then a staleness marker 40 minutes in, then back again.
  SeriesSamples& gappy = add({{"__name__", "diff_gappy"}, {"instance", "a"}, {"job", "api"}});
  for (int64_t t = start; t <= end; t += kInterval) {
    const int64_t off = t - start;
    if (off > 600'000 && off < 1'200'000) continue;
    const bool stale = off == 2'400'000;
    gappy.samples.push_back(
        {t, stale ? vigil::core::StaleNaN() : static_cast<double>(off / kInterval % 17)});
    if (stale) t += 4 * kInterval;
  }
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s OUTDIR END_MS\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const auto end = vigil::core::ParseInt64(argv[2]);
  if (!end) {
    std::fprintf(stderr, "END_MS must be an integer\n");
    return 2;
  }
  Generated g = Generate(*end);
  // Batches in time order: every series' samples of the same stretch go in one request.
  size_t batch = 0;
  for (size_t offset = 0;; offset += kBatchSteps, ++batch) {
    vigil::remote::WriteRequest req;
    for (const SeriesSamples& s : g.series) {
      if (offset >= s.samples.size()) continue;
      const size_t n = std::min<size_t>(kBatchSteps, s.samples.size() - offset);
      req.series.push_back(
          {s.labels, {s.samples.begin() + offset, s.samples.begin() + offset + n}});
    }
    if (req.series.empty()) break;
    char name[32];
    std::snprintf(name, sizeof name, "/batch-%04zu.bin", batch);
    std::ofstream(dir + name, std::ios::binary) << vigil::remote::EncodeWriteRequest(req);
  }
  std::printf("%zu batches\n", batch);
  return 0;
}
