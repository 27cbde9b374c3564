#pragma once
// The remote-write body: a protobuf WriteRequest compressed with snappy's block format. The
// encoder writes wire bytes directly (it is the agent's hot path); so does the decoder
// (write_view.h), which refuses what Prometheus refuses, each with a clear reason.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/exposition.h"
#include "core/labels.h"
#include "core/status.h"

namespace vigil::remote {

inline constexpr std::string_view kContentType = "application/x-protobuf";
inline constexpr std::string_view kContentEncoding = "snappy";
inline constexpr std::string_view kProtocolVersion = "0.1.0";

struct SeriesSamples {
  core::Labels labels;
  std::vector<core::Sample> samples;  // oldest first
};

struct MetricMetadata {
  std::string family;
  core::MetricType type = core::MetricType::kUntyped;
  std::string help;
  std::string unit;
};

struct WriteRequest {
  std::vector<SeriesSamples> series;
  std::vector<MetricMetadata> metadata;
};

// A TimeSeries message as field `field` of its parent (1 in both WriteRequest and remote
// read's QueryResult): key, length, labels, samples.
void AppendTimeSeries(int field, const core::Labels& labels, std::span<const core::Sample> samples,
                      std::string* out);
// The protobuf bytes, uncompressed.
void MarshalWriteRequest(const WriteRequest& request, std::string* out);
// Protobuf then snappy: the body of a POST.
std::string EncodeWriteRequest(const WriteRequest& request);

struct DecodeLimits {
  size_t max_uncompressed_bytes = 128u << 20;
  // Real series have tens of labels; thousands are an attack on the index, refused.
  int max_labels_per_series = 512;
};
// Snappy then protobuf, then the checks: every series has labels with valid, sorted, unique
// names, non-empty values and a valid __name__. InvalidArgument names the first problem
// (and the series) found; nothing is returned from a request with a problem.
core::Result<WriteRequest> DecodeWriteRequest(std::string_view body, DecodeLimits limits = {});

std::string SnappyCompress(std::string_view raw);
// Into *out, whose capacity is reused: the receiver decompresses every request.
core::Status SnappyUncompress(std::string_view compressed, size_t max_bytes, std::string* out);

}  // namespace vigil::remote
