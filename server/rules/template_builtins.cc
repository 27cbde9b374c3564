// Go 1.19's text/template builtins: and, or, not, len, index, print, printf, println, html,
// js, urlquery, call and the comparisons, with Go's errors.
#include <algorithm>
#include <string>
#include <vector>

#include "server/rules/template_functions.h"
#include "server/rules/template_printf.h"
#include "server/rules/template_strings.h"

namespace vigil::rules::gotemplate {
namespace {

using Args = std::vector<Value>;

core::Status Fail(std::string message) { return core::InvalidArgumentError(std::move(message)); }

core::Result<Value> Not(CallContext&, Args& a) { return Value::Bool(!IsTrue(a[0])); }

// and/or are evaluated lazily by the executor; this is their meaning with every argument known.
core::Result<Value> And(CallContext&, Args& a) {
  for (const Value& v : a) {
    if (!IsTrue(v)) return v;
  }
  return a.back();
}

core::Result<Value> Or(CallContext&, Args& a) {
  for (const Value& v : a) {
    if (IsTrue(v)) return v;
  }
  return a.back();
}

core::Result<Value> Len(CallContext&, Args& a) {
  const Value& v = a[0];
  if (v.kind() == Kind::kSample && v.sample() == nullptr) return Fail("len of nil pointer");
  const int64_t n = LengthOf(v);
  if (n >= 0) return Value::Int(n);
  if (v.is_nil()) return Fail("reflect: call of reflect.Value.Type on zero Value");
  std::string_view type = TypeName(v);
  if (v.kind() == Kind::kSample || v.kind() == Kind::kTime)
    type.remove_prefix(1);  // through the pointer
  return Fail("len of type " + std::string(type));
}

core::Result<Value> Index(CallContext&, Args& a) {
  Value item = a[0];
  if (item.is_nil()) return Fail("index of untyped nil");
  for (size_t k = 1; k < a.size(); ++k) {
    const Value& index = a[k];
    if (item.kind() == Kind::kSample && item.sample() == nullptr)
      return Fail("index of nil pointer");
    switch (item.kind()) {
      case Kind::kString:
      case Kind::kHtml:
      case Kind::kSamples: {
        int64_t x;
        if (index.kind() == Kind::kInt || index.kind() == Kind::kUint8) {
          x = index.as_int();
        } else if (index.is_nil()) {
          return Fail("cannot index slice/array with nil");
        } else {
          return Fail("cannot index slice/array with type " + std::string(TypeName(index)));
        }
        const int64_t len = LengthOf(item);
        // Go checks against the capacity, then reflect refuses an index equal to the length.
        if (x < 0 || x > len) return Fail("index out of range: " + std::to_string(x));
        if (x == len) {
          return Fail(item.kind() == Kind::kSamples ? "reflect: slice index out of range"
                                                    : "reflect: string index out of range");
        }
        if (item.kind() == Kind::kSamples) {
          item = Value::MakeSample(item.samples()->items[static_cast<size_t>(x)]);
        } else {
          item = Value::Uint8(static_cast<uint8_t>(item.as_string()[static_cast<size_t>(x)]));
        }
        break;
      }
      case Kind::kStringMap:
      case Kind::kAnyMap: {
        if (index.is_nil()) return Fail("value is nil; should be of type string");
        if (index.kind() != Kind::kString) {
          return Fail("value has type " + std::string(TypeName(index)) + "; should be string");
        }
        if (item.kind() == Kind::kStringMap) {
          item = Value::String(std::string(item.string_map()->Get(index.as_string())));
        } else {
          const AnyMap& m = *item.any_map();
          auto it =
              std::lower_bound(m.begin(), m.end(), index.as_string(),
                               [](const auto& e, const std::string& key) { return e.first < key; });
          item = (it != m.end() && it->first == index.as_string()) ? it->second : Value();
        }
        break;
      }
      default: {
        std::string_view type = TypeName(item);
        if (item.kind() == Kind::kSample || item.kind() == Kind::kTime) type.remove_prefix(1);
        return Fail("can't index item of type " + std::string(type));
      }
    }
  }
  return item;
}

core::Result<Value> Print(CallContext&, Args& a) { return Value::String(Sprint(a)); }
core::Result<Value> Println(CallContext&, Args& a) { return Value::String(Sprintln(a)); }

core::Result<Value> Printf(CallContext&, Args& a) {
  const std::string format = a[0].as_string();
  const Args rest(a.begin() + 1, a.end());
  return Value::String(Sprintf(format, rest));
}

// text/template's evalArgs: one string as it is, anything else as fmt.Sprint prints it.
std::string EvalArgs(const Args& a) {
  if (a.size() == 1 && a[0].kind() == Kind::kString) return a[0].as_string();
  return Sprint(a, /*indirect=*/true);
}

core::Result<Value> Html(CallContext&, Args& a) { return Value::String(HtmlEscape(EvalArgs(a))); }
core::Result<Value> Js(CallContext&, Args& a) { return Value::String(JsEscape(EvalArgs(a))); }
core::Result<Value> UrlQuery(CallContext&, Args& a) {
  return Value::String(QueryEscape(EvalArgs(a)));
}

core::Result<Value> Call(CallContext&, Args& a) {
  if (a[0].is_nil()) return Fail("call of nil");
  return Fail("non-function of type " + std::string(TypeName(a[0])));
}

// Go's comparison kinds; everything else (maps, pointers, nil) is not a basic kind.
enum class BasicKind { kInvalid, kBool, kInt, kUint, kFloat, kString };

BasicKind BasicKindOf(const Value& v) {
  switch (v.kind()) {
    case Kind::kBool:
      return BasicKind::kBool;
    case Kind::kInt:
      return BasicKind::kInt;
    case Kind::kUint8:
      return BasicKind::kUint;
    case Kind::kFloat:
      return BasicKind::kFloat;
    case Kind::kString:
    case Kind::kHtml:
      return BasicKind::kString;
    default:
      return BasicKind::kInvalid;
  }
}

// Go's reflect kind of a value that is not basic: pointer, slice, map or struct (0: nil).
int ReflectKind(const Value& v) {
  switch (v.kind()) {
    case Kind::kSample:
    case Kind::kTime:
      return 1;
    case Kind::kSamples:
      return 2;
    case Kind::kStringMap:
    case Kind::kAnyMap:
      return 3;
    case Kind::kData:
      return 4;
    default:
      return 0;
  }
}

bool IsNilValue(const Value& v) {
  return v.is_nil() || (v.kind() == Kind::kSample && v.sample() == nullptr) ||
         (v.kind() == Kind::kSamples && v.samples() == nullptr);
}

core::Result<bool> Equal(const Value& a, const Value& b) {
  const BasicKind k1 = BasicKindOf(a), k2 = BasicKindOf(b);
  if (k1 != k2) {
    // Integers compare across signedness; a nil compares unequal to anything basic.
    if (k1 == BasicKind::kInt && k2 == BasicKind::kUint)
      return a.as_int() >= 0 && a.as_int() == b.as_int();
    if (k1 == BasicKind::kUint && k2 == BasicKind::kInt)
      return b.as_int() >= 0 && a.as_int() == b.as_int();
    if (!a.is_nil() && !b.is_nil()) return Fail("incompatible types for comparison");
    return false;
  }
  switch (k1) {
    case BasicKind::kBool:
    case BasicKind::kInt:
    case BasicKind::kUint:
      return a.as_int() == b.as_int();
    case BasicKind::kFloat:
      return a.as_float() == b.as_float();
    case BasicKind::kString:
      return a.as_string() == b.as_string();
    case BasicKind::kInvalid:
      break;
  }
  if (ReflectKind(a) != ReflectKind(b) && !a.is_nil() && !b.is_nil()) {
    return Fail(Sprintf(
        "non-comparable types %s: %v, %s: %v",
        {a, Value::String(std::string(TypeName(a))), Value::String(std::string(TypeName(b))), b}));
  }
  if (IsNilValue(a) || IsNilValue(b)) return IsNilValue(a) == IsNilValue(b);
  // Pointers are equal when they are the same pointer; maps, slices and structs that hold
  // them cannot be compared at all.
  if (ReflectKind(b) == 1)
    return a.kind() == b.kind() && a.kind() == Kind::kSample && a.address() == b.address();
  return Fail(Sprintf("non-comparable type %s: %v", {b, Value::String(std::string(TypeName(b)))}));
}

core::Result<Value> Eq(CallContext&, Args& a) {
  if (a.size() < 2) return Fail("missing argument for comparison");
  for (size_t i = 1; i < a.size(); ++i) {
    auto eq = Equal(a[0], a[i]);
    if (!eq.ok()) return eq.status();
    if (*eq) return Value::Bool(true);
  }
  return Value::Bool(false);
}

core::Result<Value> Ne(CallContext&, Args& a) {
  auto eq = Equal(a[0], a[1]);
  if (!eq.ok()) return eq.status();
  return Value::Bool(!*eq);
}

core::Result<bool> Less(const Value& a, const Value& b) {
  const BasicKind k1 = BasicKindOf(a), k2 = BasicKindOf(b);
  if (k1 == BasicKind::kInvalid || k2 == BasicKind::kInvalid)
    return Fail("invalid type for comparison");
  if (k1 != k2) {
    if (k1 == BasicKind::kInt && k2 == BasicKind::kUint)
      return a.as_int() < 0 || a.as_int() < b.as_int();
    if (k1 == BasicKind::kUint && k2 == BasicKind::kInt)
      return b.as_int() >= 0 && a.as_int() < b.as_int();
    return Fail("incompatible types for comparison");
  }
  switch (k1) {
    case BasicKind::kFloat:
      return a.as_float() < b.as_float();
    case BasicKind::kInt:
    case BasicKind::kUint:
      return a.as_int() < b.as_int();
    case BasicKind::kString:
      return a.as_string() < b.as_string();
    default:
      return Fail("invalid type for comparison");
  }
}

core::Result<Value> Lt(CallContext&, Args& a) {
  auto lt = Less(a[0], a[1]);
  if (!lt.ok()) return lt.status();
  return Value::Bool(*lt);
}

core::Result<bool> LessOrEqual(const Value& a, const Value& b) {
  auto lt = Less(a, b);
  if (!lt.ok() || *lt) return lt;
  return Equal(a, b);
}

core::Result<Value> Le(CallContext&, Args& a) {
  auto le = LessOrEqual(a[0], a[1]);
  if (!le.ok()) return le.status();
  return Value::Bool(*le);
}

core::Result<Value> Gt(CallContext&, Args& a) {
  auto le = LessOrEqual(a[0], a[1]);
  if (!le.ok()) return le.status();
  return Value::Bool(!*le);
}

core::Result<Value> Ge(CallContext&, Args& a) {
  auto lt = Less(a[0], a[1]);
  if (!lt.ok()) return lt.status();
  return Value::Bool(!*lt);
}

constexpr ParamType A = ParamType::kAny, S = ParamType::kString;

const Function kBuiltins[] = {
    {"and", {A}, 1, true, And, Function::Logic::kAnd},
    {"call", {A}, 1, true, Call},
    {"eq", {A}, 1, true, Eq},
    {"ge", {A, A}, 2, false, Ge},
    {"gt", {A, A}, 2, false, Gt},
    {"html", {}, 0, true, Html},
    {"index", {A}, 1, true, Index},
    {"js", {}, 0, true, Js},
    {"le", {A, A}, 2, false, Le},
    {"len", {A}, 1, false, Len},
    {"lt", {A, A}, 2, false, Lt},
    {"ne", {A, A}, 2, false, Ne},
    {"not", {A}, 1, false, Not},
    {"or", {A}, 1, true, Or, Function::Logic::kOr},
    {"print", {}, 0, true, Print},
    {"printf", {S}, 1, true, Printf},
    {"println", {}, 0, true, Println},
    {"urlquery", {}, 0, true, UrlQuery},
};

}  // namespace

std::span<const Function> Builtins() { return kBuiltins; }

}  // namespace vigil::rules::gotemplate
