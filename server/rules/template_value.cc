#include "server/rules/template_value.h"

#include "server/rules/template.h"

namespace vigil::rules::gotemplate {

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.int_ = b;
  return v;
}

Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.int_ = i;
  return v;
}

Value Value::Uint8(uint8_t u) {
  Value v;
  v.kind_ = Kind::kUint8;
  v.int_ = u;
  return v;
}

Value Value::Float(double f) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.float_ = f;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.string_ = std::move(s);
  return v;
}

Value Value::Html(std::string s) {
  Value v;
  v.kind_ = Kind::kHtml;
  v.string_ = std::move(s);
  return v;
}

Value Value::StringMap(std::shared_ptr<const core::Labels> map) {
  Value v;
  v.kind_ = Kind::kStringMap;
  v.ref_ = std::move(map);
  return v;
}

Value Value::MakeAnyMap(std::shared_ptr<const AnyMap> map) {
  Value v;
  v.kind_ = Kind::kAnyMap;
  v.ref_ = std::move(map);
  return v;
}

Value Value::Samples(std::shared_ptr<SampleList> list) {
  Value v;
  v.kind_ = Kind::kSamples;
  v.ref_ = std::move(list);
  return v;
}

Value Value::MakeSample(std::shared_ptr<const Sample> sample) {
  Value v;
  v.kind_ = Kind::kSample;
  v.ref_ = std::move(sample);
  return v;
}

Value Value::Time(int64_t unix_ms) {
  Value v;
  v.kind_ = Kind::kTime;
  v.int_ = unix_ms;
  return v;
}

Value Value::Data(const TemplateData* data) {
  Value v;
  v.kind_ = Kind::kData;
  // Not owned: the data outlives the expansion that made this value.
  v.ref_ = std::shared_ptr<const void>(std::shared_ptr<const void>(), data);
  return v;
}

Value FieldOf(const Value& v, std::string_view name) {
  // The maps are views: the data and the sample outlive the values made from them.
  if (v.kind() == Kind::kData) {
    const TemplateData& d = *v.data();
    if (name == "Labels")
      return Value::StringMap(
          std::shared_ptr<const core::Labels>(std::shared_ptr<const void>(), &d.labels));
    if (name == "ExternalLabels") {
      return Value::StringMap(
          std::shared_ptr<const core::Labels>(std::shared_ptr<const void>(), &d.external_labels));
    }
    if (name == "ExternalURL") return Value::String(d.external_url);
    if (name == "Value") return Value::Float(d.value);
  } else if (v.kind() == Kind::kSample && v.sample() != nullptr) {
    const auto s = v.sample();
    if (name == "Labels")
      return Value::StringMap(std::shared_ptr<const core::Labels>(s, &s->labels));
    if (name == "Value") return Value::Float(s->value);
  }
  return Value();
}

std::string_view TypeName(const Value& v) {
  switch (v.kind()) {
    case Kind::kNil:
      return "<nil>";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kUint8:
      return "uint8";
    case Kind::kFloat:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kHtml:
      return "template.HTML";
    case Kind::kStringMap:
      return "map[string]string";
    case Kind::kAnyMap:
      return "map[string]interface {}";
    case Kind::kSamples:
      return "template.queryResult";
    case Kind::kSample:
      return "*template.sample";
    case Kind::kTime:
      return "*time.Time";
    case Kind::kData:
      return "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL "
             "string; Value "
             "float64 }";
  }
  return "<nil>";
}

int64_t LengthOf(const Value& v) {
  switch (v.kind()) {
    case Kind::kString:
    case Kind::kHtml:
      return static_cast<int64_t>(v.as_string().size());
    case Kind::kStringMap:
      return static_cast<int64_t>(v.string_map()->size());
    case Kind::kAnyMap:
      return static_cast<int64_t>(v.any_map()->size());
    case Kind::kSamples:
      return v.samples() == nullptr ? 0 : static_cast<int64_t>(v.samples()->items.size());
    default:
      return -1;
  }
}

bool IsTrue(const Value& v) {
  switch (v.kind()) {
    case Kind::kNil:
      return false;
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kUint8:
      return v.as_int() != 0;
    case Kind::kFloat:
      return v.as_float() != 0;
    case Kind::kString:
    case Kind::kHtml:
    case Kind::kStringMap:
    case Kind::kAnyMap:
    case Kind::kSamples:
      return LengthOf(v) > 0;
    case Kind::kSample:
      return v.sample() != nullptr;
    case Kind::kTime:
    case Kind::kData:
      return true;
  }
  return false;
}

}  // namespace vigil::rules::gotemplate
