#pragma once
// The Prometheus text exposition format, version 0.0.4: what /metrics pages serve.
//   # HELP name text with \\ and \n escapes
//   # TYPE name counter|gauge|histogram|summary|untyped
//   name{label="value with \\ \" \n escapes",...} value [timestamp_ms]
// Histograms and summaries are plain series here (_bucket, _sum, _count, quantile="...").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "core/status.h"

namespace vigil::core {

inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { kUntyped, kCounter, kGauge, kHistogram, kSummary };
std::string_view MetricTypeName(MetricType type);

// One line of a family: the full sample name (a histogram's are name_bucket, name_sum, ...)
// and its labels in the order they are to be written, without __name__.
struct ExpositionSample {
  std::string name;
  std::vector<Label> labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;
};

struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kUntyped;
  std::vector<ExpositionSample> samples;
};

// HELP (when there is help text) and TYPE lines, then the samples, as client_golang writes.
void AppendFamily(std::string* out, const MetricFamily& family);
void AppendSample(std::string* out, const ExpositionSample& sample);

// What a page said of a family.
struct FamilyMetadata {
  std::string name;
  MetricType type = MetricType::kUntyped;
  std::string help;
};

struct ParsedSample {
  Labels labels;  // includes __name__
  double value = 0;
  std::optional<int64_t> timestamp_ms;
};

struct ParsedExposition {
  std::vector<ParsedSample> samples;
  std::vector<FamilyMetadata> metadata;  // in order of first mention
};

// Parses a whole page. Bad input is an InvalidArgument error naming the line; nothing is
// returned from a page with an error, as Prometheus fails the whole scrape.
Result<ParsedExposition> ParseExposition(std::string_view text);

}  // namespace vigil::core
