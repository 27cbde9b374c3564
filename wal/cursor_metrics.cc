#include "wal/cursor_metrics.h"

namespace vigil::wal {

void AppendCursorMetrics(std::span<const DestinationCursor> cursors,
                         std::vector<core::MetricFamily>* out) {
  if (cursors.empty()) return;
  using core::MetricType;
  core::MetricFamily dropped{"vigil_wal_dropped_samples_total",
                             "Samples given up before the destination acknowledged them: the "
                             "log's size or age cap, the destination's own wal_max_size or "
                             "wal_max_age, or a disk short of room.",
                             MetricType::kCounter,
                             {}};
  core::MetricFamily damaged{"vigil_wal_damaged_samples_total",
                             "Samples the destination will never read because the log was "
                             "damaged: in damaged records, or compressed against them.",
                             MetricType::kCounter,
                             {}};
  core::MetricFamily pending{"vigil_wal_pending_bytes",
                             "Bytes of log not yet read for the destination.",
                             MetricType::kGauge,
                             {}};
  for (const DestinationCursor& d : cursors) {
    const std::vector<core::Label> labels{{"destination", d.destination}};
    dropped.samples.push_back(
        {dropped.name, labels, static_cast<double>(d.cursor->dropped_samples()), std::nullopt});
    damaged.samples.push_back(
        {damaged.name, labels, static_cast<double>(d.cursor->damaged_samples()), std::nullopt});
    pending.samples.push_back(
        {pending.name, labels, static_cast<double>(d.cursor->lag_bytes()), std::nullopt});
  }
  out->push_back(std::move(dropped));
  out->push_back(std::move(damaged));
  out->push_back(std::move(pending));
}

}  // namespace vigil::wal
