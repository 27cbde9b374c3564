#include "server/rules/template_exec.h"

#include <optional>
#include <utility>
#include <vector>

#include "server/rules/template.h"
#include "server/rules/template_format.h"
#include "server/rules/template_functions.h"
#include "server/rules/template_printf.h"

namespace vigil::rules::gotemplate {
namespace {

// How a walk ends: normally, at {{break}} or {{continue}}, or with the error recorded.
enum class Flow { kNormal, kBreak, kContinue, kError };

// The static type an argument is evaluated to; nullopt: no type (a chain's receiver).
using ArgType = std::optional<ParamType>;

bool CanBeNil(ArgType t) { return !t || *t != ParamType::kString; }

Value ZeroOf(ArgType t) {
  if (t == ParamType::kSamples) return Value::Samples(nullptr);
  if (t == ParamType::kSample) return Value::MakeSample(nullptr);
  return Value();
}

bool Assignable(const Value& v, ParamType t) {
  switch (t) {
    case ParamType::kAny:
      return true;
    case ParamType::kString:
      return v.kind() == Kind::kString;
    case ParamType::kSamples:
      return v.kind() == Kind::kSamples;
    case ParamType::kSample:
      return v.kind() == Kind::kSample;
  }
  return false;
}

// One execution: Go's text/template state.
class State {
 public:
  State(const ParsedTemplate& t, const TemplateData& data) : t_(t), name_(t.name) {
    ctx_.data = &data;
    ctx_.regexes = &regexes_;
  }

  bool Run(std::string* out, std::string* error) {
    const Value dot = Value::Data(ctx_.data);
    vars_.emplace_back("$", dot);
    auto it = t_.trees.find(t_.name);
    const Flow flow =
        it == t_.trees.end()
            ? (Errorf(QuoteGo(t_.name) + " is an incomplete or empty template"), Flow::kError)
            : Walk(dot, *it->second);
    if (flow == Flow::kError) {
      *error = std::move(error_);
      return false;
    }
    *out = std::move(out_);
    return true;
  }

 private:
  // Records the error with where it happened, as Go's state.errorf; always false.
  bool Errorf(const std::string& message);
  bool Write(std::string_view text);
  bool Step();

  Flow Walk(const Value& dot, const Node& node);
  Flow WalkList(const Value& dot, const ListNode& list);
  Flow WalkIfOrWith(const Value& dot, const BranchNode& node);
  Flow WalkRange(const Value& dot, const BranchNode& node);
  Flow WalkTemplate(const Value& dot, const TemplateNode& node);

  bool EvalPipeline(const Value& dot, const PipeNode* pipe, Value* out);
  bool EvalCommand(const Value& dot, const CommandNode& cmd, const Value* final, Value* out);
  bool NotAFunction(const std::vector<NodePtr>& args, const Value* final);
  bool IdealConstant(const NumberNode& n, Value* out);
  bool EvalFieldNode(const Value& dot, const FieldNode& field, size_t num_args, const Value* final,
                     Value* out);
  bool EvalChainNode(const Value& dot, const ChainNode& chain, size_t num_args, const Value* final,
                     Value* out);
  bool EvalVariableNode(const VariableNode& v, size_t num_args, const Value* final, Value* out);
  bool EvalFieldChain(Value receiver, const std::vector<std::string>& ident, size_t first,
                      size_t num_args, const Value* final, Value* out);
  bool EvalField(const std::string& name, size_t num_args, const Value* final,
                 const Value& receiver, Value* out);
  bool EvalFunction(const Value& dot, const IdentifierNode& id, const Node& cmd,
                    const std::vector<NodePtr>* args, const Value* final, Value* out);
  bool EvalArg(const Value& dot, ArgType type, const Node& n, Value* out);
  bool ValidateType(Value value, ArgType type, Value* out);

  bool VarValue(const std::string& name, Value* out);
  bool SetVar(const std::string& name, const Value& value);

  const ParsedTemplate& t_;
  std::string_view name_;       // of the template executing now, for "executing NAME"
  const Node* node_ = nullptr;  // where we are, for errors
  std::vector<std::pair<std::string, Value>> vars_;
  std::string out_;
  std::string error_;
  int depth_ = 0;
  int template_depth_ = 0;
  int64_t steps_ = 0;
  RegexCache regexes_;
  CallContext ctx_;
};

// Tracks nesting for the depth bound; Leave on every way out.
class DepthGuard {
 public:
  explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
  ~DepthGuard() { --*depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  bool too_deep() const { return *depth_ > kMaxExecDepth; }

 private:
  int* depth_;
};

bool State::Errorf(const std::string& message) {
  if (!error_.empty()) return false;
  if (node_ == nullptr) {
    error_ = "template: " + std::string(name_) + ": " + message;
    return false;
  }
  // Line and column of the node, the column in bytes from 0 (Go's ErrorContext).
  const std::string_view text =
      std::string_view(t_.text).substr(0, static_cast<size_t>(node_->pos));
  const size_t newline = text.rfind('\n');
  const size_t column = newline == std::string_view::npos ? text.size() : text.size() - newline - 1;
  size_t line = 1;
  for (char c : text) line += c == '\n';
  error_ = "template: " + t_.name + ":" + std::to_string(line) + ":" + std::to_string(column) +
           ": executing " + QuoteGo(name_) + " at <" + node_->String() + ">: " + message;
  return false;
}

bool State::Write(std::string_view text) {
  if (out_.size() + text.size() > kMaxTextBytes) {
    return Errorf("output exceeds " + std::to_string(kMaxTextBytes) + " bytes");
  }
  out_ += text;
  return true;
}

bool State::Step() {
  if (++steps_ > kMaxSteps)
    return Errorf("more than " + std::to_string(kMaxSteps) + " steps: too costly to expand");
  return true;
}

Flow State::Walk(const Value& dot, const Node& node) {
  DepthGuard guard(&depth_);
  node_ = &node;
  if (guard.too_deep())
    return Errorf("exceeded maximum nesting depth (" + std::to_string(kMaxExecDepth) + ")"),
           Flow::kError;
  if (!Step()) return Flow::kError;
  switch (node.type) {
    case NodeType::kAction: {
      const auto& action = static_cast<const ActionNode&>(node);
      Value v;
      if (!EvalPipeline(dot, action.pipe.get(), &v)) return Flow::kError;
      // A declaration prints nothing; its variable lives until the enclosing {{end}}.
      if (action.pipe->decl.empty()) {
        node_ = &node;
        if (!Write(PrintForTemplate(v))) return Flow::kError;
      }
      return Flow::kNormal;
    }
    case NodeType::kIf:
    case NodeType::kWith:
      return WalkIfOrWith(dot, static_cast<const BranchNode&>(node));
    case NodeType::kList:
      return WalkList(dot, static_cast<const ListNode&>(node));
    case NodeType::kRange:
      return WalkRange(dot, static_cast<const BranchNode&>(node));
    case NodeType::kTemplate:
      return WalkTemplate(dot, static_cast<const TemplateNode&>(node));
    case NodeType::kText:
      return Write(static_cast<const TextNode&>(node).text) ? Flow::kNormal : Flow::kError;
    case NodeType::kBreak:
      return Flow::kBreak;
    case NodeType::kContinue:
      return Flow::kContinue;
    default:
      Errorf("unknown node: " + node.String());
      return Flow::kError;
  }
}

Flow State::WalkList(const Value& dot, const ListNode& list) {
  for (const NodePtr& n : list.nodes) {
    const Flow flow = Walk(dot, *n);
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

Flow State::WalkIfOrWith(const Value& dot, const BranchNode& node) {
  const size_t mark = vars_.size();
  Value v;
  Flow flow = Flow::kNormal;
  if (!EvalPipeline(dot, node.pipe.get(), &v)) {
    flow = Flow::kError;
  } else if (IsTrue(v)) {
    flow = Walk(node.type == NodeType::kWith ? v : dot, *node.list);
  } else if (node.else_list) {
    flow = Walk(dot, *node.else_list);
  }
  vars_.resize(mark);
  return flow;
}

Flow State::WalkRange(const Value& dot, const BranchNode& node) {
  node_ = &node;
  const size_t mark = vars_.size();
  Value v;
  if (!EvalPipeline(dot, node.pipe.get(), &v)) return Flow::kError;
  const size_t body_mark = vars_.size();  // the range's own variables are below this
  const size_t decls = node.pipe->decl.size();
  bool iterated = false;
  // One pass of the body: the element in the last declared variable, the index or key in
  // the one before; false when the loop is to stop (break or error).
  Flow result = Flow::kNormal;
  auto iteration = [&](const Value& index, const Value& elem) {
    iterated = true;
    if (decls > 0) vars_[vars_.size() - 1].second = elem;
    if (decls > 1) vars_[vars_.size() - 2].second = index;
    const Flow flow = Walk(elem, *node.list);
    vars_.resize(body_mark);
    if (flow == Flow::kError || flow == Flow::kBreak) {
      result = flow == Flow::kError ? Flow::kError : Flow::kNormal;
      return false;
    }
    return true;
  };
  switch (v.kind()) {
    case Kind::kSamples:
      if (SampleList* list = v.samples()) {
        // A copy: sortByLabel in the body may reorder the list being walked.
        const std::vector<std::shared_ptr<const Sample>> items = list->items;
        for (size_t i = 0; i < items.size(); ++i) {
          if (!iteration(Value::Int(static_cast<int64_t>(i)), Value::MakeSample(items[i]))) break;
        }
      }
      break;
    case Kind::kStringMap:
      for (const core::Label& l : *v.string_map()) {
        if (!iteration(Value::String(l.name), Value::String(l.value))) break;
      }
      break;
    case Kind::kAnyMap:
      for (const auto& [key, value] : *v.any_map()) {
        if (!iteration(Value::String(key), value)) break;
      }
      break;
    case Kind::kNil:
      break;  // like an empty map
    default:
      vars_.resize(mark);
      Errorf("range can't iterate over " + PrintForTemplate(v));
      return Flow::kError;
  }
  if (result == Flow::kNormal && !iterated && node.else_list) result = Walk(dot, *node.else_list);
  vars_.resize(mark);
  return result;
}

Flow State::WalkTemplate(const Value& dot, const TemplateNode& node) {
  node_ = &node;
  auto it = t_.trees.find(node.name);
  if (it == t_.trees.end())
    return Errorf("template " + QuoteGo(node.name) + " not defined"), Flow::kError;
  if (template_depth_ >= kMaxTemplateDepth) {
    return Errorf("exceeded maximum template depth (" + std::to_string(kMaxTemplateDepth) + ")"),
           Flow::kError;
  }
  Value new_dot;
  if (!EvalPipeline(dot, node.pipe.get(), &new_dot)) return Flow::kError;
  // No dynamic scoping: the called template sees only $, its dot.
  std::vector<std::pair<std::string, Value>> saved = std::exchange(vars_, {{"$", new_dot}});
  const std::string_view saved_name = std::exchange(name_, it->first);
  ++template_depth_;
  Flow flow = Walk(new_dot, *it->second);
  --template_depth_;
  name_ = saved_name;
  vars_ = std::move(saved);
  return flow == Flow::kError ? Flow::kError : Flow::kNormal;
}

bool State::EvalPipeline(const Value& dot, const PipeNode* pipe, Value* out) {
  *out = Value();
  if (pipe == nullptr) return true;
  DepthGuard guard(&depth_);
  node_ = pipe;
  if (guard.too_deep())
    return Errorf("exceeded maximum nesting depth (" + std::to_string(kMaxExecDepth) + ")");
  std::optional<Value> value;  // unset: no value yet to pass on
  for (const auto& cmd : pipe->cmds) {
    Value next;
    if (!EvalCommand(dot, *cmd, value ? &*value : nullptr, &next)) return false;
    value = std::move(next);
  }
  for (const auto& variable : pipe->decl) {
    if (pipe->is_assign) {
      if (!SetVar(variable->ident[0], *value)) return false;
    } else {
      vars_.emplace_back(variable->ident[0], *value);
    }
  }
  *out = std::move(*value);
  return true;
}

bool State::NotAFunction(const std::vector<NodePtr>& args, const Value* final) {
  if (args.size() > 1 || final != nullptr)
    return Errorf("can't give argument to non-function " + args[0]->String());
  return true;
}

bool State::EvalCommand(const Value& dot, const CommandNode& cmd, const Value* final, Value* out) {
  if (!Step()) return false;
  const Node& first = *cmd.args[0];
  switch (first.type) {
    case NodeType::kField:
      return EvalFieldNode(dot, static_cast<const FieldNode&>(first), cmd.args.size(), final, out);
    case NodeType::kChain:
      return EvalChainNode(dot, static_cast<const ChainNode&>(first), cmd.args.size(), final, out);
    case NodeType::kIdentifier:
      return EvalFunction(dot, static_cast<const IdentifierNode&>(first), cmd, &cmd.args, final,
                          out);
    case NodeType::kPipe:
      // A parenthesized pipeline takes no arguments of its own.
      if (!NotAFunction(cmd.args, final)) return false;
      return EvalPipeline(dot, static_cast<const PipeNode*>(&first), out);
    case NodeType::kVariable:
      return EvalVariableNode(static_cast<const VariableNode&>(first), cmd.args.size(), final, out);
    default:
      break;
  }
  node_ = &first;
  if (!NotAFunction(cmd.args, final)) return false;
  switch (first.type) {
    case NodeType::kBool:
      *out = Value::Bool(static_cast<const BoolNode&>(first).value);
      return true;
    case NodeType::kDot:
      *out = dot;
      return true;
    case NodeType::kNil:
      return Errorf("nil is not a command");
    case NodeType::kNumber:
      return IdealConstant(static_cast<const NumberNode&>(first), out);
    case NodeType::kString:
      *out = Value::String(static_cast<const StringNode&>(first).text);
      return true;
    default:
      return Errorf("can't evaluate command " + QuoteGo(first.String()));
  }
}

// A number where no type is asked for: its syntax decides, as Go's constants do.
bool State::IdealConstant(const NumberNode& n, Value* out) {
  node_ = &n;
  const std::string& text = n.text;
  const bool hex_int = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') &&
                       text.find_first_of("pP") == std::string::npos;
  const bool rune_int = !text.empty() && text[0] == '\'';
  if (n.is_float && !hex_int && !rune_int && text.find_first_of(".eEpP") != std::string::npos) {
    *out = Value::Float(n.float_value);
    return true;
  }
  if (n.is_int) {
    *out = Value::Int(n.int_value);
    return true;
  }
  if (n.is_uint) return Errorf(text + " overflows int");
  *out = Value();
  return true;
}

bool State::EvalFieldNode(const Value& dot, const FieldNode& field, size_t num_args,
                          const Value* final, Value* out) {
  node_ = &field;
  return EvalFieldChain(dot, field.ident, 0, num_args, final, out);
}

bool State::EvalChainNode(const Value& dot, const ChainNode& chain, size_t num_args,
                          const Value* final, Value* out) {
  node_ = &chain;
  if (chain.node->type == NodeType::kNil)
    return Errorf("indirection through explicit nil in " + chain.String());
  Value receiver;
  if (!EvalArg(dot, std::nullopt, *chain.node, &receiver)) return false;
  return EvalFieldChain(receiver, chain.field, 0, num_args, final, out);
}

bool State::EvalVariableNode(const VariableNode& v, size_t num_args, const Value* final,
                             Value* out) {
  node_ = &v;
  Value value;
  if (!VarValue(v.ident[0], &value)) return false;
  if (v.ident.size() == 1) {
    if (num_args > 1 || final != nullptr)
      return Errorf("can't give argument to non-function " + v.String());
    *out = std::move(value);
    return true;
  }
  return EvalFieldChain(value, v.ident, 1, num_args, final, out);
}

bool State::EvalFieldChain(Value receiver, const std::vector<std::string>& ident, size_t first,
                           size_t num_args, const Value* final, Value* out) {
  for (size_t i = first; i + 1 < ident.size(); ++i) {
    Value next;
    if (!EvalField(ident[i], 0, nullptr, receiver, &next)) return false;
    receiver = std::move(next);
  }
  return EvalField(ident.back(), num_args, final, receiver, out);
}

bool State::EvalField(const std::string& name, size_t num_args, const Value* final,
                      const Value& receiver, Value* out) {
  // A field of nothing is nothing (missingkey=zero).
  if (receiver.is_nil()) {
    *out = Value();
    return true;
  }
  const bool has_args = num_args > 1 || final != nullptr;
  switch (receiver.kind()) {
    case Kind::kData:
    case Kind::kSample: {
      // A struct field, through the pointer for a sample.
      const bool known = receiver.kind() == Kind::kData
                             ? (name == "Labels" || name == "ExternalLabels" ||
                                name == "ExternalURL" || name == "Value")
                             : (name == "Labels" || name == "Value");
      if (!known) break;
      if (receiver.kind() == Kind::kSample && receiver.sample() == nullptr) {
        return Errorf("nil pointer evaluating *template.sample." + name);
      }
      if (has_args) return Errorf(name + " has arguments but cannot be invoked as function");
      *out = FieldOf(receiver, name);
      return true;
    }
    case Kind::kStringMap:
      if (has_args) return Errorf(name + " is not a method but has arguments");
      *out = Value::String(std::string(receiver.string_map()->Get(name)));
      return true;
    case Kind::kAnyMap: {
      if (has_args) return Errorf(name + " is not a method but has arguments");
      *out = Value();
      for (const auto& [key, value] : *receiver.any_map()) {
        if (key == name) *out = value;
      }
      return true;
    }
    default:
      break;
  }
  return Errorf("can't evaluate field " + name + " in type " + std::string(TypeName(receiver)));
}

bool State::EvalFunction(const Value& dot, const IdentifierNode& id, const Node& cmd,
                         const std::vector<NodePtr>* args, const Value* final, Value* out) {
  node_ = &id;
  const Function& fn = *id.fn;
  const size_t given = args == nullptr ? 0 : args->size() - 1;  // args[0] is the function's name
  const size_t num_in = given + (final != nullptr ? 1 : 0);
  size_t num_fixed = given;
  if (fn.variadic) {
    num_fixed = fn.num_params;
    if (num_in < num_fixed) {
      return Errorf("wrong number of args for " + id.ident + ": want at least " +
                    std::to_string(fn.num_params) + " got " + std::to_string(given));
    }
  } else if (num_in != fn.num_params) {
    return Errorf("wrong number of args for " + id.ident + ": want " +
                  std::to_string(fn.num_params) + " got " + std::to_string(num_in));
  }
  auto arg_node = [&](size_t i) -> const Node& { return *(*args)[i + 1]; };
  // and/or stop at the first argument that decides them (Go 1.18+).
  if (fn.logic != Function::Logic::kNone) {
    Value v;
    for (size_t i = 0; i < given; ++i) {
      if (!EvalArg(dot, ParamType::kAny, arg_node(i), &v)) return false;
      if (IsTrue(v) == (fn.logic == Function::Logic::kOr)) {
        *out = std::move(v);
        return true;
      }
    }
    if (final != nullptr) v = *final;
    *out = std::move(v);
    return true;
  }
  std::vector<Value> argv;
  argv.reserve(num_in);
  size_t i = 0;
  for (; i < num_fixed && i < given; ++i) {
    Value v;
    if (!EvalArg(dot, fn.params[i], arg_node(i), &v)) return false;
    argv.push_back(std::move(v));
  }
  for (; i < given; ++i) {
    Value v;
    if (!EvalArg(dot, ParamType::kAny, arg_node(i), &v)) return false;
    argv.push_back(std::move(v));
  }
  if (final != nullptr) {
    // The piped value is the last argument: a fixed one's type, or the variadic part's.
    const ParamType t =
        (!fn.variadic || num_in - 1 < num_fixed) ? fn.params[num_in - 1] : ParamType::kAny;
    Value v;
    if (!ValidateType(*final, t, &v)) return false;
    argv.push_back(std::move(v));
  }
  auto result = fn.impl(ctx_, argv);
  if (!result.ok()) {
    node_ = &cmd;
    return Errorf("error calling " + id.ident + ": " + result.status().message());
  }
  if ((result->kind() == Kind::kString || result->kind() == Kind::kHtml) &&
      result->as_string().size() > kMaxTextBytes) {
    node_ = &cmd;
    return Errorf("error calling " + id.ident + ": result exceeds " +
                  std::to_string(kMaxTextBytes) + " bytes");
  }
  *out = std::move(result).value();
  return true;
}

bool State::EvalArg(const Value& dot, ArgType type, const Node& n, Value* out) {
  node_ = &n;
  Value v;
  switch (n.type) {
    case NodeType::kDot:
      return ValidateType(dot, type, out);
    case NodeType::kNil:
      if (CanBeNil(type)) {
        *out = ZeroOf(type);
        return true;
      }
      return Errorf("cannot assign nil to " + std::string(ParamTypeName(*type)));
    case NodeType::kField:
      if (!EvalFieldNode(dot, static_cast<const FieldNode&>(n), 1, nullptr, &v)) return false;
      return ValidateType(std::move(v), type, out);
    case NodeType::kVariable:
      if (!EvalVariableNode(static_cast<const VariableNode&>(n), 0, nullptr, &v)) return false;
      return ValidateType(std::move(v), type, out);
    case NodeType::kPipe:
      if (!EvalPipeline(dot, static_cast<const PipeNode*>(&n), &v)) return false;
      return ValidateType(std::move(v), type, out);
    case NodeType::kIdentifier: {
      const auto& id = static_cast<const IdentifierNode&>(n);
      if (!EvalFunction(dot, id, id, nullptr, nullptr, &v)) return false;
      return ValidateType(std::move(v), type, out);
    }
    case NodeType::kChain:
      if (!EvalChainNode(dot, static_cast<const ChainNode&>(n), 0, nullptr, &v)) return false;
      return ValidateType(std::move(v), type, out);
    default:
      break;
  }
  // A literal: its type must be the parameter's.
  switch (type.value_or(ParamType::kAny)) {
    case ParamType::kString:
      if (n.type == NodeType::kString) {
        *out = Value::String(static_cast<const StringNode&>(n).text);
        return true;
      }
      return Errorf("expected string; found " + n.String());
    case ParamType::kAny:
      switch (n.type) {
        case NodeType::kBool:
          *out = Value::Bool(static_cast<const BoolNode&>(n).value);
          return true;
        case NodeType::kNumber:
          return IdealConstant(static_cast<const NumberNode&>(n), out);
        case NodeType::kString:
          *out = Value::String(static_cast<const StringNode&>(n).text);
          return true;
        default:
          return Errorf("can't handle assignment of " + n.String() +
                        " to empty interface argument");
      }
    default:
      return Errorf("can't handle " + n.String() + " for arg of type " +
                    std::string(ParamTypeName(*type)));
  }
}

bool State::ValidateType(Value value, ArgType type, Value* out) {
  if (!type) {
    *out = std::move(value);
    return true;
  }
  if (value.is_nil()) {
    if (CanBeNil(type)) {
      *out = ZeroOf(type);
      return true;
    }
    return Errorf("invalid value; expected " + std::string(ParamTypeName(*type)));
  }
  if (!Assignable(value, *type)) {
    return Errorf("wrong type for value; expected " + std::string(ParamTypeName(*type)) + "; got " +
                  std::string(TypeName(value)));
  }
  *out = std::move(value);
  return true;
}

bool State::VarValue(const std::string& name, Value* out) {
  for (size_t i = vars_.size(); i-- > 0;) {
    if (vars_[i].first == name) {
      *out = vars_[i].second;
      return true;
    }
  }
  return Errorf("undefined variable: " + name);
}

bool State::SetVar(const std::string& name, const Value& value) {
  for (size_t i = vars_.size(); i-- > 0;) {
    if (vars_[i].first == name) {
      vars_[i].second = value;
      return true;
    }
  }
  return Errorf("undefined variable: " + name);
}

}  // namespace

core::Result<std::string> Execute(const ParsedTemplate& t, const TemplateData& data) {
  State state(t, data);
  std::string out, error;
  if (!state.Run(&out, &error)) return core::InvalidArgumentError(std::move(error));
  return out;
}

}  // namespace vigil::rules::gotemplate
