#pragma once
// The parse tree of a template, as Go's text/template/parse builds it. Each node keeps its
// byte offset in the text, for "NAME:LINE:COL" in execution errors, and writes itself back
// as Go's Node.String() does, for the "at <...>" part of those errors.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::rules::gotemplate {

struct Function;

enum class NodeType : uint8_t {
  kText,
  kAction,
  kBool,
  kChain,
  kCommand,
  kDot,
  kField,
  kIdentifier,
  kIf,
  kList,
  kNil,
  kNumber,
  kPipe,
  kRange,
  kString,
  kTemplate,
  kVariable,
  kWith,
  kBreak,
  kContinue,
  kEnd,   // parser-internal: {{end}}
  kElse,  // parser-internal: {{else}}
};

struct Node {
  Node(NodeType t, int p) : type(t), pos(p) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  virtual void Write(std::string* out) const = 0;
  std::string String() const {
    std::string out;
    Write(&out);
    return out;
  }
  const NodeType type;
  const int pos;
};

using NodePtr = std::unique_ptr<Node>;

struct ListNode final : Node {
  explicit ListNode(int p) : Node(NodeType::kList, p) {}
  void Write(std::string* out) const override;
  std::vector<NodePtr> nodes;
};

struct TextNode final : Node {
  TextNode(int p, std::string_view t) : Node(NodeType::kText, p), text(t) {}
  void Write(std::string* out) const override;
  std::string_view text;  // a view of the template's text, which the template keeps
};

// $x or $x.Field.Field: ident[0] is the variable.
struct VariableNode final : Node {
  VariableNode(int p, std::vector<std::string> i)
      : Node(NodeType::kVariable, p), ident(std::move(i)) {}
  void Write(std::string* out) const override;
  std::vector<std::string> ident;
};

struct CommandNode final : Node {
  explicit CommandNode(int p) : Node(NodeType::kCommand, p) {}
  void Write(std::string* out) const override;
  std::vector<NodePtr> args;
};

struct PipeNode final : Node {
  PipeNode(int p, int l) : Node(NodeType::kPipe, p), line(l) {}
  void Write(std::string* out) const override;
  int line;
  bool is_assign = false;  // $x = ... rather than $x := ...
  std::vector<std::unique_ptr<VariableNode>> decl;
  std::vector<std::unique_ptr<CommandNode>> cmds;
};

struct ActionNode final : Node {
  ActionNode(int p, int l, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::kAction, p), line(l), pipe(std::move(pp)) {}
  void Write(std::string* out) const override;
  int line;
  std::unique_ptr<PipeNode> pipe;
};

struct IdentifierNode final : Node {
  IdentifierNode(int p, std::string i, const Function* f)
      : Node(NodeType::kIdentifier, p), ident(std::move(i)), fn(f) {}
  void Write(std::string* out) const override;
  std::string ident;
  const Function* fn;  // resolved when parsed: an unknown name is a parse error
};

struct DotNode final : Node {
  explicit DotNode(int p) : Node(NodeType::kDot, p) {}
  void Write(std::string* out) const override;
};

struct NilNode final : Node {
  explicit NilNode(int p) : Node(NodeType::kNil, p) {}
  void Write(std::string* out) const override;
};

// .Field.Field
struct FieldNode final : Node {
  FieldNode(int p, std::vector<std::string> i) : Node(NodeType::kField, p), ident(std::move(i)) {}
  void Write(std::string* out) const override;
  std::vector<std::string> ident;
};

// (pipeline).Field.Field
struct ChainNode final : Node {
  ChainNode(int p, NodePtr n) : Node(NodeType::kChain, p), node(std::move(n)) {}
  void Write(std::string* out) const override;
  NodePtr node;
  std::vector<std::string> field;
};

struct BoolNode final : Node {
  BoolNode(int p, bool v) : Node(NodeType::kBool, p), value(v) {}
  void Write(std::string* out) const override;
  bool value;
};

// A number literal and the Go types it can stand for.
struct NumberNode final : Node {
  NumberNode(int p, std::string t) : Node(NodeType::kNumber, p), text(std::move(t)) {}
  void Write(std::string* out) const override;
  bool is_int = false, is_uint = false, is_float = false;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double float_value = 0;
  std::string text;
};

struct StringNode final : Node {
  StringNode(int p, std::string q, std::string t)
      : Node(NodeType::kString, p), quoted(std::move(q)), text(std::move(t)) {}
  void Write(std::string* out) const override;
  std::string quoted;  // as written
  std::string text;
};

// if, range and with.
struct BranchNode final : Node {
  BranchNode(NodeType t, int p, int l) : Node(t, p), line(l) {}
  void Write(std::string* out) const override;
  int line;
  std::unique_ptr<PipeNode> pipe;
  std::unique_ptr<ListNode> list;
  std::unique_ptr<ListNode> else_list;  // may be null
};

struct TemplateNode final : Node {
  TemplateNode(int p, int l, std::string n, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::kTemplate, p), line(l), name(std::move(n)), pipe(std::move(pp)) {}
  void Write(std::string* out) const override;
  int line;
  std::string name;
  std::unique_ptr<PipeNode> pipe;  // may be null
};

// break, continue, and the parser's end and else.
struct KeywordNode final : Node {
  KeywordNode(NodeType t, int p) : Node(t, p) {}
  void Write(std::string* out) const override;
};

}  // namespace vigil::rules::gotemplate
