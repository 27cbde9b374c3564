#pragma once
// The agent's side of the write-ahead log. Each collection is appended to the log; while the
// log cannot take it (disk full, data_dir read-only or missing) collections wait in memory,
// up to a bound, and go in as soon as it can. The log is synced every second on the thread
// pool, its caps are applied, and everything is reported as vigil_wal_* metrics.
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "core/clock.h"
#include "core/labels.h"
#include "core/metrics.h"
#include "core/uv.h"
#include "wal/wal.h"

namespace vigil::agent {

// A series' label set is held at once by the node target's cache, the staleness tracker
// and the collections waiting for the log: shared, not copied for every sample of every
// interval.
using SharedLabels = std::shared_ptr<const core::Labels>;

struct LabeledSample {
  SharedLabels labels;
  int64_t timestamp_ms = 0;
  double value = 0;
};

struct SampleLogOptions {
  wal::WalOptions wal;
  // A cursor for each: the log keeps their data from the first collection on. The cursors
  // saved in the log are opened too (those of destinations removed since, which keep their
  // place), except `delete_cursors`, which are deleted.
  std::vector<std::string> destinations;
  std::vector<std::string> delete_cursors;
  // About 40 bytes a sample plus labels: the default holds several minutes of a busy node.
  size_t max_buffered_samples = 200'000;
  std::chrono::milliseconds sync_interval{1000};
  std::chrono::milliseconds retry_interval{5000};
};

class SampleLog {
 public:
  SampleLog(core::Loop& loop, SampleLogOptions options, const core::Clock& clock,
            core::MetricsRegistry& metrics);
  ~SampleLog();
  SampleLog(const SampleLog&) = delete;
  SampleLog& operator=(const SampleLog&) = delete;

  // Opens the log if it can; if not, says why and keeps trying. Never fails. `on_open` runs
  // once the log is open; `on_appended` after each collection that went in.
  void Start(std::function<void(wal::Wal&)> on_open, std::function<void()> on_appended);
  // Appends one collection, or holds it in memory while the log refuses.
  void Append(std::vector<LabeledSample> batch);
  // The open log (for the destinations' cursors), or null while it cannot be opened.
  wal::Wal* wal() { return wal_.get(); }
  // A reload changed the destinations: the cursors to open or delete when the log opens. The
  // caller applies them to a log already open itself (OpenCursor, DeleteUnusedCursors).
  void SetCursors(std::vector<std::string> destinations, std::vector<std::string> delete_cursors);
  // Deletes those of `names` that are open or saved and not a destination's: logged.
  void DeleteUnusedCursors(const std::vector<std::string>& names);
  // Begins the last sync; Stopped() once no sync is running.
  void Stop();
  bool Stopped() const { return !sync_in_flight_; }

  size_t buffered_samples() const { return buffered_samples_; }
  uint64_t buffer_dropped_samples() const { return buffer_dropped_; }

 private:
  void TryOpen();
  // Writes held collections, oldest first; stops at the first refusal.
  void Flush();
  core::Status Write(const std::vector<LabeledSample>& batch);
  void Sync();
  // The vigil_wal_* self-metrics, when /metrics is served.
  void AppendSelfMetrics(std::vector<core::MetricFamily>* out) const;

  core::Loop& loop_;
  SampleLogOptions options_;
  const core::Clock& clock_;
  // shared: a sync running on the thread pool keeps the log alive past the agent's stop.
  std::shared_ptr<wal::Wal> wal_;
  std::deque<std::vector<LabeledSample>> buffer_;
  size_t buffered_samples_ = 0;
  uint64_t buffer_dropped_ = 0;
  uint64_t open_failures_ = 0;
  uint64_t sync_failures_ = 0;
  double last_sync_seconds_ = 0;
  bool sync_in_flight_ = false;
  bool stopping_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for sync completions
  std::string last_error_;                                      // logged once per change
  core::Timer sync_timer_;
  core::Timer retry_timer_;
  std::vector<wal::RefSample> refs_scratch_;
  std::function<void(wal::Wal&)> on_open_;
  std::function<void()> on_appended_;
};

}  // namespace vigil::agent
