#pragma once
// Series sets put together: several label-ordered sources (blocks and the head) merged into
// one, a series found in several becoming one with its samples merged.
#include <memory>
#include <vector>

#include "server/storage/querier.h"

namespace vigil::storage {

// Orders samples by time and keeps the first of each timestamp: what is left when the same
// series comes from several places (head and blocks, overlapping blocks).
void SortUniqueByTime(std::vector<core::Sample>* samples);

// One label-ordered set from label-ordered sources. Where sources share a series, the earlier
// source's sample wins a timestamp both have. Counts samples against hints.max_samples.
std::unique_ptr<SeriesSet> MergeSeriesSets(std::vector<std::unique_ptr<SeriesSet>> sources,
                                           SelectHints hints);

// A set that ends at once, with `status` (OK: simply empty).
std::unique_ptr<SeriesSet> EmptySeriesSet(core::Status status = core::OkStatus());

}  // namespace vigil::storage
