#include "agent/sample_log.h"

#include <algorithm>

#include "core/log.h"
#include "wal/cursor_metrics.h"

namespace vigil::agent {

SampleLog::SampleLog(core::Loop& loop, SampleLogOptions options, const core::Clock& clock,
                     core::MetricsRegistry& metrics)
    : loop_(loop),
      options_(std::move(options)),
      clock_(clock),
      sync_timer_(loop, [this] { Sync(); }),
      retry_timer_(loop, [this] {
        if (!wal_) TryOpen();
        Flush();
      }) {
  metrics.AddCollector([this](std::vector<core::MetricFamily>* out) { AppendSelfMetrics(out); });
}

SampleLog::~SampleLog() { *alive_ = false; }

void SampleLog::Start(std::function<void(wal::Wal&)> on_open, std::function<void()> on_appended) {
  on_open_ = std::move(on_open);
  on_appended_ = std::move(on_appended);
  TryOpen();
  if (options_.wal.fsync == wal::FsyncPolicy::kInterval) {
    sync_timer_.Start(options_.sync_interval, options_.sync_interval);
  }
  retry_timer_.Start(options_.retry_interval, options_.retry_interval);
}

void SampleLog::TryOpen() {
  auto opened = wal::Wal::Open(options_.wal, clock_);
  if (!opened.ok()) {
    ++open_failures_;
    if (opened.status().message() != last_error_) {
      last_error_ = opened.status().message();
      core::LogError("cannot open the write-ahead log; holding samples in memory",
                     {{"dir", options_.wal.dir},
                      {"err", last_error_},
                      {"max_buffered_samples", options_.max_buffered_samples}});
    }
    return;
  }
  wal_ = std::shared_ptr<wal::Wal>(std::move(opened).value());
  last_error_.clear();
  DeleteUnusedCursors(options_.delete_cursors);
  std::vector<std::string> names = wal_->SavedCursorNames();
  names.insert(names.end(), options_.destinations.begin(), options_.destinations.end());
  for (const std::string& name : names) {
    auto cursor = wal_->OpenCursor(name);
    if (!cursor.ok())
      core::LogError("cannot open WAL cursor",
                     {{"destination", name}, {"err", cursor.status().message()}});
  }
  const wal::WalStats s = wal_->stats();
  core::LogInfo("write-ahead log open", {{"dir", options_.wal.dir},
                                         {"segments", s.segments},
                                         {"bytes", s.bytes},
                                         {"torn_tail_bytes", s.torn_tail_bytes}});
  if (on_open_) on_open_(*wal_);
}

void SampleLog::SetCursors(std::vector<std::string> destinations,
                           std::vector<std::string> delete_cursors) {
  options_.destinations = std::move(destinations);
  options_.delete_cursors = std::move(delete_cursors);
}

void SampleLog::DeleteUnusedCursors(const std::vector<std::string>& names) {
  if (!wal_) return;
  const std::vector<std::string> saved = wal_->SavedCursorNames();
  for (const std::string& name : names) {
    const auto& d = options_.destinations;
    if (std::find(d.begin(), d.end(), name) != d.end()) continue;
    bool open = false;
    for (const wal::Cursor* c : wal_->cursors()) open = open || c->name() == name;
    if (!open && std::find(saved.begin(), saved.end(), name) == saved.end()) continue;
    core::Status s = wal_->DeleteCursor(name);
    if (s.ok()) {
      core::LogInfo("WAL cursor deleted ([agent] delete_cursors)", {{"destination", name}});
    } else {
      core::LogError("cannot delete WAL cursor", {{"destination", name}, {"err", s.message()}});
    }
  }
}

core::Status SampleLog::Write(const std::vector<LabeledSample>& batch) {
  wal_->ForgetUnusedRefs();  // containers that are gone: once a segment, before refs are held
  refs_scratch_.clear();
  for (const LabeledSample& s : batch)
    refs_scratch_.push_back({wal_->Ref(*s.labels), s.timestamp_ms, s.value});
  return wal_->Append(refs_scratch_);
}

void SampleLog::Append(std::vector<LabeledSample> batch) {
  if (batch.empty()) return;
  buffered_samples_ += batch.size();
  buffer_.push_back(std::move(batch));
  // Over the bound, the oldest collections go: the newest data is what an operator needs.
  while (buffered_samples_ > options_.max_buffered_samples && buffer_.size() > 1) {
    buffered_samples_ -= buffer_.front().size();
    buffer_dropped_ += buffer_.front().size();
    buffer_.pop_front();
  }
  Flush();
}

void SampleLog::Flush() {
  if (!wal_) return;
  bool wrote = false;
  while (!buffer_.empty()) {
    core::Status s = Write(buffer_.front());
    if (!s.ok()) {
      if (s.message() != last_error_) {
        last_error_ = s.message();
        core::LogError("cannot write to the write-ahead log; holding samples in memory",
                       {{"err", last_error_}, {"buffered_samples", buffered_samples_}});
      }
      break;
    }
    buffered_samples_ -= buffer_.front().size();
    buffer_.pop_front();
    wrote = true;
    if (!last_error_.empty()) {
      core::LogInfo("writing to the write-ahead log again", {{"dir", options_.wal.dir}});
      last_error_.clear();
    }
  }
  if (wrote && on_appended_) on_appended_();
}

void SampleLog::Sync() {
  if (!wal_ || sync_in_flight_) return;
  sync_in_flight_ = true;
  wal_->DeleteOldSegments();
  auto log = wal_;
  auto alive = alive_;
  auto result = std::make_shared<std::pair<core::Status, double>>();
  core::QueueWork(
      loop_,
      [log, result] {
        auto start = std::chrono::steady_clock::now();
        result->first = log->Sync();
        result->second =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      },
      [this, alive, result] {
        if (!*alive) return;
        sync_in_flight_ = false;
        last_sync_seconds_ = result->second;
        if (!result->first.ok()) {
          ++sync_failures_;
          core::LogError("write-ahead log sync failed", {{"err", result->first.message()}});
        }
        if (stopping_) sync_timer_.Stop();
      });
}

void SampleLog::Stop() {
  stopping_ = true;
  retry_timer_.Stop();
  sync_timer_.Stop();
  Sync();
}

void SampleLog::AppendSelfMetrics(std::vector<core::MetricFamily>* out) const {
  using core::MetricType;
  auto one = [out](std::string name, std::string help, MetricType type, double v) {
    out->push_back({name, std::move(help), type, {{name, {}, v, std::nullopt}}});
  };
  wal::WalStats s = wal_ ? wal_->stats() : wal::WalStats{};
  one("vigil_wal_open", "1 when the write-ahead log is open for writing.", MetricType::kGauge,
      wal_ ? 1 : 0);
  one("vigil_wal_segments", "Segments of the write-ahead log on disk.", MetricType::kGauge,
      static_cast<double>(s.segments));
  one("vigil_wal_bytes", "Bytes of the write-ahead log on disk.", MetricType::kGauge,
      static_cast<double>(s.bytes));
  one("vigil_wal_samples_appended_total", "Samples appended to the write-ahead log.",
      MetricType::kCounter, static_cast<double>(s.samples_appended));
  one("vigil_wal_corruptions_total", "Damaged ranges of the write-ahead log skipped by readers.",
      MetricType::kCounter, static_cast<double>(s.corruptions));
  one("vigil_wal_corrupted_bytes_total", "Bytes of the write-ahead log dropped as damaged.",
      MetricType::kCounter, static_cast<double>(s.corrupted_bytes));
  one("vigil_wal_cursor_resets_total",
      "Cursor files found unreadable or pointing outside the log, restarted at the oldest data.",
      MetricType::kCounter, static_cast<double>(s.cursor_resets));
  one("vigil_wal_torn_tail_bytes_total", "Bytes of torn records cut off when the log was opened.",
      MetricType::kCounter, static_cast<double>(s.torn_tail_bytes));
  one("vigil_wal_append_failures_total", "Appends the disk refused (full, read-only, I/O error).",
      MetricType::kCounter, static_cast<double>(s.append_failures));
  one("vigil_wal_open_failures_total", "Failed attempts to open the write-ahead log.",
      MetricType::kCounter, static_cast<double>(open_failures_));
  one("vigil_wal_sync_failures_total", "Failed fsyncs of the write-ahead log.",
      MetricType::kCounter, static_cast<double>(sync_failures_));
  one("vigil_wal_last_sync_duration_seconds",
      "How long the last fsync of the write-ahead log took.", MetricType::kGauge,
      last_sync_seconds_);
  if (wal_) {
    std::vector<wal::DestinationCursor> cursors;
    for (const wal::Cursor* c : wal_->cursors()) cursors.push_back({c->name(), c});
    wal::AppendCursorMetrics(cursors, out);
  }
  one("vigil_wal_buffered_samples", "Samples held in memory because the log could not take them.",
      MetricType::kGauge, static_cast<double>(buffered_samples_));
  one("vigil_wal_buffer_dropped_samples_total",
      "Samples dropped because the in-memory buffer was full while the log refused writes.",
      MetricType::kCounter, static_cast<double>(buffer_dropped_));
}

}  // namespace vigil::agent
