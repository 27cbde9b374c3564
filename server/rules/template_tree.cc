#include "server/rules/template_tree.h"

#include "server/rules/template_format.h"

namespace vigil::rules::gotemplate {
namespace {

void WriteJoined(std::string* out, const std::vector<std::string>& parts, bool leading_dot) {
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0 || leading_dot) out->push_back('.');
    *out += parts[i];
  }
}

// An argument that is a pipeline is written in parentheses.
void WriteArg(std::string* out, const Node& arg) {
  if (arg.type == NodeType::kPipe) {
    out->push_back('(');
    arg.Write(out);
    out->push_back(')');
  } else {
    arg.Write(out);
  }
}

}  // namespace

void ListNode::Write(std::string* out) const {
  for (const NodePtr& n : nodes) n->Write(out);
}

void TextNode::Write(std::string* out) const {
  // Go prints text with %q.
  *out += QuoteGo(text);
}

void VariableNode::Write(std::string* out) const { WriteJoined(out, ident, false); }

void CommandNode::Write(std::string* out) const {
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out->push_back(' ');
    WriteArg(out, *args[i]);
  }
}

void PipeNode::Write(std::string* out) const {
  for (size_t i = 0; i < decl.size(); ++i) {
    if (i > 0) *out += ", ";
    decl[i]->Write(out);
  }
  if (!decl.empty()) *out += is_assign ? " = " : " := ";
  for (size_t i = 0; i < cmds.size(); ++i) {
    if (i > 0) *out += " | ";
    cmds[i]->Write(out);
  }
}

void ActionNode::Write(std::string* out) const {
  *out += "{{";
  pipe->Write(out);
  *out += "}}";
}

void IdentifierNode::Write(std::string* out) const { *out += ident; }
void DotNode::Write(std::string* out) const { out->push_back('.'); }
void NilNode::Write(std::string* out) const { *out += "nil"; }
void FieldNode::Write(std::string* out) const { WriteJoined(out, ident, true); }

void ChainNode::Write(std::string* out) const {
  WriteArg(out, *node);
  WriteJoined(out, field, true);
}

void BoolNode::Write(std::string* out) const { *out += value ? "true" : "false"; }
void NumberNode::Write(std::string* out) const { *out += text; }
void StringNode::Write(std::string* out) const { *out += quoted; }

void BranchNode::Write(std::string* out) const {
  *out += type == NodeType::kIf ? "{{if " : type == NodeType::kRange ? "{{range " : "{{with ";
  pipe->Write(out);
  *out += "}}";
  list->Write(out);
  if (else_list) {
    *out += "{{else}}";
    else_list->Write(out);
  }
  *out += "{{end}}";
}

void TemplateNode::Write(std::string* out) const {
  *out += "{{template " + QuoteGo(name);
  if (pipe) {
    out->push_back(' ');
    pipe->Write(out);
  }
  *out += "}}";
}

void KeywordNode::Write(std::string* out) const {
  switch (type) {
    case NodeType::kBreak:
      *out += "{{break}}";
      break;
    case NodeType::kContinue:
      *out += "{{continue}}";
      break;
    case NodeType::kEnd:
      *out += "{{end}}";
      break;
    default:
      *out += "{{else}}";
      break;
  }
}

}  // namespace vigil::rules::gotemplate
