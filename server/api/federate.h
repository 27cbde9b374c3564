#pragma once
// /federate, as Prometheus 2.42 answers it: the newest sample (within the lookback, not a stale
// marker) of every series some match[] selector selects, in the text exposition format with
// its timestamp, grouped by metric name, with the server's external labels added where a series
// has no label of that name. Another Prometheus (or a vigil-agent's [scrape.NAME]) can scrape a
// slice of this server's data from it.
#include <cstdint>
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/status.h"
#include "server/storage/matcher.h"
#include "server/storage/querier.h"

namespace vigil::server {

core::Result<std::string> FederatePage(const storage::Querier& querier,
                                       const std::vector<storage::Matchers>& selectors,
                                       int64_t now_ms, int64_t lookback_ms,
                                       const core::Labels& external_labels);

}  // namespace vigil::server
