// The hot paths of core: CRC32C over WAL-sized records, the exposition format (what every
// scrape and /metrics page costs), and the HTTP request parser.
#include <benchmark/benchmark.h>

#include <string>

#include "core/crc32c.h"
#include "core/exposition.h"
#include "core/http_parser.h"

namespace vigil::core {
namespace {

void BM_Crc32c(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(crc32c::Value(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(64)->Arg(4096)->Arg(32768);

void BM_Crc32cPortable(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state)
    benchmark::DoNotOptimize(crc32c::ExtendPortable(0, data.data(), data.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cPortable)->Arg(4096);

// A page shaped like node_exporter's: families of a few labelled series.
std::string NodePage(int families) {
  std::string page;
  for (int f = 0; f < families; ++f) {
    MetricFamily fam{"node_metric_" + std::to_string(f) + "_total",
                     "A counter of the node.",
                     MetricType::kCounter,
                     {}};
    for (int s = 0; s < 8; ++s) {
      fam.samples.push_back({fam.name,
                             {{"cpu", std::to_string(s)}, {"mode", "user"}},
                             123456.789 * (s + 1),
                             std::nullopt});
    }
    AppendFamily(&page, fam);
  }
  return page;
}

void BM_ExpositionParse(benchmark::State& state) {
  std::string page = NodePage(static_cast<int>(state.range(0)));
  size_t samples = 0;
  for (auto _ : state) {
    auto r = ParseExposition(page);
    samples += r->samples.size();
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * page.size()));
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExpositionParse)->Arg(100);

void BM_ExpositionWrite(benchmark::State& state) {
  MetricFamily fam{
      "node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", MetricType::kCounter, {}};
  for (int s = 0; s < 800; ++s) {
    fam.samples.push_back(
        {fam.name, {{"cpu", std::to_string(s / 8)}, {"mode", "user"}}, 1.5e6 + s, std::nullopt});
  }
  for (auto _ : state) {
    std::string out;
    AppendFamily(&out, fam);
    benchmark::DoNotOptimize(out);
  }
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(state.iterations() * 800),
                                                   benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExpositionWrite);

void BM_HttpParseRequest(benchmark::State& state) {
  const std::string request =
      "POST /api/v1/write HTTP/1.1\r\nHost: central:9090\r\nUser-Agent: vigil-agent/0.1.0\r\n"
      "Content-Encoding: snappy\r\nContent-Type: application/x-protobuf\r\n"
      "X-Prometheus-Remote-Write-Version: 0.1.0\r\nContent-Length: 4096\r\n\r\n" +
      std::string(4096, 'p');
  for (auto _ : state) {
    HttpParser p(HttpParser::Kind::kRequest, {});
    size_t used = 0;
    benchmark::DoNotOptimize(p.Feed(request, &used));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * request.size()));
}
BENCHMARK(BM_HttpParseRequest);

}  // namespace
}  // namespace vigil::core
