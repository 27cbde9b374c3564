#pragma once
// Runs a parsed template, as Go 1.19's text/template executes one with Prometheus's option
// missingkey=zero: a missing label is "", a missing key of `args` is <no value>. Errors read
// "template: NAME:LINE:COL: executing "NAME" at <NODE>: what", the column counted in bytes
// from 0 as Go counts it.
//
// Bounds, so that no template stops the evaluation that expands it: at most kMaxTextBytes
// written (and in any one string), kMaxSteps nodes and commands evaluated, kMaxExecDepth
// nested evaluations and kMaxTemplateDepth nested {{template}} calls. Past one, the expansion
// fails with an error that says which.
#include <cstdint>
#include <string>

#include "core/status.h"
#include "server/rules/template_parser.h"

namespace vigil::rules {
struct TemplateData;
}

namespace vigil::rules::gotemplate {

inline constexpr int64_t kMaxSteps = 1'000'000;
inline constexpr int kMaxExecDepth = 1'000;
inline constexpr int kMaxTemplateDepth = 100;

// The text `t` writes for `data` (dot is Prometheus's template data struct), or Go's error.
core::Result<std::string> Execute(const ParsedTemplate& t, const TemplateData& data);

}  // namespace vigil::rules::gotemplate
