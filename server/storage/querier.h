#pragma once
// The query interface: all that PromQL and the HTTP API see of storage. A Querier is a view of
// the data as it was when it was opened; it stays valid while blocks are compacted or deleted.
// What it selects is read series by series, so a query holds what it keeps, not all it reads.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/status.h"
#include "server/storage/matcher.h"

namespace vigil::storage {

struct Series {
  core::Labels labels;
  std::vector<core::Sample> samples;  // oldest first, one per timestamp
};

// The series a Select found, one at a time in label order. Each series' samples are read when
// Next reaches it (from the head's chunks or a block's, merged where a series is in several).
// Valid while the Querier that made it is.
class SeriesSet {
 public:
  virtual ~SeriesSet() = default;
  // Moves to the next series; false at the end, or on an error (then status() says which).
  virtual bool Next() = 0;
  // The current series: after a Next that returned true.
  virtual const core::Labels& labels() const = 0;
  // Its samples in the range, oldest first, one per timestamp (none with labels_only). The
  // caller may move them out: Next fills them afresh.
  virtual std::vector<core::Sample>& samples() = 0;
  // DataLoss for a damaged block, ResourceExhausted past SelectHints::max_samples.
  virtual core::Status status() const = 0;
};

struct SelectHints {
  // Only the label sets of series with data in the range (the series API).
  bool labels_only = false;
  // Stop (ResourceExhausted) once more samples than this were read; 0: no limit.
  size_t max_samples = 0;
};

class Querier {
 public:
  virtual ~Querier() = default;
  // Series passing every matcher with samples in [mint, maxt], in label order.
  virtual std::unique_ptr<SeriesSet> Select(const Matchers& matchers, int64_t mint, int64_t maxt,
                                            SelectHints hints = {}) const = 0;
  // Sorted label names of the series passing the matchers (every series when none) in range;
  // with matchers, the series are read, so a damaged block is an error, as for Select.
  virtual core::Result<std::vector<std::string>> LabelNames(const Matchers& matchers, int64_t mint,
                                                            int64_t maxt) const = 0;
  // Sorted values of `name` over the series passing the matchers in range.
  virtual core::Result<std::vector<std::string>> LabelValues(const std::string& name,
                                                             const Matchers& matchers, int64_t mint,
                                                             int64_t maxt) const = 0;
};

// Something a Querier can be opened on (the storage).
class Queryable {
 public:
  virtual ~Queryable() = default;
  virtual std::unique_ptr<Querier> OpenQuerier() const = 0;
};

}  // namespace vigil::storage
