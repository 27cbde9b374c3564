// Series churn, as pods coming and going make it, through the server's storage and through the
// agent's log, with what each holds printed every step: the memory must stay flat however many
// series have been made since the start.
//
// Server: a head with a block range of one minute of sample time; each step makes SERIES_PER_STEP
// new series with 30 s of samples, then runs maintenance (cuts, compaction, retention of 10
// minutes). Prints series made so far, series in the head, ids numbered, RSS.
// Agent: a log of 64 KB segments; each step appends a collection in which a tenth of the
// container series are new and a tenth gone. Prints label sets the writer remembers and RSS.
//   churn [TOTAL_SERIES] [SERIES_PER_STEP]   (default 40000000 200000)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "server/storage/storage.h"
#include "wal/wal.h"

namespace vigil {
namespace {

long RssMb() {
  std::ifstream status("/proc/self/status");
  std::string key;
  long kb = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> kb;
      break;
    }
  }
  return kb / 1024;
}

std::string TempDir(const char* what) {
  auto dir = std::filesystem::temp_directory_path() /
             ("vigil-churn-" + std::string(what) + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

int Server(long total, long per_step) {
  core::MetricsRegistry metrics;
  storage::StorageOptions options;
  options.dir = TempDir("server");
  options.block_range_ms = 60'000;
  options.retention_ms = 600'000;
  auto opened = storage::Storage::Open(options, core::SystemClock::Get(), metrics);
  if (!opened.ok()) return std::fprintf(stderr, "%s\n", opened.status().ToString().c_str()), 1;
  storage::Storage& s = **opened;
  const auto start = std::chrono::steady_clock::now();
  std::printf("server: %11s %12s %12s %8s %8s\n", "made", "head series", "ids", "RSS MB",
              "seconds");
  long made = 0;
  for (long step = 0; made < total; ++step) {
    const int64_t t0 = 1'700'000'000'000 + step * 30'000;
    for (long from = 0; from < per_step; from += 2000) {
      auto batch = s.OpenAppender();
      for (long i = from; i < from + 2000 && i < per_step; ++i) {
        const core::Labels labels =
            core::Labels::FromLiteral({{"__name__", "container_cpu_usage_seconds_total"},
                                       {"namespace", "ns-" + std::to_string((made + i) % 50)},
                                       {"pod", "pod-" + std::to_string(made + i)}});
        const core::Sample samples[] = {{t0, 1}, {t0 + 15'000, 2}};
        if (!batch->Add(labels, samples).ok())
          return std::fprintf(stderr, "refused at %ld\n", made + i), 1;
      }
      core::Result<storage::AppendResult> committed = batch->Commit();
      if (!committed.ok())
        return std::fprintf(stderr, "refused: %s\n", committed.status().ToString().c_str()), 1;
    }
    made += per_step;
    if (core::Status m = s.Maintain(); !m.ok())
      return std::fprintf(stderr, "%s\n", m.ToString().c_str()), 1;
    if (step % 10 == 0 || made >= total) {
      std::printf("server: %11ld %12llu %12zu %8ld %8.0f\n", made,
                  static_cast<unsigned long long>(s.head().stats().series), s.head().numbered(),
                  RssMb(),
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      std::fflush(stdout);
    }
  }
  opened->reset();
  std::filesystem::remove_all(options.dir);
  return 0;
}

int Agent(long total) {
  wal::WalOptions options;
  options.dir = TempDir("agent");
  options.segment_size = 64 * 1024;
  options.max_size = 64ull << 20;
  auto opened = wal::Wal::Open(options, core::SystemClock::Get());
  if (!opened.ok()) return std::fprintf(stderr, "%s\n", opened.status().ToString().c_str()), 1;
  wal::Wal& w = **opened;
  (void)w.OpenCursor("central");
  constexpr long kContainers = 2000;  // at once; a tenth replaced every collection
  std::printf("agent:  %11s %12s %8s\n", "made", "remembered", "RSS MB");
  long first = 0;
  std::vector<wal::RefSample> refs;
  for (long step = 0; first + kContainers < total; ++step) {
    w.ForgetUnusedRefs();
    refs.clear();
    for (long c = first; c < first + kContainers; ++c) {
      const core::Labels labels =
          core::Labels::FromLiteral({{"__name__", "container_memory_working_set_bytes"},
                                     {"id", "/kubepods/pod" + std::to_string(c)}});
      refs.push_back({w.Ref(labels), 1'700'000'000'000 + step * 15'000, static_cast<double>(c)});
    }
    if (core::Status a = w.Append(refs); !a.ok())
      return std::fprintf(stderr, "%s\n", a.ToString().c_str()), 1;
    first += kContainers / 10;
    if (step % 2000 == 0) {
      w.DeleteOldSegments();
      std::printf("agent:  %11ld %12zu %8ld\n", first + kContainers, w.remembered_refs(), RssMb());
      std::fflush(stdout);
    }
  }
  opened->reset();
  std::filesystem::remove_all(options.dir);
  return 0;
}

}  // namespace
}  // namespace vigil

int main(int argc, char** argv) {
  const long total = argc > 1 ? std::atol(argv[1]) : 40'000'000;
  const long per_step = argc > 2 ? std::atol(argv[2]) : 200'000;
  if (int rc = vigil::Server(total, per_step); rc != 0) return rc;
  return vigil::Agent(total / 10);
}
