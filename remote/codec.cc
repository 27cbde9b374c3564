#include "remote/codec.h"

#include <snappy.h>

#include <bit>
#include <cstring>
#include <span>

#include "core/coding.h"
#include "remote/write_view.h"

namespace vigil::remote {
namespace {

// Protobuf wire format: a key is (field << 3) | wire type.
constexpr uint8_t kVarint = 0, kFixed64 = 1, kLengthDelimited = 2;
constexpr uint8_t Key(int field, uint8_t type) { return static_cast<uint8_t>((field << 3) | type); }

using core::PutVarint;

size_t StringFieldSize(std::string_view s) {
  return s.empty() ? 0 : 1 + core::VarintLength(s.size()) + s.size();
}

void PutStringField(std::string* out, int field, std::string_view s) {
  if (s.empty()) return;  // proto3 leaves defaults out
  out->push_back(static_cast<char>(Key(field, kLengthDelimited)));
  PutVarint(out, s.size());
  out->append(s);
}

size_t LabelSize(const core::Label& l) {
  return StringFieldSize(l.name) + StringFieldSize(l.value);
}

size_t SampleSize(const core::Sample& s) {
  size_t n = 0;
  if (std::bit_cast<uint64_t>(s.value) != 0) n += 1 + 8;
  if (s.timestamp_ms != 0) n += 1 + core::VarintLength(static_cast<uint64_t>(s.timestamp_ms));
  return n;
}

size_t SeriesSize(const core::Labels& labels, std::span<const core::Sample> samples) {
  size_t n = 0;
  for (const core::Label& l : labels) {
    size_t m = LabelSize(l);
    n += 1 + core::VarintLength(m) + m;
  }
  for (const core::Sample& s : samples) {
    size_t m = SampleSize(s);
    n += 1 + core::VarintLength(m) + m;
  }
  return n;
}

size_t MetadataSize(const MetricMetadata& m) {
  size_t n = StringFieldSize(m.family) + StringFieldSize(m.help) + StringFieldSize(m.unit);
  if (m.type != core::MetricType::kUntyped) n += 2;
  return n;
}

// MetricMetadata.MetricType's numbers in remote_write.proto (the sender needs no protobuf).
uint64_t WireType(core::MetricType t) {
  switch (t) {
    case core::MetricType::kCounter:
      return 1;
    case core::MetricType::kGauge:
      return 2;
    case core::MetricType::kHistogram:
      return 3;
    case core::MetricType::kSummary:
      return 5;
    case core::MetricType::kUntyped:
      return 0;
  }
  return 0;
}

}  // namespace

void AppendTimeSeries(int field, const core::Labels& labels, std::span<const core::Sample> samples,
                      std::string* out) {
  out->push_back(static_cast<char>(Key(field, kLengthDelimited)));
  PutVarint(out, SeriesSize(labels, samples));
  for (const core::Label& l : labels) {
    out->push_back(static_cast<char>(Key(1, kLengthDelimited)));
    PutVarint(out, LabelSize(l));
    PutStringField(out, 1, l.name);
    PutStringField(out, 2, l.value);
  }
  for (const core::Sample& s : samples) {
    out->push_back(static_cast<char>(Key(2, kLengthDelimited)));
    PutVarint(out, SampleSize(s));
    const uint64_t bits = std::bit_cast<uint64_t>(s.value);
    if (bits != 0) {
      out->push_back(static_cast<char>(Key(1, kFixed64)));
      core::PutFixed64(out, bits);
    }
    if (s.timestamp_ms != 0) {
      out->push_back(static_cast<char>(Key(2, kVarint)));
      PutVarint(out, static_cast<uint64_t>(s.timestamp_ms));
    }
  }
}

void MarshalWriteRequest(const WriteRequest& request, std::string* out) {
  size_t total = 0;
  for (const SeriesSamples& ts : request.series) {
    size_t m = SeriesSize(ts.labels, ts.samples);
    total += 1 + core::VarintLength(m) + m;
  }
  out->reserve(out->size() + total + 64 * request.metadata.size());
  for (const SeriesSamples& ts : request.series) AppendTimeSeries(1, ts.labels, ts.samples, out);
  for (const MetricMetadata& m : request.metadata) {
    out->push_back(static_cast<char>(Key(3, kLengthDelimited)));
    PutVarint(out, MetadataSize(m));
    if (m.type != core::MetricType::kUntyped) {
      out->push_back(static_cast<char>(Key(1, kVarint)));
      PutVarint(out, WireType(m.type));
    }
    PutStringField(out, 2, m.family);
    PutStringField(out, 4, m.help);
    PutStringField(out, 5, m.unit);
  }
}

// Snappy's largest expansion: a copy element of three bytes (its tag and a two-byte offset)
// writes at most 64 bytes, and no element writes more per byte it takes.
constexpr size_t kSnappyMaxCopy = 64;

std::string SnappyCompress(std::string_view raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

core::Status SnappyUncompress(std::string_view compressed, size_t max_bytes, std::string* out) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &length)) {
    return core::InvalidArgumentError("snappy: corrupt input (bad length header)");
  }
  if (length > max_bytes) {
    return core::InvalidArgumentError("snappy: uncompressed size " + std::to_string(length) +
                                      " bytes is over the limit of " + std::to_string(max_bytes));
  }
  // The length is the sender's word: a claim no input of this size can honour is refused
  // before the memory is taken, not after.
  if (length > compressed.size() / 3 * kSnappyMaxCopy + kSnappyMaxCopy) {
    return core::InvalidArgumentError("snappy: corrupt input (claims " + std::to_string(length) +
                                      " bytes, more than " + std::to_string(compressed.size()) +
                                      " compressed bytes can hold)");
  }
  out->resize(length);
  if (!snappy::RawUncompress(compressed.data(), compressed.size(), out->data())) {
    out->clear();
    return core::InvalidArgumentError("snappy: corrupt input");
  }
  return core::OkStatus();
}

std::string EncodeWriteRequest(const WriteRequest& request) {
  std::string raw;
  MarshalWriteRequest(request, &raw);
  return SnappyCompress(raw);
}

// The owned form of a decoded request, for callers that keep what they decode (tests, tools);
// the receiver uses WriteRequestView directly.
core::Result<WriteRequest> DecodeWriteRequest(std::string_view body, DecodeLimits limits) {
  WriteRequestView view;
  VIGIL_RETURN_IF_ERROR(view.Decode(body, limits));
  WriteRequest out;
  out.series.reserve(view.size());
  for (size_t i = 0; i < view.size(); ++i) {
    std::vector<core::Label> pairs;
    pairs.reserve(view.labels(i).size());
    for (const core::LabelView& l : view.labels(i))
      pairs.push_back({std::string(l.name), std::string(l.value)});
    VIGIL_ASSIGN_OR_RETURN(core::Labels labels, core::Labels::Create(std::move(pairs)));
    const auto samples = view.samples(i);
    out.series.push_back({std::move(labels), {samples.begin(), samples.end()}});
  }
  out.metadata = std::move(view.metadata());
  return out;
}

}  // namespace vigil::remote
