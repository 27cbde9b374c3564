#pragma once
// The per-destination vigil_wal_* families, one name for the agent's destinations and the
// server's forwarding destinations, so that one dashboard and one alert serve both:
//   vigil_wal_dropped_samples_total{destination}  given up for a cap or a bound
//   vigil_wal_damaged_samples_total{destination}  dropped because the log was damaged
//   vigil_wal_pending_bytes{destination}          log not yet read for it
#include <span>
#include <string>
#include <vector>

#include "core/exposition.h"
#include "wal/cursor.h"

namespace vigil::wal {

struct DestinationCursor {
  std::string destination;  // the label value
  const Cursor* cursor;
};

// Appends the three families (none when `cursors` is empty).
void AppendCursorMetrics(std::span<const DestinationCursor> cursors,
                         std::vector<core::MetricFamily>* out);

}  // namespace vigil::wal
