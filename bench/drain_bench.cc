// Draining a backlog after an outage: how fast a sender empties the WAL into a receiver on
// loopback that decodes every request. Reported as samples/s and as a multiple of the rate a
// node of 500 series collected every second produces (the target is 20x).
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/http_server.h"
#include "remote/sender.h"

namespace vigil::remote {
namespace {

void BM_DrainBacklog(benchmark::State& state) {
  constexpr int kSeries = 500;
  const int collections = static_cast<int>(state.range(0));
  const size_t shards = static_cast<size_t>(state.range(1));
  uint64_t drained = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir = std::filesystem::temp_directory_path().string() + "/vigil_drain_bench";
    std::filesystem::remove_all(dir);
    core::ManualClock clock(1'700'000'000'000);
    auto wal = std::move(wal::Wal::Open({.dir = dir}, clock)).value();
    std::vector<wal::SeriesRef> refs;
    for (int i = 0; i < kSeries; ++i) {
      refs.push_back(
          wal->Ref(core::Labels::FromLiteral({{"__name__", "node_metric_" + std::to_string(i / 10)},
                                              {"device", std::to_string(i % 10)},
                                              {"job", "node"}})));
    }
    for (int c = 0; c < collections; ++c) {
      std::vector<wal::RefSample> batch;
      for (int i = 0; i < kSeries; ++i) batch.push_back({refs[i], c * 1000LL, c + i * 0.5});
      (void)wal->Append(batch);
    }
    const uint64_t total = static_cast<uint64_t>(collections) * kSeries;
    {
      core::Loop loop;
      uint64_t received = 0;
      auto server = std::move(core::HttpServer::Create(
                                  loop, {.listen = {"127.0.0.1", 0}},
                                  [&received](const core::HttpRequest& r, core::HttpResponder w) {
                                    auto req = DecodeWriteRequest(r.body);
                                    for (const auto& s : req->series) received += s.samples.size();
                                    w.Send(core::HttpResponse::Text(204, ""));
                                  }))
                        .value();
      DestinationConfig config;
      config.name = "bench";
      config.url = *core::ParseUrl("http://127.0.0.1:" + std::to_string(server->address().port) +
                                   "/api/v1/write");
      config.shards = shards;
      // The last, partial window would otherwise wait out the 5 s default deadline.
      config.batch_send_deadline = std::chrono::milliseconds(10);
      core::MetricsRegistry metrics;
      Sender sender(loop, config, *wal->OpenCursor("bench"), clock, metrics, "bench");
      state.ResumeTiming();
      sender.Start();
      while (received < total) loop.RunNoWait();
      state.PauseTiming();
      sender.Stop();
    }
    drained += total;
    wal.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(drained), benchmark::Counter::kIsRate);
  state.counters["x_collection_rate"] =
      benchmark::Counter(static_cast<double>(drained) / kSeries, benchmark::Counter::kIsRate);
}
// A 10-minute backlog of a 500-series node collected every second.
BENCHMARK(BM_DrainBacklog)
    ->Args({600, 1})
    ->Args({600, 4})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace vigil::remote
