#pragma once
// A remote-write request parsed in place: label names and values are views into the
// uncompressed protobuf bytes the view holds, samples are copied into one flat array. The
// receiver's path: once a view's buffers have grown, decoding a request allocates nothing
// per series, and the storage finds series it already has without building label sets.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "core/status.h"
#include "remote/codec.h"

namespace vigil::remote {

class WriteRequestView {
 public:
  // Snappy, then Parse. The view keeps the uncompressed bytes.
  core::Status Decode(std::string_view body, const DecodeLimits& limits);
  // Protobuf, then the checks DecodeWriteRequest makes. The views point into `raw`, which must
  // outlive this view's use. On error the view is empty.
  core::Status Parse(std::string_view raw, const DecodeLimits& limits);
  // Views into an owned request's label sets (already valid: they are core::Labels).
  void Assign(const WriteRequest& request);

  size_t size() const { return series_.size(); }
  // Sorted by name, names valid and unique, values non-empty UTF-8, __name__ valid.
  std::span<const core::LabelView> labels(size_t i) const {
    const Range& r = series_[i];
    return std::span(labels_.data() + r.labels_begin, r.labels_end - r.labels_begin);
  }
  // In the order sent (oldest first from a well-behaved sender).
  std::span<const core::Sample> samples(size_t i) const {
    const Range& r = series_[i];
    return std::span(samples_.data() + r.samples_begin, r.samples_end - r.samples_begin);
  }
  std::vector<MetricMetadata>& metadata() { return metadata_; }
  // The bytes its buffers hold, for a caller that keeps a view between requests and lets go
  // of one that an unusually large request grew.
  size_t memory() const {
    return raw_.capacity() + labels_.capacity() * sizeof(core::LabelView) +
           samples_.capacity() * sizeof(core::Sample) + series_.capacity() * sizeof(Range) +
           metadata_.capacity() * sizeof(MetricMetadata);
  }
  // Empties the view and gives its buffers back (assigning an empty view would not: a string
  // moved from a short one keeps its own buffer).
  void Release();

 private:
  struct Range {  // series i's part of labels_ and of samples_
    uint32_t labels_begin, labels_end;
    uint32_t samples_begin, samples_end;
  };
  void Clear();
  core::Status ParseSeries(std::string_view bytes, const DecodeLimits& limits);
  core::Status ParseMetadata(std::string_view bytes);

  std::string raw_;
  std::vector<core::LabelView> labels_;
  std::vector<core::Sample> samples_;
  std::vector<Range> series_;
  std::vector<MetricMetadata> metadata_;
};

}  // namespace vigil::remote
