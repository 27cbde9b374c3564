// Reads the protobuf wire format of remote_write.proto by hand (remote/wire_reader.h).
#include "remote/write_view.h"

#include <bit>
#include <cstring>

#include "remote/wire_reader.h"

namespace vigil::remote {
namespace {

using wire::kBytes;
using wire::kFixed64;
using wire::kVarint;
using wire::WireReader;
using wire::WireType;
using wire::WireTypeError;

core::Status Malformed(const std::string& what) {
  return core::InvalidArgumentError("protobuf: cannot parse WriteRequest: " + what);
}

std::string Describe(std::span<const core::LabelView> labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out.append(labels[i].name).append("=\"").append(labels[i].value).append("\"");
    if (out.size() > 200) return out + ", ...}";
  }
  return out + "}";
}

// What Prometheus refuses in a series' labels, with the first problem named.
core::Status CheckLabels(std::span<const core::LabelView> labels) {
  bool has_name = false;
  for (size_t i = 0; i < labels.size(); ++i) {
    const core::LabelView& l = labels[i];
    auto refuse = [&](std::string what) {
      return core::InvalidArgumentError(std::move(what) + " in series " + Describe(labels));
    };
    if (!core::IsValidLabelName(l.name))
      return refuse("invalid label name \"" + std::string(l.name) + "\"");
    if (i > 0 && labels[i - 1].name >= l.name) {
      return refuse(std::string(labels[i - 1].name == l.name ? "duplicate" : "unsorted") +
                    " label name \"" + std::string(l.name) + "\"");
    }
    if (l.value.empty()) return refuse("empty value for label \"" + std::string(l.name) + "\"");
    if (!core::IsValidUtf8(l.value)) {
      return core::InvalidArgumentError("label \"" + std::string(l.name) +
                                        "\" has a value that is not UTF-8");
    }
    if (l.name == core::kMetricNameLabel) {
      if (!core::IsValidMetricName(l.value))
        return core::InvalidArgumentError("invalid metric name \"" + std::string(l.value) + "\"");
      has_name = true;
    }
  }
  if (!has_name) return core::InvalidArgumentError("series without __name__: " + Describe(labels));
  return core::OkStatus();
}

core::MetricType FromWireType(uint64_t t) {
  switch (t) {  // MetricMetadata.MetricType in remote_write.proto
    case 1:
      return core::MetricType::kCounter;
    case 2:
      return core::MetricType::kGauge;
    case 3:  // histogram
    case 4:  // gauge histogram
      return core::MetricType::kHistogram;
    case 5:
      return core::MetricType::kSummary;
    default:
      return core::MetricType::kUntyped;
  }
}

core::Status ParseLabel(std::string_view bytes, core::LabelView* out) {
  WireReader r(bytes);
  while (!r.done()) {
    uint32_t field = 0;
    WireType type{};
    if (!r.Key(&field, &type)) return Malformed("bad key in Label");
    if (field == 1 || field == 2) {
      if (type != kBytes) return Malformed(WireTypeError("Label", field, type));
      if (!r.Bytes(field == 1 ? &out->name : &out->value)) return Malformed("truncated Label");
    } else if (!r.Skip(field, type)) {
      return Malformed("truncated Label");
    }
  }
  return core::OkStatus();
}

core::Status ParseSample(std::string_view bytes, core::Sample* out) {
  WireReader r(bytes);
  while (!r.done()) {
    uint32_t field = 0;
    WireType type{};
    if (!r.Key(&field, &type)) return Malformed("bad key in Sample");
    if (field == 1) {
      uint64_t bits = 0;
      if (type != kFixed64) return Malformed(WireTypeError("Sample", field, type));
      if (!r.Fixed64(&bits)) return Malformed("truncated Sample");
      out->value = std::bit_cast<double>(bits);
    } else if (field == 2) {
      uint64_t t = 0;
      if (type != kVarint) return Malformed(WireTypeError("Sample", field, type));
      if (!r.Varint(&t)) return Malformed("truncated Sample");
      out->timestamp_ms = static_cast<int64_t>(t);
    } else if (!r.Skip(field, type)) {
      return Malformed("truncated Sample");
    }
  }
  return core::OkStatus();
}

}  // namespace

void WriteRequestView::Clear() {
  labels_.clear();
  samples_.clear();
  series_.clear();
  metadata_.clear();
}

void WriteRequestView::Release() {
  std::string().swap(raw_);
  std::vector<core::LabelView>().swap(labels_);
  std::vector<core::Sample>().swap(samples_);
  std::vector<Range>().swap(series_);
  std::vector<MetricMetadata>().swap(metadata_);
}

core::Status WriteRequestView::Decode(std::string_view body, const DecodeLimits& limits) {
  Clear();
  VIGIL_RETURN_IF_ERROR(SnappyUncompress(body, limits.max_uncompressed_bytes, &raw_));
  return Parse(raw_, limits);
}

core::Status WriteRequestView::Parse(std::string_view raw, const DecodeLimits& limits) {
  Clear();
  WireReader r(raw);
  core::Status status;
  while (status.ok() && !r.done()) {
    uint32_t field = 0;
    WireType type{};
    std::string_view bytes;
    if (!r.Key(&field, &type)) {
      status = Malformed("bad key in WriteRequest");
    } else if (field == 1 || field == 3) {
      if (type != kBytes) {
        status = Malformed(WireTypeError("WriteRequest", field, type));
      } else if (!r.Bytes(&bytes)) {
        status = Malformed("truncated WriteRequest");
      } else {
        status = field == 1 ? ParseSeries(bytes, limits) : ParseMetadata(bytes);
      }
    } else if (!r.Skip(field, type)) {
      status = Malformed("truncated WriteRequest");
    }
  }
  if (!status.ok()) Clear();
  return status;
}

core::Status WriteRequestView::ParseSeries(std::string_view bytes, const DecodeLimits& limits) {
  const Range range{static_cast<uint32_t>(labels_.size()), 0,
                    static_cast<uint32_t>(samples_.size()), 0};
  WireReader r(bytes);
  while (!r.done()) {
    uint32_t field = 0;
    WireType type{};
    std::string_view message;
    if (!r.Key(&field, &type)) return Malformed("bad key in TimeSeries");
    if (field != 1 && field != 2) {
      if (!r.Skip(field, type)) return Malformed("truncated TimeSeries");
      continue;
    }
    if (type != kBytes) return Malformed(WireTypeError("TimeSeries", field, type));
    if (!r.Bytes(&message)) return Malformed("truncated TimeSeries");
    if (field == 1) {
      // Counted as they come: a million labels are refused before they are all read.
      if (labels_.size() - range.labels_begin >=
          static_cast<size_t>(limits.max_labels_per_series)) {
        return core::InvalidArgumentError("series with more than the " +
                                          std::to_string(limits.max_labels_per_series) +
                                          " labels allowed");
      }
      labels_.emplace_back();
      VIGIL_RETURN_IF_ERROR(ParseLabel(message, &labels_.back()));
    } else {
      samples_.emplace_back();
      VIGIL_RETURN_IF_ERROR(ParseSample(message, &samples_.back()));
    }
  }
  series_.push_back({range.labels_begin, static_cast<uint32_t>(labels_.size()), range.samples_begin,
                     static_cast<uint32_t>(samples_.size())});
  return CheckLabels(labels(series_.size() - 1));
}

core::Status WriteRequestView::ParseMetadata(std::string_view bytes) {
  MetricMetadata m;
  WireReader r(bytes);
  while (!r.done()) {
    uint32_t field = 0;
    WireType type{};
    if (!r.Key(&field, &type)) return Malformed("bad key in MetricMetadata");
    std::string_view text;
    std::string* into = field == 2   ? &m.family
                        : field == 4 ? &m.help
                        : field == 5 ? &m.unit
                                     : nullptr;
    if (field == 1) {
      uint64_t t = 0;
      if (type != kVarint) return Malformed(WireTypeError("MetricMetadata", field, type));
      if (!r.Varint(&t)) return Malformed("truncated MetricMetadata");
      m.type = FromWireType(t);
    } else if (into != nullptr) {
      if (type != kBytes) return Malformed(WireTypeError("MetricMetadata", field, type));
      if (!r.Bytes(&text)) return Malformed("truncated MetricMetadata");
      // proto3 strings are UTF-8; these end up in JSON answers.
      if (!core::IsValidUtf8(text)) return Malformed("MetricMetadata text is not UTF-8");
      into->assign(text);
    } else if (!r.Skip(field, type)) {
      return Malformed("truncated MetricMetadata");
    }
  }
  metadata_.push_back(std::move(m));
  return core::OkStatus();
}

void WriteRequestView::Assign(const WriteRequest& request) {
  Clear();
  for (const SeriesSamples& s : request.series) {
    Range range{static_cast<uint32_t>(labels_.size()), 0, static_cast<uint32_t>(samples_.size()),
                0};
    for (const core::Label& l : s.labels) labels_.push_back({l.name, l.value});
    samples_.insert(samples_.end(), s.samples.begin(), s.samples.end());
    range.labels_end = static_cast<uint32_t>(labels_.size());
    range.samples_end = static_cast<uint32_t>(samples_.size());
    series_.push_back(range);
  }
  metadata_ = request.metadata;
}

}  // namespace vigil::remote
