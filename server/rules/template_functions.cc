// Prometheus 2.42's template functions (template/template.go) and the lookup of every
// function by name; Go's builtins are in template_builtins.cc.
#include "server/rules/template_functions.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "server/promql/lexer.h"
#include "server/rules/template.h"
#include "server/rules/template_format.h"
#include "server/rules/template_printf.h"
#include "server/rules/template_strings.h"

namespace vigil::rules::gotemplate {
namespace {

using Args = std::vector<Value>;
using core::InvalidArgumentError;

// What Go's runtime says when a function dereferences a nil *sample; text/template turns the
// panic into this error.
constexpr std::string_view kNilDereference =
    "runtime error: invalid memory address or nil pointer dereference";

core::Status Fail(std::string message) { return InvalidArgumentError(std::move(message)); }

core::Result<Value> Query(CallContext& ctx, Args& a) {
  if (!ctx.data->query) return Fail("no query function: `query` cannot run here");
  auto result = ctx.data->query(a[0].as_string());
  if (!result.ok()) return Fail(result.status().message());
  auto list = std::make_shared<SampleList>();
  list->items.reserve(result->size());
  for (QuerySample& s : *result)
    list->items.push_back(std::make_shared<const Sample>(Sample{std::move(s.labels), s.value}));
  return Value::Samples(std::move(list));
}

core::Result<Value> First(CallContext&, Args& a) {
  if (a[0].samples() == nullptr || a[0].samples()->items.empty()) {
    return Fail("first() called on vector with no elements");
  }
  return Value::MakeSample(a[0].samples()->items[0]);
}

core::Result<Value> Label(CallContext&, Args& a) {
  if (a[1].sample() == nullptr) return Fail(std::string(kNilDereference));
  return Value::String(std::string(a[1].sample()->labels.Get(a[0].as_string())));
}

core::Result<Value> SampleValue(CallContext&, Args& a) {
  if (a[0].sample() == nullptr) return Fail(std::string(kNilDereference));
  return Value::Float(a[0].sample()->value);
}

core::Result<Value> StrValue(CallContext&, Args& a) {
  if (a[0].sample() == nullptr) return Fail(std::string(kNilDereference));
  return Value::String(std::string(a[0].sample()->labels.Get("__value__")));
}

core::Result<Value> ArgsMap(CallContext&, Args& a) {
  auto map = std::make_shared<AnyMap>();
  for (size_t i = 0; i < a.size(); ++i) map->emplace_back("arg" + std::to_string(i), a[i]);
  std::sort(map->begin(), map->end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  return Value::MakeAnyMap(std::move(map));
}

// regexp.quote: the pattern as a raw string when it can be one.
std::string QuotePattern(const std::string& s) {
  return CanBackquote(s) ? "`" + s + "`" : QuoteGo(s);
}

core::Result<Value> ReReplaceAll(CallContext& ctx, Args& a) {
  std::string error;
  const re2::RE2* re = ctx.regexes->Get(a[0].as_string(), &error);
  // Prometheus uses regexp.MustCompile: a bad pattern panics and the panic becomes the error.
  if (re == nullptr)
    return Fail("regexp: Compile(" + QuotePattern(a[0].as_string()) + "): " + error);
  return Value::String(ReplaceAll(*re, a[2].as_string(), a[1].as_string()));
}

core::Result<Value> SafeHtml(CallContext&, Args& a) { return Value::Html(a[0].as_string()); }

core::Result<Value> Match(CallContext& ctx, Args& a) {
  std::string error;
  const re2::RE2* re = ctx.regexes->Get(a[0].as_string(), &error);
  if (re == nullptr) return Fail(error);
  const std::string& text = a[1].as_string();
  return Value::Bool(re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re));
}

core::Result<Value> TitleFn(CallContext&, Args& a) {
  return Value::String(Title(a[0].as_string()));
}
core::Result<Value> ToUpperFn(CallContext&, Args& a) {
  return Value::String(ToUpper(a[0].as_string()));
}
core::Result<Value> ToLowerFn(CallContext&, Args& a) {
  return Value::String(ToLower(a[0].as_string()));
}

core::Result<Value> GraphLink(CallContext&, Args& a) {
  return Value::String("/graph?g0.expr=" + QueryEscape(a[0].as_string()) + "&g0.tab=0");
}

core::Result<Value> TableLink(CallContext&, Args& a) {
  return Value::String("/graph?g0.expr=" + QueryEscape(a[0].as_string()) + "&g0.tab=1");
}

core::Result<Value> SortByLabel(CallContext&, Args& a) {
  // Sorts the result it is given, as Go's sort.Stable on the slice does.
  if (SampleList* list = a[1].samples()) {
    const std::string& label = a[0].as_string();
    std::stable_sort(list->items.begin(), list->items.end(), [&](const auto& x, const auto& y) {
      return x->labels.Get(label) < y->labels.Get(label);
    });
  }
  return a[1];
}

core::Result<Value> StripPort(CallContext&, Args& a) {
  auto host = SplitHostPortHost(a[0].as_string());
  return Value::String(host ? *host : a[0].as_string());
}

// Prometheus's convertToFloat: float64, a string as strconv.ParseFloat reads it, or an int.
core::Result<double> ToFloat(const Value& v) {
  switch (v.kind()) {
    case Kind::kFloat:
      return v.as_float();
    case Kind::kString:
      return ParseFloat(v.as_string());
    case Kind::kInt:
      return static_cast<double>(v.as_int());
    default:
      return Fail("can't convert " + std::string(TypeName(v)) + " to float");
  }
}

std::string G4(double v, std::string_view suffix = "") {
  return Sprintf("%.4g", {Value::Float(v)}) + std::string(suffix);
}

core::Result<Value> Humanize(CallContext&, Args& a) {
  auto f = ToFloat(a[0]);
  if (!f.ok()) return f.status();
  double v = *f;
  if (v == 0 || std::isnan(v) || std::isinf(v)) return Value::String(G4(v));
  static constexpr const char* kBig[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
  static constexpr const char* kSmall[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  if (std::fabs(v) >= 1) {
    for (const char* p : kBig) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
  } else {
    for (const char* p : kSmall) {
      if (std::fabs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  return Value::String(G4(v, prefix));
}

core::Result<Value> Humanize1024(CallContext&, Args& a) {
  auto f = ToFloat(a[0]);
  if (!f.ok()) return f.status();
  double v = *f;
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return Value::String(G4(v));
  static constexpr const char* kPrefixes[] = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  std::string prefix;
  for (const char* p : kPrefixes) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return Value::String(G4(v, prefix));
}

core::Result<Value> HumanizeDuration(CallContext&, Args& a) {
  auto f = ToFloat(a[0]);
  if (!f.ok()) return f.status();
  double v = *f;
  if (std::isnan(v) || std::isinf(v)) return Value::String(G4(v));
  if (v == 0) return Value::String(G4(v, "s"));
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    // Go's int64(v) of a value past the int64 range is the minimum int64 on amd64.
    const int64_t duration = v >= 9223372036854775808.0 ? INT64_MIN : static_cast<int64_t>(v);
    const int64_t seconds = duration % 60, minutes = (duration / 60) % 60,
                  hours = (duration / 60 / 60) % 24, days = duration / 60 / 60 / 24;
    // From minutes up, seconds are whole.
    if (days != 0) {
      return Value::String(sign + std::to_string(days) + "d " + std::to_string(hours) + "h " +
                           std::to_string(minutes) + "m " + std::to_string(seconds) + "s");
    }
    if (hours != 0) {
      return Value::String(sign + std::to_string(hours) + "h " + std::to_string(minutes) + "m " +
                           std::to_string(seconds) + "s");
    }
    if (minutes != 0)
      return Value::String(sign + std::to_string(minutes) + "m " + std::to_string(seconds) + "s");
    return Value::String(sign + G4(v, "s"));
  }
  static constexpr const char* kSmall[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  for (const char* p : kSmall) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::String(G4(v, prefix + "s"));
}

core::Result<Value> HumanizePercentage(CallContext&, Args& a) {
  auto f = ToFloat(a[0]);
  if (!f.ok()) return f.status();
  return Value::String(G4(*f * 100, "%"));
}

// Prometheus's floatToTime: seconds to a time, kept to the millisecond as model.Time is.
core::Result<int64_t> SecondsToMillis(double v) {
  const double ns = v * 1e9;
  if (ns > 9223372036854775807.0 || ns < -9223372036854775808.0) {
    return Fail(Sprint({Value::Float(v)}) +
                " cannot be represented as a nanoseconds timestamp since it overflows int64");
  }
  const int64_t nanos = ns >= 9223372036854775808.0 ? INT64_MIN : static_cast<int64_t>(ns);
  return nanos / 1000000;
}

core::Result<Value> HumanizeTimestamp(CallContext&, Args& a) {
  auto f = ToFloat(a[0]);
  if (!f.ok()) return f.status();
  if (std::isnan(*f) || std::isinf(*f)) return Value::String(G4(*f));
  auto ms = SecondsToMillis(*f);
  if (!ms.ok()) return ms.status();
  return Value::String(FormatTimeUTC(*ms));
}

core::Result<Value> ToTime(CallContext&, Args& a) {
  auto f = ToFloat(a[0]);
  if (!f.ok()) return f.status();
  if (std::isnan(*f) || std::isinf(*f)) return Fail("value is NaN or Inf");
  auto ms = SecondsToMillis(*f);
  if (!ms.ok()) return ms.status();
  return Value::Time(*ms);
}

// The path of the external URL: what follows scheme://host up to a query or fragment.
std::string UrlPath(std::string_view url) {
  size_t start = 0;
  if (const size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    start = url.find('/', scheme + 3);
    if (start == std::string_view::npos) return "";
  }
  const size_t end = url.find_first_of("?#", start);
  return std::string(
      url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
}

core::Result<Value> PathPrefix(CallContext& ctx, Args&) {
  return Value::String(UrlPath(ctx.data->external_url));
}
core::Result<Value> ExternalUrl(CallContext& ctx, Args&) {
  return Value::String(ctx.data->external_url);
}

core::Result<Value> ParseDurationFn(CallContext&, Args& a) {
  const int64_t ms = promql::ParseDurationText(a[0].as_string());
  if (ms < 0 || ms > INT64_MAX / 1000000)
    return Fail("not a valid duration string: " + QuoteGo(a[0].as_string()));
  // As Go divides nanoseconds by a second, for the same rounding.
  return Value::Float(static_cast<double>(ms * 1000000) / 1e9);
}

constexpr ParamType A = ParamType::kAny, S = ParamType::kString, Q = ParamType::kSamples,
                    P = ParamType::kSample;

const Function kPrometheusFunctions[] = {
    {"args", {}, 0, true, ArgsMap},
    {"externalURL", {}, 0, false, ExternalUrl},
    {"first", {Q}, 1, false, First},
    {"graphLink", {S}, 1, false, GraphLink},
    {"humanize", {A}, 1, false, Humanize},
    {"humanize1024", {A}, 1, false, Humanize1024},
    {"humanizeDuration", {A}, 1, false, HumanizeDuration},
    {"humanizePercentage", {A}, 1, false, HumanizePercentage},
    {"humanizeTimestamp", {A}, 1, false, HumanizeTimestamp},
    {"label", {S, P}, 2, false, Label},
    {"match", {S, S}, 2, false, Match},
    {"parseDuration", {S}, 1, false, ParseDurationFn},
    {"pathPrefix", {}, 0, false, PathPrefix},
    {"query", {S}, 1, false, Query},
    {"reReplaceAll", {S, S, S}, 3, false, ReReplaceAll},
    {"safeHtml", {S}, 1, false, SafeHtml},
    {"sortByLabel", {S, Q}, 2, false, SortByLabel},
    {"stripPort", {S}, 1, false, StripPort},
    {"strvalue", {P}, 1, false, StrValue},
    {"tableLink", {S}, 1, false, TableLink},
    {"title", {S}, 1, false, TitleFn},
    {"toLower", {S}, 1, false, ToLowerFn},
    {"toTime", {A}, 1, false, ToTime},
    {"toUpper", {S}, 1, false, ToUpperFn},
    {"value", {P}, 1, false, SampleValue},
};

// Go's regexp/syntax error codes for RE2's.
std::string_view GoRegexpError(re2::RE2::ErrorCode code) {
  switch (code) {
    case re2::RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case re2::RE2::ErrorBadCharClass:
      return "invalid character class";
    case re2::RE2::ErrorBadCharRange:
      return "invalid character class range";
    case re2::RE2::ErrorMissingBracket:
      return "missing closing ]";
    case re2::RE2::ErrorMissingParen:
      return "missing closing )";
    case re2::RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case re2::RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case re2::RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case re2::RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case re2::RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case re2::RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case re2::RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case re2::RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    case re2::RE2::ErrorPatternTooLarge:
      return "expression too large";
    default:
      return "regexp/syntax: internal error";
  }
}

}  // namespace

std::string_view ParamTypeName(ParamType t) {
  switch (t) {
    case ParamType::kAny:
      return "interface {}";
    case ParamType::kString:
      return "string";
    case ParamType::kSamples:
      return "template.queryResult";
    case ParamType::kSample:
      return "*template.sample";
  }
  return "interface {}";
}

const Function* FindFunction(std::string_view name) {
  for (const Function& f : Builtins()) {
    if (f.name == name) return &f;
  }
  for (const Function& f : kPrometheusFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

struct RegexCache::Entries {
  std::map<std::string, std::unique_ptr<re2::RE2>, std::less<>> compiled;
};

RegexCache::RegexCache() : entries_(std::make_unique<Entries>()) {}
RegexCache::~RegexCache() = default;

const re2::RE2* RegexCache::Get(const std::string& pattern, std::string* error) {
  auto it = entries_->compiled.find(pattern);
  if (it == entries_->compiled.end()) {
    // Bounded: a template that builds a new pattern each iteration keeps only the latest.
    if (entries_->compiled.size() >= 64) entries_->compiled.clear();
    re2::RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_unique<re2::RE2>(pattern, options);
    it = entries_->compiled.emplace(pattern, std::move(re)).first;
  }
  const re2::RE2& re = *it->second;
  if (!re.ok()) {
    *error = "error parsing regexp: " + std::string(GoRegexpError(re.error_code())) + ": `" +
             re.error_arg() + "`";
    return nullptr;
  }
  return &re;
}

}  // namespace vigil::rules::gotemplate
