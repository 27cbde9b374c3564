#include "server/rules/template_parser.h"

#include <cmath>
#include <optional>
#include <vector>

#include "server/rules/template_format.h"
#include "server/rules/template_functions.h"
#include "server/rules/template_lexer.h"

namespace vigil::rules::gotemplate {
namespace {

std::vector<std::string> SplitDots(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    out.emplace_back(
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

bool IsEmptyTree(const ListNode& list) {
  for (const NodePtr& n : list.nodes) {
    if (n->type != NodeType::kText) return false;
    for (char c : static_cast<const TextNode&>(*n).text) {
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') return false;
    }
  }
  return true;
}

// Go's parse.Tree, one per template text; errors stop the parse (the first one is reported).
class Parser {
 public:
  explicit Parser(ParsedTemplate* out) : out_(out), lex_(out->text) {}

  // False with error() set when the text is not a template.
  bool Parse();
  const std::string& error() const { return error_; }

 private:
  // Three tokens of lookahead, as Go's parser keeps.
  Item Next();
  void Backup() { ++peek_count_; }
  void Backup2(Item t1);
  void Backup3(Item t2, Item t1);
  Item Peek();
  Item NextNonSpace();
  Item PeekNonSpace();

  // Record the first error; always false, so `return Errorf(...)` ends a step.
  bool Errorf(const std::string& message);
  bool Unexpected(const Item& token, std::string_view context);
  bool failed() const { return !error_.empty(); }
  bool Enter();  // one level deeper; false past kMaxParseDepth
  void Leave() { --depth_; }

  bool Add(const std::string& name, std::unique_ptr<ListNode> root);
  bool ParseDefinition();
  // Returns the list and the {{end}} or {{else}} that ended it.
  std::unique_ptr<ListNode> ItemList(NodePtr* next);
  // The body of a define or block up to its end: a template of its own, which sees no
  // variables but $. Null (with the error said) when it fails.
  std::unique_ptr<ListNode> DefinitionBody(std::string_view context);
  NodePtr TextOrAction();
  NodePtr Action();
  NodePtr BreakOrContinue(const Item& token, NodeType type);
  std::unique_ptr<PipeNode> Pipeline(std::string_view context, ItemType end);
  bool CheckPipeline(const PipeNode& pipe, std::string_view context);
  NodePtr Control(NodeType type, std::string_view context);
  NodePtr ElseControl();
  NodePtr EndControl();
  NodePtr BlockControl();
  NodePtr TemplateControl();
  std::optional<std::string> TemplateName(const Item& token, std::string_view context);
  std::unique_ptr<CommandNode> Command();
  NodePtr Operand();
  NodePtr Term();
  NodePtr UseVar(int pos, std::string_view name);
  NodePtr Number(const Item& token);

  ParsedTemplate* out_;
  Lexer lex_;
  Item token_[3];
  int peek_count_ = 0;
  std::vector<std::string> vars_{"$"};
  int range_depth_ = 0;
  int depth_ = 0;
  int action_line_ = 0;  // the line of the action being parsed, for lexer errors
  std::string error_;
};

Item Parser::Next() {
  if (peek_count_ > 0) {
    --peek_count_;
  } else {
    token_[0] = lex_.Next();
  }
  return token_[peek_count_];
}

void Parser::Backup2(Item t1) {
  token_[1] = std::move(t1);
  peek_count_ = 2;
}

void Parser::Backup3(Item t2, Item t1) {
  token_[1] = std::move(t1);
  token_[2] = std::move(t2);
  peek_count_ = 3;
}

Item Parser::Peek() {
  if (peek_count_ > 0) return token_[peek_count_ - 1];
  peek_count_ = 1;
  token_[0] = lex_.Next();
  return token_[0];
}

Item Parser::NextNonSpace() {
  Item token;
  do {
    token = Next();
  } while (token.type == ItemType::kSpace);
  return token;
}

Item Parser::PeekNonSpace() {
  Item token = NextNonSpace();
  Backup();
  return token;
}

bool Parser::Errorf(const std::string& message) {
  if (error_.empty()) {
    error_ = "template: " + out_->name + ":" + std::to_string(token_[0].line) + ": " + message;
  }
  return false;
}

bool Parser::Unexpected(const Item& token, std::string_view context) {
  if (token.type == ItemType::kError) {
    std::string extra;
    if (action_line_ != 0 && action_line_ != token.line) {
      extra = " in action started at " + out_->name + ":" + std::to_string(action_line_);
      const std::string_view suffix = " action";
      if (token.error.size() >= suffix.size() &&
          token.error.compare(token.error.size() - suffix.size(), suffix.size(), suffix) == 0) {
        extra = extra.substr(std::string_view(" in action").size());  // not "action in action"
      }
    }
    return Errorf(ItemString(token) + extra);
  }
  return Errorf("unexpected " + ItemString(token) + " in " + std::string(context));
}

bool Parser::Enter() {
  if (++depth_ > kMaxParseDepth) return Errorf("max expression depth exceeded");
  return true;
}

bool Parser::Add(const std::string& name, std::unique_ptr<ListNode> root) {
  auto it = out_->trees.find(name);
  if (it == out_->trees.end() || IsEmptyTree(*it->second)) {
    out_->trees[name] = std::move(root);
    return true;
  }
  if (!IsEmptyTree(*root))
    return Errorf("template: multiple definition of template " + QuoteGo(name));
  return true;
}

bool Parser::Parse() {
  auto root = std::make_unique<ListNode>(Peek().pos);
  while (!failed() && Peek().type != ItemType::kEOF) {
    if (Peek().type == ItemType::kLeftDelim) {
      Item delim = Next();
      if (NextNonSpace().type == ItemType::kDefine) {
        if (!ParseDefinition()) return false;
        continue;
      }
      Backup2(std::move(delim));
    }
    NodePtr n = TextOrAction();
    if (!n) return false;
    if (n->type == NodeType::kEnd || n->type == NodeType::kElse)
      return Errorf("unexpected " + n->String());
    root->nodes.push_back(std::move(n));
  }
  if (failed()) return false;
  return Add(out_->name, std::move(root));
}

bool Parser::ParseDefinition() {
  constexpr std::string_view kContext = "define clause";
  Item name = NextNonSpace();
  if (name.type != ItemType::kString && name.type != ItemType::kRawString)
    return Unexpected(name, kContext);
  auto unquoted = UnquoteGo(name.val);
  if (!unquoted) return Errorf("invalid syntax");
  Item close = NextNonSpace();
  if (close.type != ItemType::kRightDelim) return Unexpected(close, kContext);
  std::unique_ptr<ListNode> root = DefinitionBody(kContext);
  return root && Add(*unquoted, std::move(root));
}

std::unique_ptr<ListNode> Parser::DefinitionBody(std::string_view context) {
  if (!Enter()) return nullptr;
  std::vector<std::string> saved_vars = std::exchange(vars_, {"$"});
  const int saved_range_depth = std::exchange(range_depth_, 0);
  NodePtr end;
  std::unique_ptr<ListNode> root = ItemList(&end);
  vars_ = std::move(saved_vars);
  range_depth_ = saved_range_depth;
  Leave();
  if (!root) return nullptr;
  if (end->type != NodeType::kEnd) {
    Errorf("unexpected " + end->String() + " in " + std::string(context));
    return nullptr;
  }
  return root;
}

std::unique_ptr<ListNode> Parser::ItemList(NodePtr* next) {
  auto list = std::make_unique<ListNode>(PeekNonSpace().pos);
  while (PeekNonSpace().type != ItemType::kEOF) {
    NodePtr n = TextOrAction();
    if (!n) return nullptr;
    if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
      *next = std::move(n);
      return list;
    }
    list->nodes.push_back(std::move(n));
  }
  Errorf("unexpected EOF");
  return nullptr;
}

NodePtr Parser::TextOrAction() {
  Item token = NextNonSpace();
  switch (token.type) {
    case ItemType::kText:
      return std::make_unique<TextNode>(token.pos, token.val);
    case ItemType::kLeftDelim: {
      const int saved = std::exchange(action_line_, token.line);
      NodePtr n = Action();
      action_line_ = saved;
      return n;
    }
    default:
      Unexpected(token, "input");
      return nullptr;
  }
}

NodePtr Parser::Action() {
  Item token = NextNonSpace();
  switch (token.type) {
    case ItemType::kBlock:
      return BlockControl();
    case ItemType::kBreak:
      return BreakOrContinue(token, NodeType::kBreak);
    case ItemType::kContinue:
      return BreakOrContinue(token, NodeType::kContinue);
    case ItemType::kElse:
      return ElseControl();
    case ItemType::kEnd:
      return EndControl();
    case ItemType::kIf:
      return Control(NodeType::kIf, "if");
    case ItemType::kRange:
      return Control(NodeType::kRange, "range");
    case ItemType::kTemplate:
      return TemplateControl();
    case ItemType::kWith:
      return Control(NodeType::kWith, "with");
    default:
      break;
  }
  Backup();
  Item first = Peek();
  // Variables declared here persist until the enclosing {{end}}.
  std::unique_ptr<PipeNode> pipe = Pipeline("command", ItemType::kRightDelim);
  if (!pipe) return nullptr;
  return std::make_unique<ActionNode>(first.pos, first.line, std::move(pipe));
}

NodePtr Parser::BreakOrContinue(const Item& token, NodeType type) {
  const std::string word = type == NodeType::kBreak ? "{{break}}" : "{{continue}}";
  Item close = NextNonSpace();
  if (close.type != ItemType::kRightDelim) {
    Unexpected(close, word);
    return nullptr;
  }
  if (range_depth_ == 0) {
    Errorf(word + " outside {{range}}");
    return nullptr;
  }
  return std::make_unique<KeywordNode>(type, token.pos);
}

std::unique_ptr<PipeNode> Parser::Pipeline(std::string_view context, ItemType end) {
  Item first = PeekNonSpace();
  auto pipe = std::make_unique<PipeNode>(first.pos, first.line);
  // Declarations or assignments first: $x := or $x = or, in range, $i, $e :=.
  while (true) {
    Item v = PeekNonSpace();
    if (v.type != ItemType::kVariable) break;
    Next();
    Item after_variable = Peek();
    Item next = PeekNonSpace();
    if (next.type == ItemType::kAssign || next.type == ItemType::kDeclare) {
      pipe->is_assign = next.type == ItemType::kAssign;
      NextNonSpace();
      pipe->decl.push_back(
          std::make_unique<VariableNode>(v.pos, std::vector<std::string>{std::string(v.val)}));
      vars_.emplace_back(v.val);
      break;
    }
    if (next.type == ItemType::kChar && next.val == ",") {
      NextNonSpace();
      pipe->decl.push_back(
          std::make_unique<VariableNode>(v.pos, std::vector<std::string>{std::string(v.val)}));
      vars_.emplace_back(v.val);
      if (context == "range" && pipe->decl.size() < 2) {
        const ItemType t = PeekNonSpace().type;
        if (t == ItemType::kVariable || t == ItemType::kRightDelim || t == ItemType::kRightParen)
          continue;
        Errorf("range can only initialize variables");
        return nullptr;
      }
      Errorf("too many declarations in " + std::string(context));
      return nullptr;
    }
    // Not a declaration: $x is the first operand. Push back what was read.
    if (after_variable.type == ItemType::kSpace) {
      Backup3(std::move(v), std::move(after_variable));
    } else {
      Backup2(std::move(v));
    }
    break;
  }
  while (true) {
    Item token = NextNonSpace();
    if (token.type == end) {
      if (!CheckPipeline(*pipe, context)) return nullptr;
      return pipe;
    }
    switch (token.type) {
      case ItemType::kBool:
      case ItemType::kCharConstant:
      case ItemType::kComplex:
      case ItemType::kDot:
      case ItemType::kField:
      case ItemType::kIdentifier:
      case ItemType::kNumber:
      case ItemType::kNil:
      case ItemType::kRawString:
      case ItemType::kString:
      case ItemType::kVariable:
      case ItemType::kLeftParen: {
        Backup();
        std::unique_ptr<CommandNode> cmd = Command();
        if (!cmd) return nullptr;
        pipe->cmds.push_back(std::move(cmd));
        break;
      }
      default:
        Unexpected(token, context);
        return nullptr;
    }
  }
}

bool Parser::CheckPipeline(const PipeNode& pipe, std::string_view context) {
  if (pipe.cmds.empty()) return Errorf("missing value for " + std::string(context));
  // Only the first command of a pipeline can start with a value that is not executable.
  for (size_t i = 1; i < pipe.cmds.size(); ++i) {
    switch (pipe.cmds[i]->args[0]->type) {
      case NodeType::kBool:
      case NodeType::kDot:
      case NodeType::kNil:
      case NodeType::kNumber:
      case NodeType::kString:
        return Errorf("non executable command in pipeline stage " + std::to_string(i + 1));
      default:
        break;
    }
  }
  return true;
}

NodePtr Parser::Control(NodeType type, std::string_view context) {
  if (!Enter()) return nullptr;
  const size_t vars_mark = vars_.size();
  auto node = [&]() -> std::unique_ptr<BranchNode> {
    std::unique_ptr<PipeNode> pipe = Pipeline(context, ItemType::kRightDelim);
    if (!pipe) return nullptr;
    auto branch = std::make_unique<BranchNode>(type, pipe->pos, pipe->line);
    branch->pipe = std::move(pipe);
    NodePtr next;
    if (type == NodeType::kRange) ++range_depth_;
    branch->list = ItemList(&next);
    if (type == NodeType::kRange) --range_depth_;
    if (!branch->list) return nullptr;
    if (next->type == NodeType::kElse) {
      // {{else if}} chains without another {{end}}: the else left the "if" pending.
      if (type == NodeType::kIf && Peek().type == ItemType::kIf) {
        Next();
        branch->else_list = std::make_unique<ListNode>(next->pos);
        NodePtr inner = Control(NodeType::kIf, "if");
        if (!inner) return nullptr;
        branch->else_list->nodes.push_back(std::move(inner));
        return branch;
      }
      branch->else_list = ItemList(&next);
      if (!branch->else_list) return nullptr;
      if (next->type != NodeType::kEnd) {
        Errorf("expected end; found " + next->String());
        return nullptr;
      }
    }
    return branch;
  }();
  vars_.resize(vars_mark);
  Leave();
  return node;
}

NodePtr Parser::ElseControl() {
  Item peek = PeekNonSpace();
  if (peek.type == ItemType::kIf) return std::make_unique<KeywordNode>(NodeType::kElse, peek.pos);
  Item token = NextNonSpace();
  if (token.type != ItemType::kRightDelim) {
    Unexpected(token, "else");
    return nullptr;
  }
  return std::make_unique<KeywordNode>(NodeType::kElse, token.pos);
}

NodePtr Parser::EndControl() {
  Item token = NextNonSpace();
  if (token.type != ItemType::kRightDelim) {
    Unexpected(token, "end");
    return nullptr;
  }
  return std::make_unique<KeywordNode>(NodeType::kEnd, token.pos);
}

std::optional<std::string> Parser::TemplateName(const Item& token, std::string_view context) {
  if (token.type != ItemType::kString && token.type != ItemType::kRawString) {
    Unexpected(token, context);
    return std::nullopt;
  }
  auto name = UnquoteGo(token.val);
  if (!name) Errorf("invalid syntax");
  return name;
}

NodePtr Parser::BlockControl() {
  constexpr std::string_view kContext = "block clause";
  Item token = NextNonSpace();
  auto name = TemplateName(token, kContext);
  if (!name) return nullptr;
  std::unique_ptr<PipeNode> pipe = Pipeline(kContext, ItemType::kRightDelim);
  if (!pipe) return nullptr;
  std::unique_ptr<ListNode> root = DefinitionBody(kContext);
  if (!root || !Add(*name, std::move(root))) return nullptr;
  return std::make_unique<TemplateNode>(token.pos, token.line, *name, std::move(pipe));
}

NodePtr Parser::TemplateControl() {
  constexpr std::string_view kContext = "template clause";
  Item token = NextNonSpace();
  auto name = TemplateName(token, kContext);
  if (!name) return nullptr;
  std::unique_ptr<PipeNode> pipe;
  if (NextNonSpace().type != ItemType::kRightDelim) {
    Backup();
    pipe = Pipeline(kContext, ItemType::kRightDelim);
    if (!pipe) return nullptr;
  }
  return std::make_unique<TemplateNode>(token.pos, token.line, *name, std::move(pipe));
}

std::unique_ptr<CommandNode> Parser::Command() {
  auto cmd = std::make_unique<CommandNode>(PeekNonSpace().pos);
  while (true) {
    PeekNonSpace();  // skips leading spaces
    NodePtr operand = Operand();
    if (failed()) return nullptr;
    if (operand) cmd->args.push_back(std::move(operand));
    Item token = Next();
    if (token.type == ItemType::kSpace) continue;
    if (token.type == ItemType::kError) {
      Errorf(token.error);
      return nullptr;
    }
    if (token.type == ItemType::kRightDelim || token.type == ItemType::kRightParen) {
      Backup();
    } else if (token.type != ItemType::kPipe) {
      Unexpected(token, "operand");
      return nullptr;
    }
    break;
  }
  if (cmd->args.empty()) {
    Errorf("empty command");
    return nullptr;
  }
  return cmd;
}

NodePtr Parser::Operand() {
  NodePtr node = Term();
  if (!node) return nullptr;
  if (Peek().type != ItemType::kField) return node;
  const int chain_pos = Peek().pos;
  std::vector<std::string> fields;
  while (Peek().type == ItemType::kField) fields.emplace_back(Next().val.substr(1));
  // A field or variable takes the extra fields as its own; a literal cannot have any.
  switch (node->type) {
    case NodeType::kField: {
      auto& f = static_cast<FieldNode&>(*node);
      std::vector<std::string> ident = std::move(f.ident);
      ident.insert(ident.end(), fields.begin(), fields.end());
      return std::make_unique<FieldNode>(chain_pos, std::move(ident));
    }
    case NodeType::kVariable: {
      auto& v = static_cast<VariableNode&>(*node);
      std::vector<std::string> ident = std::move(v.ident);
      ident.insert(ident.end(), fields.begin(), fields.end());
      return std::make_unique<VariableNode>(chain_pos, std::move(ident));
    }
    case NodeType::kBool:
    case NodeType::kString:
    case NodeType::kNumber:
    case NodeType::kNil:
    case NodeType::kDot:
      Errorf("unexpected . after term " + QuoteGo(node->String()));
      return nullptr;
    default: {
      auto chain = std::make_unique<ChainNode>(chain_pos, std::move(node));
      chain->field = std::move(fields);
      return chain;
    }
  }
}

NodePtr Parser::Term() {
  Item token = NextNonSpace();
  switch (token.type) {
    case ItemType::kError:
      Errorf(token.error);
      return nullptr;
    case ItemType::kIdentifier: {
      const Function* fn = FindFunction(token.val);
      if (fn == nullptr) {
        Errorf("function " + QuoteGo(token.val) + " not defined");
        return nullptr;
      }
      return std::make_unique<IdentifierNode>(token.pos, std::string(token.val), fn);
    }
    case ItemType::kDot:
      return std::make_unique<DotNode>(token.pos);
    case ItemType::kNil:
      return std::make_unique<NilNode>(token.pos);
    case ItemType::kVariable:
      return UseVar(token.pos, token.val);
    case ItemType::kField:
      return std::make_unique<FieldNode>(token.pos, SplitDots(token.val.substr(1)));
    case ItemType::kBool:
      return std::make_unique<BoolNode>(token.pos, token.val == "true");
    case ItemType::kCharConstant:
    case ItemType::kComplex:
    case ItemType::kNumber:
      return Number(token);
    case ItemType::kLeftParen: {
      if (!Enter()) return nullptr;
      std::unique_ptr<PipeNode> pipe = Pipeline("parenthesized pipeline", ItemType::kRightParen);
      Leave();
      return pipe;
    }
    case ItemType::kString:
    case ItemType::kRawString: {
      auto text = UnquoteGo(token.val);
      if (!text) {
        Errorf("invalid syntax");
        return nullptr;
      }
      return std::make_unique<StringNode>(token.pos, std::string(token.val), std::move(*text));
    }
    default:
      Backup();
      return nullptr;
  }
}

NodePtr Parser::UseVar(int pos, std::string_view name) {
  std::vector<std::string> ident = SplitDots(name);
  for (const std::string& v : vars_) {
    if (v == ident[0]) return std::make_unique<VariableNode>(pos, std::move(ident));
  }
  Errorf("undefined variable " + QuoteGo(ident[0]));
  return nullptr;
}

// A number literal and every Go type it fits, as parse.newNumber decides.
NodePtr Parser::Number(const Item& token) {
  const std::string text(token.val);
  auto n = std::make_unique<NumberNode>(token.pos, text);
  if (token.type == ItemType::kCharConstant) {
    bool extra = false;
    auto r = UnquoteGoChar(text, &extra);
    if (!r) {
      Errorf("invalid syntax");
      return nullptr;
    }
    if (extra) {
      Errorf("malformed character constant: " + text);
      return nullptr;
    }
    n->is_int = n->is_uint = n->is_float = true;
    n->int_value = *r;
    n->uint_value = static_cast<uint64_t>(*r);
    n->float_value = *r;
    return n;
  }
  // Go accepts complex constants; nothing a rule's template does needs them.
  if (token.type == ItemType::kComplex || text.back() == 'i') {
    Errorf("complex constants are not supported: " + QuoteGo(text));
    return nullptr;
  }
  const std::optional<uint64_t> u = ParseGoUint(text);
  if (u) {
    n->is_uint = true;
    n->uint_value = *u;
  }
  if (const std::optional<int64_t> i = ParseGoInt(text)) {
    n->is_int = true;
    n->int_value = *i;
    if (*i == 0) {  // -0 as well
      n->is_uint = true;
      n->uint_value = 0;
    }
  }
  if (n->is_int) {
    n->is_float = true;
    n->float_value = static_cast<double>(n->int_value);
  } else if (n->is_uint) {
    n->is_float = true;
    n->float_value = static_cast<double>(n->uint_value);
  } else if (auto f = ParseFloat(text); f.ok()) {
    // A float syntax that looks like an integer is an integer too large for any type.
    if (text.find_first_of(".eEpP") == std::string::npos) {
      Errorf("integer overflow: " + QuoteGo(text));
      return nullptr;
    }
    n->is_float = true;
    n->float_value = *f;
    if (std::trunc(*f) == *f && *f >= -9223372036854775808.0 && *f < 9223372036854775808.0) {
      n->is_int = true;
      n->int_value = static_cast<int64_t>(*f);
    }
    if (std::trunc(*f) == *f && *f >= 0 && *f < 18446744073709551616.0) {
      n->is_uint = true;
      n->uint_value = static_cast<uint64_t>(*f);
    }
  }
  if (!n->is_int && !n->is_uint && !n->is_float) {
    Errorf("illegal number syntax: " + QuoteGo(text));
    return nullptr;
  }
  return n;
}

}  // namespace

core::Result<std::unique_ptr<ParsedTemplate>> ParseTemplateText(std::string_view name,
                                                                std::string text) {
  auto out = std::make_unique<ParsedTemplate>(std::string(name), std::move(text));
  Parser parser(out.get());
  if (!parser.Parse()) return core::InvalidArgumentError(parser.error());
  return out;
}

}  // namespace vigil::rules::gotemplate
