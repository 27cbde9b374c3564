#pragma once
// Go's fmt over template values: what {{ x }} writes, and the print, println and printf
// functions, with Go's verbs, flags, widths and precisions, and its inline complaints
// ("%!d(float64=1.5)", "%!d(MISSING)", "%!(EXTRA int=2)") rather than errors.
//
// Not reproduced: %#v's Go syntax for maps and structs, '#' on floats (%#g), %b of floats.
// A query result prints its elements as addresses, as Go does, so that text differs by run.
#include <string>
#include <string_view>
#include <vector>

#include "server/rules/template_value.h"

namespace vigil::rules::gotemplate {

// fmt.Sprint: spaces between operands when neither side is a string.
// `indirect`: pointers print as what they point at (text/template's evalArgs, for html,
// js and urlquery), not as &{...}.
std::string Sprint(const std::vector<Value>& args, bool indirect = false);
// fmt.Sprintln: spaces between all operands and a newline after.
std::string Sprintln(const std::vector<Value>& args);
// fmt.Sprintf.
std::string Sprintf(std::string_view format, const std::vector<Value>& args);
// What an action writes for its value: "<no value>" for nil, a *sample as the struct.
std::string PrintForTemplate(const Value& v);

}  // namespace vigil::rules::gotemplate
