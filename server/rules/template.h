#pragma once
// The templates of alerting rules' labels and annotations: Go's text/template as Prometheus
// 2.42 runs it. `{{ $labels.instance }}`, `{{ $value | humanize }}`, if/else/range/with,
// define/template/block, break/continue, variables, comparisons, pipelines, Go's builtins
// and the functions Prometheus adds (humanize, query, reReplaceAll ...). A template is parsed
// once, when its rule file is loaded, so that a syntax error or an unknown function is a load
// error. The pieces: template_lexer, template_parser (the tree: template_tree), template_exec
// (running it), template_functions, template_printf and template_format (Go's fmt and
// strconv), template_strings (escaping, case, regexp replacement).
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "core/status.h"

namespace vigil::rules {

// One element of what the template function `query` returns (Prometheus's queryResult).
struct QuerySample {
  core::Labels labels;
  double value = 0;
};

// Runs an instant PromQL query at the evaluation's time: a vector, or a scalar as one sample
// without labels; an error otherwise.
using TemplateQueryFunc =
    std::function<core::Result<std::vector<QuerySample>>(std::string_view expr)>;

// What a template sees: Prometheus's AlertTemplateData, bound to $labels, $externalLabels,
// $externalURL and $value before the text runs.
struct TemplateData {
  core::Labels labels;           // the alert's series (with __name__ when it has one)
  core::Labels external_labels;  // [global] external_labels
  std::string external_url;      // [server] external_url
  double value = 0;
  TemplateQueryFunc query;  // unset: `query` fails with an error
};

class Template {
 public:
  // `name` says which template in errors (e.g. "__alert_HighLoad"); `text` is the label or
  // annotation value as written. Prometheus's definitions of $labels, $externalLabels,
  // $externalURL and $value are put before it, as Prometheus does, so a column on line 1 of
  // an execution error counts them too. A parse error (InvalidArgument) reads as Go's:
  // `template: __alert_HighLoad:1: function "nope" not defined`.
  static core::Result<std::shared_ptr<const Template>> Parse(std::string_view name,
                                                             std::string_view text);
  virtual ~Template() = default;
  // The text with its actions run. An error (InvalidArgument) reads as Prometheus's
  // Expander's: `error executing template NAME: template: NAME:1:118: executing "NAME" at
  // <humanize "x">: error calling humanize: ...`. Bounded in output, work and nesting
  // (server/rules/template_exec.h); safe to call from several threads at once.
  virtual core::Result<std::string> Expand(const TemplateData& data) const = 0;
};

// Expand, or Prometheus's stand-in for a failed expansion: "<error expanding template: MSG>".
std::string ExpandOrError(const Template& t, const TemplateData& data);

}  // namespace vigil::rules
