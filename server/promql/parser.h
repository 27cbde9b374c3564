#pragma once
// PromQL text to a checked syntax tree, with Prometheus's precedence, associativity and type
// rules. Errors are InvalidArgument with Prometheus's "line:col: parse error: ..." text.
#include <string_view>

#include "core/status.h"
#include "server/promql/ast.h"

namespace vigil::promql {

core::Result<ExprPtr> ParseExpr(std::string_view query);

// A series selector as the API's match[] takes it: foo{a="b"} or {a=~"x"}.
core::Result<storage::Matchers> ParseMetricSelector(std::string_view selector);

}  // namespace vigil::promql
