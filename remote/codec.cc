#include "remote/codec.h"

#include <snappy.h>

#include <bit>
#include <cstring>

#include "remote/remote_write.pb.h"

namespace vigil::remote {
namespace {

// Protobuf wire format: a key is (field << 3) | wire type.
constexpr uint8_t kVarint = 0, kFixed64 = 1, kLengthDelimited = 2;
constexpr uint8_t Key(int field, uint8_t type) { return static_cast<uint8_t>((field << 3) | type); }

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

size_t StringFieldSize(std::string_view s) {
  return s.empty() ? 0 : 1 + VarintSize(s.size()) + s.size();
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
  if (s.timestamp_ms != 0) n += 1 + VarintSize(static_cast<uint64_t>(s.timestamp_ms));
  return n;
}

size_t SeriesSize(const SeriesSamples& ts) {
  size_t n = 0;
  for (const core::Label& l : ts.labels) {
    size_t m = LabelSize(l);
    n += 1 + VarintSize(m) + m;
  }
  for (const core::Sample& s : ts.samples) {
    size_t m = SampleSize(s);
    n += 1 + VarintSize(m) + m;
  }
  return n;
}

size_t MetadataSize(const MetricMetadata& m) {
  size_t n = StringFieldSize(m.family) + StringFieldSize(m.help) + StringFieldSize(m.unit);
  if (m.type != core::MetricType::kUntyped) n += 2;
  return n;
}

uint64_t WireType(core::MetricType t) {
  switch (t) {
    case core::MetricType::kCounter:
      return pb::MetricMetadata::COUNTER;
    case core::MetricType::kGauge:
      return pb::MetricMetadata::GAUGE;
    case core::MetricType::kHistogram:
      return pb::MetricMetadata::HISTOGRAM;
    case core::MetricType::kSummary:
      return pb::MetricMetadata::SUMMARY;
    case core::MetricType::kUntyped:
      return pb::MetricMetadata::UNKNOWN;
  }
  return pb::MetricMetadata::UNKNOWN;
}

core::MetricType FromWireType(int t) {
  switch (t) {
    case pb::MetricMetadata::COUNTER:
      return core::MetricType::kCounter;
    case pb::MetricMetadata::GAUGE:
      return core::MetricType::kGauge;
    case pb::MetricMetadata::HISTOGRAM:
    case pb::MetricMetadata::GAUGEHISTOGRAM:
      return core::MetricType::kHistogram;
    case pb::MetricMetadata::SUMMARY:
      return core::MetricType::kSummary;
    default:
      return core::MetricType::kUntyped;
  }
}

std::string Describe(const pb::TimeSeries& ts) {
  std::string out = "{";
  for (int i = 0; i < ts.labels_size(); ++i) {
    if (i > 0) out += ", ";
    out += ts.labels(i).name() + "=\"" + ts.labels(i).value() + "\"";
    if (out.size() > 200) return out + ", ...}";
  }
  return out + "}";
}

core::Status CheckSeries(const pb::TimeSeries& ts, std::vector<core::Label>* labels) {
  bool has_name = false;
  for (int i = 0; i < ts.labels_size(); ++i) {
    const pb::Label& l = ts.labels(i);
    if (!core::IsValidLabelName(l.name())) {
      return core::InvalidArgumentError("invalid label name \"" + l.name() + "\" in series " +
                                        Describe(ts));
    }
    if (i > 0 && ts.labels(i - 1).name() >= l.name()) {
      return core::InvalidArgumentError(
          std::string(ts.labels(i - 1).name() == l.name() ? "duplicate" : "unsorted") +
          " label name \"" + l.name() + "\" in series " + Describe(ts));
    }
    if (l.value().empty()) {
      return core::InvalidArgumentError("empty value for label \"" + l.name() + "\" in series " +
                                        Describe(ts));
    }
    if (!core::IsValidUtf8(l.value())) {
      return core::InvalidArgumentError("label \"" + l.name() + "\" has a value that is not UTF-8");
    }
    if (l.name() == core::kMetricNameLabel) {
      if (!core::IsValidMetricName(l.value())) {
        return core::InvalidArgumentError("invalid metric name \"" + l.value() + "\"");
      }
      has_name = true;
    }
    labels->push_back({l.name(), l.value()});
  }
  if (!has_name) return core::InvalidArgumentError("series without __name__: " + Describe(ts));
  return core::OkStatus();
}

}  // namespace

void MarshalWriteRequest(const WriteRequest& request, std::string* out) {
  size_t total = 0;
  for (const SeriesSamples& ts : request.series) {
    size_t m = SeriesSize(ts);
    total += 1 + VarintSize(m) + m;
  }
  out->reserve(out->size() + total + 64 * request.metadata.size());
  for (const SeriesSamples& ts : request.series) {
    out->push_back(static_cast<char>(Key(1, kLengthDelimited)));
    PutVarint(out, SeriesSize(ts));
    for (const core::Label& l : ts.labels) {
      out->push_back(static_cast<char>(Key(1, kLengthDelimited)));
      PutVarint(out, LabelSize(l));
      PutStringField(out, 1, l.name);
      PutStringField(out, 2, l.value);
    }
    for (const core::Sample& s : ts.samples) {
      out->push_back(static_cast<char>(Key(2, kLengthDelimited)));
      PutVarint(out, SampleSize(s));
      const uint64_t bits = std::bit_cast<uint64_t>(s.value);
      if (bits != 0) {
        out->push_back(static_cast<char>(Key(1, kFixed64)));
        for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(bits >> (8 * i)));
      }
      if (s.timestamp_ms != 0) {
        out->push_back(static_cast<char>(Key(2, kVarint)));
        PutVarint(out, static_cast<uint64_t>(s.timestamp_ms));
      }
    }
  }
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

std::string SnappyCompress(std::string_view raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

core::Result<std::string> SnappyUncompress(std::string_view compressed, size_t max_bytes) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &length)) {
    return core::InvalidArgumentError("snappy: corrupt input (bad length header)");
  }
  if (length > max_bytes) {
    return core::InvalidArgumentError("snappy: uncompressed size " + std::to_string(length) +
                                      " bytes is over the limit of " + std::to_string(max_bytes));
  }
  std::string out(length, '\0');
  if (!snappy::RawUncompress(compressed.data(), compressed.size(), out.data())) {
    return core::InvalidArgumentError("snappy: corrupt input");
  }
  return out;
}

std::string EncodeWriteRequest(const WriteRequest& request) {
  std::string raw;
  MarshalWriteRequest(request, &raw);
  return SnappyCompress(raw);
}

core::Result<WriteRequest> DecodeWriteRequest(std::string_view body, DecodeLimits limits) {
  VIGIL_ASSIGN_OR_RETURN(std::string raw, SnappyUncompress(body, limits.max_uncompressed_bytes));
  pb::WriteRequest msg;
  if (!msg.ParseFromString(raw))
    return core::InvalidArgumentError("protobuf: cannot parse WriteRequest");
  WriteRequest out;
  out.series.reserve(static_cast<size_t>(msg.timeseries_size()));
  for (const pb::TimeSeries& ts : msg.timeseries()) {
    std::vector<core::Label> labels;
    labels.reserve(static_cast<size_t>(ts.labels_size()));
    VIGIL_RETURN_IF_ERROR(CheckSeries(ts, &labels));
    SeriesSamples series;
    auto built = core::Labels::Create(std::move(labels));
    if (!built.ok()) return built.status();
    series.labels = std::move(built).value();
    series.samples.reserve(static_cast<size_t>(ts.samples_size()));
    for (const pb::Sample& s : ts.samples()) series.samples.push_back({s.timestamp(), s.value()});
    out.series.push_back(std::move(series));
  }
  for (const pb::MetricMetadata& m : msg.metadata()) {
    out.metadata.push_back({m.metric_family_name(), FromWireType(m.type()), m.help(), m.unit()});
  }
  return out;
}

}  // namespace vigil::remote
