#pragma once
// The Prometheus data model: a series is a set of labels (name/value pairs, sorted by name,
// names unique); a sample is a millisecond timestamp and a float64 value.
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigil::core {

inline constexpr std::string_view kMetricNameLabel = "__name__";

// [a-zA-Z_][a-zA-Z0-9_]*
bool IsValidLabelName(std::string_view name);
// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);
bool IsValidUtf8(std::string_view text);
// Appends code point `cp` (at most U+10FFFF) in UTF-8.
void AppendUtf8(std::string* out, uint32_t cp);

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
};

// A label pair borrowed from bytes someone else holds (a request being decoded).
struct LabelView {
  std::string_view name;
  std::string_view value;
};

// An immutable label set, sorted by name, names unique and valid, values valid UTF-8 and
// non-empty (an empty value is the same as no label, as in Prometheus).
class Labels {
 public:
  Labels() = default;

  // Sorts the pairs; drops those with an empty value; refuses invalid or duplicate names and
  // values that are not UTF-8.
  static Result<Labels> Create(std::vector<Label> pairs);
  // For literals in code and tests, where a bad name is a programming error (asserts).
  static Labels FromLiteral(std::initializer_list<std::pair<std::string_view, std::string_view>>);

  // The value of `name`, or "" when the label is absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string_view MetricName() const { return Get(kMetricNameLabel); }

  size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  auto begin() const { return labels_.begin(); }
  auto end() const { return labels_.end(); }
  const Label& operator[](size_t i) const { return labels_[i]; }

  // A 64-bit hash that is the same on every platform and run (it may decide shards).
  // Computed once when the set is made: sets are hashed far more often than made.
  uint64_t Hash() const { return hash_; }
  // {__name__="up", job="node"}: every label, Prometheus's Labels.String().
  std::string ToString() const;
  // up{job="node"}: the metric name outside the braces, as PromQL prints a series.
  std::string ToSeriesString() const;

  bool operator==(const Labels&) const = default;
  // Orders label sets pair by pair, as Prometheus's labels.Compare.
  bool operator<(const Labels& other) const;

 private:
  friend class LabelsBuilder;
  static uint64_t ComputeHash(const std::vector<Label>& labels);
  std::vector<Label> labels_;
  uint64_t hash_ = kEmptyHash;
  static constexpr uint64_t kEmptyHash = 0xcbf29ce484222325ULL;
};

// {a="b", c="d"}, as Labels::ToString, for pairs not held as Labels.
std::string ToString(std::span<const LabelView> labels);

// Edits a label set: Set with an empty value deletes, as Prometheus's labels.Builder.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base) : labels_(base.labels_) {}

  // Name validity is checked by Build.
  LabelsBuilder& Set(std::string_view name, std::string_view value);
  LabelsBuilder& Del(std::string_view name);
  std::string_view Get(std::string_view name) const;
  Result<Labels> Build() const;

 private:
  std::vector<Label> labels_;
};

struct Sample {
  int64_t timestamp_ms = 0;
  double value = 0;
};

// Prometheus marks a series that disappeared with this NaN; any other NaN is a plain value.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
double StaleNaN();
bool IsStaleNaN(double v);

// Writes a label value or HELP text with the escapes of the exposition format and PromQL:
// backslash, double quote (when quote_escape) and newline.
void AppendEscaped(std::string* out, std::string_view text, bool quote_escape);

}  // namespace vigil::core
