#pragma once
// The query interface: all that PromQL and the HTTP API see of storage. A Querier is a view of
// the data as it was when it was opened; it stays valid while blocks are compacted or deleted.
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

struct SelectHints {
  // Only the label sets of series with data in the range (the series API).
  bool labels_only = false;
  // Refuse (ResourceExhausted) once more samples than this would be returned; 0: no limit.
  size_t max_samples = 0;
};

class Querier {
 public:
  virtual ~Querier() = default;
  // Series passing every matcher with samples in [mint, maxt], sorted by labels.
  virtual core::Result<std::vector<Series>> Select(const Matchers& matchers, int64_t mint,
                                                   int64_t maxt, SelectHints hints = {}) const = 0;
  // Sorted label names of the series passing the matchers (every series when none) in range.
  virtual std::vector<std::string> LabelNames(const Matchers& matchers, int64_t mint,
                                              int64_t maxt) const = 0;
  // Sorted values of `name` over the series passing the matchers in range.
  virtual std::vector<std::string> LabelValues(const std::string& name, const Matchers& matchers,
                                               int64_t mint, int64_t maxt) const = 0;
};

// Something a Querier can be opened on (the storage).
class Queryable {
 public:
  virtual ~Queryable() = default;
  virtual std::unique_ptr<Querier> OpenQuerier() const = 0;
};

}  // namespace vigil::storage
