// The receiving half of the codec, in a file of its own: it needs the generated protobuf
// classes, and a binary that only sends (the agent) then links without protobuf at all.
#include "remote/codec.h"
#include "remote/remote_write.pb.h"

namespace vigil::remote {
namespace {

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

core::Result<WriteRequest> DecodeWriteRequest(std::string_view body, DecodeLimits limits) {
  VIGIL_ASSIGN_OR_RETURN(std::string raw, SnappyUncompress(body, limits.max_uncompressed_bytes));
  pb::WriteRequest msg;
  if (!msg.ParseFromString(raw))
    return core::InvalidArgumentError("protobuf: cannot parse WriteRequest");
  WriteRequest out;
  out.series.reserve(static_cast<size_t>(msg.timeseries_size()));
  for (const pb::TimeSeries& ts : msg.timeseries()) {
    if (ts.labels_size() > limits.max_labels_per_series) {
      return core::InvalidArgumentError("series with " + std::to_string(ts.labels_size()) +
                                        " labels, more than the " +
                                        std::to_string(limits.max_labels_per_series) + " allowed");
    }
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
