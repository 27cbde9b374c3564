#pragma once
// The values a template works on, standing in for the Go values Prometheus's text/template
// sees: float64 ($value), string, map[string]string ($labels), queryResult ([]*sample from
// `query`), *sample, map[string]interface{} (from `args`), template.HTML (safeHtml),
// *time.Time (toTime), bool, int and uint8 (a byte from `index` on a string), and nil.
// A Value is cheap to copy: strings are held by value (label values are short), everything
// larger is shared.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/labels.h"

namespace vigil::rules {
struct TemplateData;
}

namespace vigil::rules::gotemplate {

// The most text an expansion may write, and the longest string it may make on the way
// (printf can double a string each time it is called). Prometheus has no such bound; an
// alert's annotation this size is broken, and is stopped with an error instead.
inline constexpr size_t kMaxTextBytes = 1 << 20;

enum class Kind : uint8_t {
  kNil,  // Go's invalid reflect.Value: a nil interface, a missing key of map[string]interface{}
  kBool,
  kInt,    // Go's int (64 bits)
  kUint8,  // a byte: what `index` gives for a string
  kFloat,  // float64
  kString,
  kHtml,       // html/template.HTML: a string of its own type
  kStringMap,  // map[string]string, sorted by key
  kAnyMap,     // map[string]interface{}, sorted by key
  kSamples,    // template.queryResult; may be nil
  kSample,     // *template.sample; may be nil
  kTime,       // *time.Time, in UTC, to the millisecond (what Prometheus keeps)
  kData,       // the struct Prometheus passes as dot: Labels, ExternalLabels, ExternalURL, Value
};

struct Sample {
  core::Labels labels;
  double value = 0;
};

// Shared and mutable because Go's sortByLabel sorts the slice it is given, in place, so a
// variable holding the same result sees it sorted too.
struct SampleList {
  std::vector<std::shared_ptr<const Sample>> items;
};

class Value;
using AnyMap = std::vector<std::pair<std::string, Value>>;  // sorted by key

class Value {
 public:
  Value() = default;  // nil
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Uint8(uint8_t u);
  static Value Float(double f);
  static Value String(std::string s);
  static Value Html(std::string s);
  // `map` must outlive the value (an alias into TemplateData or a Sample).
  static Value StringMap(std::shared_ptr<const core::Labels> map);
  static Value MakeAnyMap(std::shared_ptr<const AnyMap> map);
  static Value Samples(std::shared_ptr<SampleList> list);         // null: a nil queryResult
  static Value MakeSample(std::shared_ptr<const Sample> sample);  // null: a nil *sample
  static Value Time(int64_t unix_ms);
  static Value Data(const TemplateData* data);

  Kind kind() const { return kind_; }
  bool is_nil() const { return kind_ == Kind::kNil; }
  bool as_bool() const { return int_ != 0; }
  int64_t as_int() const { return int_; }  // kInt, kUint8, kBool, kTime (ms)
  double as_float() const { return float_; }
  const std::string& as_string() const { return string_; }  // kString, kHtml
  const core::Labels* string_map() const { return static_cast<const core::Labels*>(ref_.get()); }
  const AnyMap* any_map() const { return static_cast<const AnyMap*>(ref_.get()); }
  SampleList* samples() const { return static_cast<SampleList*>(const_cast<void*>(ref_.get())); }
  const std::shared_ptr<const Sample> sample() const {
    return std::static_pointer_cast<const Sample>(ref_);
  }
  const TemplateData* data() const { return static_cast<const TemplateData*>(ref_.get()); }
  // The address a Go pointer would print as (queryResult elements print as addresses).
  const void* address() const { return ref_.get(); }

 private:
  Kind kind_ = Kind::kNil;
  int64_t int_ = 0;
  double float_ = 0;
  std::string string_;
  std::shared_ptr<const void> ref_;
};

// A field of the data struct (Labels, ExternalLabels, ExternalURL, Value) or of a non-nil
// *sample (Labels, Value); nil when there is no such field.
Value FieldOf(const Value& v, std::string_view name);

// Go's %T: "float64", "map[string]string", "*template.sample", ... ("<nil>" for nil).
std::string_view TypeName(const Value& v);
// Go's text/template truth: false, 0, nil, an empty string, map or slice are false; a
// struct is true. Every kind here has a truth value.
bool IsTrue(const Value& v);
// Length for `len` and truth: strings (bytes), maps, query results; -1 for the rest.
int64_t LengthOf(const Value& v);

}  // namespace vigil::rules::gotemplate
