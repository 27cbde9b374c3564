// What the receiver does with a remote-write request once it has the body, without the
// network: snappy and protobuf into a reused view, then the samples appended to a real Storage
// (its WAL written, not synced). Requests are shaped like an agent's collection: 2000 series of
// node_exporter-like labels, one sample each. "Live" sends the same series again and again (the
// steady state); "NewSeries" sends series the head has never seen (churn).
#include <benchmark/benchmark.h>

#include <filesystem>

#include "core/clock.h"
#include "core/metrics.h"
#include "remote/codec.h"
#include "remote/write_view.h"
#include "server/api/receiver.h"
#include "server/storage/storage.h"

namespace vigil {
namespace {

constexpr int kSeries = 2000;

std::string Body(int first_series, int64_t t) {
  remote::WriteRequest r;
  for (int i = first_series; i < first_series + kSeries; ++i) {
    r.series.push_back({core::Labels::FromLiteral({{"__name__", "node_network_receive_bytes_total"},
                                                   {"device", "eth" + std::to_string(i)},
                                                   {"instance", "edge-01"},
                                                   {"job", "node"},
                                                   {"region", "eu-west"}}),
                        {{t, 123456789.0 + i * 1000 + static_cast<double>(t / 1000)}}});
  }
  return remote::EncodeWriteRequest(r);
}

struct Bench {
  Bench() {
    dir = std::filesystem::temp_directory_path() / ("receiver_bench." + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    storage::StorageOptions o;
    o.dir = dir;
    storage = std::move(storage::Storage::Open(o, clock, metrics)).value();
  }
  ~Bench() {
    storage.reset();
    std::filesystem::remove_all(dir);
  }
  core::Status Receive(const std::string& body) {
    VIGIL_RETURN_IF_ERROR(view.Decode(body, {}));
    return server::StoreWriteRequest(view, *storage).status();
  }
  std::filesystem::path dir;
  core::ManualClock clock{0};
  core::MetricsRegistry metrics;
  std::unique_ptr<storage::Storage> storage;
  remote::WriteRequestView view;
};

void Run(benchmark::State& state, bool new_series) {
  Bench b;
  constexpr int kBodies = 64;  // encoded up front: the encoding is the sender's cost
  std::vector<std::string> bodies;
  int64_t t = 1'700'000'000'000;
  int round = 0;
  auto refill = [&] {
    bodies.clear();
    for (int k = 0; k < kBodies; ++k, t += 15'000, ++round)
      bodies.push_back(Body(new_series ? round * kSeries : 0, t));
  };
  refill();
  size_t next = 0;
  for (auto _ : state) {
    if (next == bodies.size()) {
      state.PauseTiming();
      refill();
      next = 0;
      state.ResumeTiming();
    }
    core::Status st = b.Receive(bodies[next++]);
    if (!st.ok()) state.SkipWithError(st.message().c_str());
  }
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kSeries), benchmark::Counter::kIsRate);
}

void BM_ReceiveLive(benchmark::State& state) { Run(state, false); }
void BM_ReceiveNewSeries(benchmark::State& state) { Run(state, true); }
BENCHMARK(BM_ReceiveLive)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ReceiveNewSeries)->Unit(benchmark::kMicrosecond)->Iterations(300);

}  // namespace
}  // namespace vigil
