// Remote-write encoding: protobuf then snappy for requests shaped like an agent's (one sample
// per series per collection, node_exporter-like label sets), and the server's decoding.
#include <benchmark/benchmark.h>

#include "remote/codec.h"
#include "remote/write_view.h"

namespace vigil::remote {
namespace {

WriteRequest NodeRequest(int series, int samples_per_series) {
  WriteRequest r;
  for (int i = 0; i < series; ++i) {
    SeriesSamples s{core::Labels::FromLiteral({{"__name__", "node_network_receive_bytes_total"},
                                               {"device", "eth" + std::to_string(i)},
                                               {"instance", "edge-01"},
                                               {"job", "node"},
                                               {"region", "eu-west"}}),
                    {}};
    for (int k = 0; k < samples_per_series; ++k) {
      s.samples.push_back({1'700'000'000'000 + k * 15'000LL, 123456789.0 + i * 1000 + k * 17});
    }
    r.series.push_back(std::move(s));
  }
  return r;
}

void BM_EncodeWriteRequest(benchmark::State& state) {
  const WriteRequest r =
      NodeRequest(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const size_t samples = static_cast<size_t>(state.range(0) * state.range(1));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string body = EncodeWriteRequest(r);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * samples), benchmark::Counter::kIsRate);
  state.counters["body_bytes/sample"] = static_cast<double>(bytes) / static_cast<double>(samples);
}
// A live collection (2000 series, one sample each) and a backlog batch (100 series x 20).
BENCHMARK(BM_EncodeWriteRequest)->Args({2000, 1})->Args({100, 20});

void BM_DecodeWriteRequest(benchmark::State& state) {
  const std::string body = EncodeWriteRequest(NodeRequest(2000, 1));
  for (auto _ : state) {
    auto r = DecodeWriteRequest(body);
    benchmark::DoNotOptimize(r);
  }
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(state.iterations() * 2000),
                                                   benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeWriteRequest);

// What the receiver does: one view, reused request after request.
void BM_WriteRequestViewDecode(benchmark::State& state) {
  const std::string body = EncodeWriteRequest(NodeRequest(2000, 1));
  WriteRequestView view;
  for (auto _ : state) {
    core::Status st = view.Decode(body, {});
    benchmark::DoNotOptimize(st);
  }
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(state.iterations() * 2000),
                                                   benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WriteRequestViewDecode);

}  // namespace
}  // namespace vigil::remote
