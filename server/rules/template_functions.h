#pragma once
// The functions a template can call: Go's builtins (and, or, not, eq ... len, index, print,
// printf, println, html, js, urlquery, call) and those Prometheus 2.42 adds (query, first,
// label, value, humanize ...). Each is described by its Go signature, which decides how the
// executor checks and converts arguments, and errors read as Go's and Prometheus's.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "server/rules/template_value.h"

namespace re2 {
class RE2;
}

namespace vigil::rules {
struct TemplateData;
}

namespace vigil::rules::gotemplate {

// The Go parameter types that occur in the function table.
enum class ParamType : uint8_t {
  kAny,      // interface{} (and reflect.Value, which the builtins take)
  kString,   // string: template.HTML is not assignable to it
  kSamples,  // template.queryResult
  kSample,   // *template.sample
};
std::string_view ParamTypeName(ParamType t);

// Regular expressions compiled during one expansion, by pattern: Prometheus compiles on each
// call; a template that calls reReplaceAll in a range compiles once here.
class RegexCache {
 public:
  RegexCache();
  ~RegexCache();
  RegexCache(const RegexCache&) = delete;
  RegexCache& operator=(const RegexCache&) = delete;
  // The compiled pattern, or null with Go's message for a bad one in `*error`
  // ("error parsing regexp: missing closing ): `(`").
  const re2::RE2* Get(const std::string& pattern, std::string* error);

 private:
  struct Entries;
  std::unique_ptr<Entries> entries_;
};

struct CallContext {
  const TemplateData* data = nullptr;
  RegexCache* regexes = nullptr;
};

// Fails with the function's own error text; the executor adds "error calling NAME: ".
using FunctionImpl = core::Result<Value> (*)(CallContext& ctx, std::vector<Value>& args);

struct Function {
  enum class Logic : uint8_t { kNone, kAnd, kOr };  // and/or evaluate lazily (Go 1.18+)
  std::string_view name;
  std::array<ParamType, 3> params;
  uint8_t num_params;  // fixed parameters
  bool variadic;       // then any number of kAny
  FunctionImpl impl;
  Logic logic = Logic::kNone;
};

// The function called `name`, or null: a name not found is a parse error.
const Function* FindFunction(std::string_view name);

// Go's builtins (template_builtins.cc); FindFunction looks there first.
std::span<const Function> Builtins();

}  // namespace vigil::rules::gotemplate
