#pragma once
// Go 1.19's text/template parser: a template's text to its trees, the main one and any that
// {{define}} or {{block}} name. Functions are looked up while parsing, so an unknown one is a
// parse error, as in Go. Errors read "template: NAME:LINE: what", as Go's do.
//
// Nesting (parentheses, if/range/with/define/block inside each other) is refused past
// kMaxParseDepth levels ("max expression depth exceeded", Go's later wording), so neither this
// recursive parser nor the executor can run out of stack on hostile text.
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "server/rules/template_tree.h"

namespace vigil::rules::gotemplate {

inline constexpr int kMaxParseDepth = 200;

struct ParsedTemplate {
  explicit ParsedTemplate(std::string n, std::string t) : name(std::move(n)), text(std::move(t)) {}
  ParsedTemplate(const ParsedTemplate&) = delete;
  ParsedTemplate& operator=(const ParsedTemplate&) = delete;

  std::string name;
  std::string text;  // the trees' text nodes are views of it
  std::map<std::string, std::unique_ptr<ListNode>, std::less<>> trees;  // by template name
};

core::Result<std::unique_ptr<ParsedTemplate>> ParseTemplateText(std::string_view name,
                                                                std::string text);

}  // namespace vigil::rules::gotemplate
