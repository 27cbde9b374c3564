#pragma once
// The write interface: all that the remote-write receiver, recording rules and alert series
// see of storage. Writes come as label sets and samples, never as a wire format.
#include <cstddef>
#include <memory>
#include <span>

#include "core/labels.h"
#include "core/status.h"

namespace vigil::storage {

struct AppendResult {
  size_t samples = 0;       // new samples stored
  size_t out_of_order = 0;  // of which older than their series' newest
  size_t duplicates = 0;    // same timestamp and value as already stored: ignored
};

// One batch of writes. Add each series' samples, then Commit: what was added is stored, logged
// first, or (on a Commit error) nothing is. Until Commit nothing is visible to queries, and an
// appender dropped without Commit stores nothing: a writer that must be all or nothing (the
// receiver: a request with one bad series is refused whole) stops at the first refused Add.
// An appender holds the storage's append lock from its opening to Commit or its end, so
// batches are written one at a time and should be opened when their data is ready.
class Appender {
 public:
  virtual ~Appender() = default;
  // InvalidArgument, as Prometheus words it, for a sample the series cannot take (older than
  // the out-of-order window, or another value at a timestamp the series has): nothing of this
  // call is kept; what earlier calls added stays. The labels must be valid, sorted and unique,
  // and stay where they are until Commit.
  virtual core::Status Add(std::span<const core::LabelView> labels,
                           std::span<const core::Sample> samples) = 0;
  virtual core::Status Add(const core::Labels& labels, std::span<const core::Sample> samples) = 0;
  // Unavailable (the log cannot be written) or ResourceExhausted: nothing was stored; try the
  // batch again later. Once only.
  virtual core::Result<AppendResult> Commit() = 0;
};

// Something appenders can be opened on (the storage).
class Appendable {
 public:
  virtual ~Appendable() = default;
  virtual std::unique_ptr<Appender> OpenAppender() = 0;
};

}  // namespace vigil::storage
