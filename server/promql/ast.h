#pragma once
// The syntax tree of a PromQL expression, as Prometheus's parser builds it: one node type per
// construct, each knowing the type of value it evaluates to and how Prometheus prints it
// (String() is what /api/v1/format_query answers). Every walk over a tree recurses once per
// level, so the parser refuses trees deeper than kMaxExprHeight; a node's type is worked out
// once, when it is built, so that asking for it costs the same at any depth.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/storage/matcher.h"

namespace vigil::promql {

enum class ValueType { kScalar, kVector, kMatrix, kString };
// "scalar", "vector", "matrix", "string": the API's resultType.
const char* ValueTypeName(ValueType type);
// "instant vector", "range vector": the words of the parser's type errors.
const char* ValueTypeDescription(ValueType type);

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,  // arithmetic
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,  // comparison
  kAnd,
  kOr,
  kUnless,  // set
};
const char* BinaryOpName(BinaryOp op);
bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);

enum class AggregateOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kCountValues,
  kQuantile,
};
const char* AggregateOpName(AggregateOp op);
// topk, bottomk, count_values and quantile take a parameter before the vector.
bool TakesParameter(AggregateOp op);

struct Function;

// Where a node starts and ends in the query text, in bytes.
struct PosRange {
  int start = 0;
  int end = 0;
};

enum class ExprKind {
  kNumber,
  kString,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kParen,
  kUnary,
  kBinary,
  kAggregate,
  kCall,
};

// The most levels a tree may have. Parsing, evaluating, printing and freeing a tree each recurse
// once per level; at this height the deepest of them needs 1-2 MB of stack in a release build
// (4-6 MB under AddressSanitizer), inside the 8 MB libuv gives the pool threads that parse and
// evaluate queries (depth_test runs them there). Written queries nest a few dozen levels; a
// chain of binary operators nests a level a term, so `a or b or ...` takes 1000 terms at most.
inline constexpr int kMaxExprHeight = 1000;

struct Expr {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  virtual ValueType type() const = 0;
  // Appends the expression as Prometheus prints it: one pass, linear in the output.
  virtual void AppendTo(std::string* out) const = 0;
  std::string String() const {
    std::string out;
    AppendTo(&out);
    return out;
  }
  const ExprKind kind;
  PosRange pos;
  int height = 1;  // levels from this node down to its deepest leaf, itself included
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral final : Expr {
  NumberLiteral() : Expr(ExprKind::kNumber) {}
  ValueType type() const override { return ValueType::kScalar; }
  void AppendTo(std::string* out) const override;
  double value = 0;
};

struct StringLiteral final : Expr {
  StringLiteral() : Expr(ExprKind::kString) {}
  ValueType type() const override { return ValueType::kString; }
  void AppendTo(std::string* out) const override;
  std::string value;
};

// `@ <time>`, `@ start()`, `@ end()`: a selector or subquery evaluated at one fixed time.
enum class AtModifier { kNone, kTimestamp, kStart, kEnd };

// What selectors and subqueries share: the offset and the @ modifier.
struct TimeModifiers {
  int64_t offset_ms = 0;
  AtModifier at = AtModifier::kNone;
  int64_t at_ms = 0;  // with kTimestamp
  // " @ 100.000 offset 5m", as Prometheus prints them after a selector.
  std::string String() const;
};

struct VectorSelector final : Expr {
  VectorSelector() : Expr(ExprKind::kVectorSelector) {}
  ValueType type() const override { return ValueType::kVector; }
  void AppendTo(std::string* out) const override;
  // name{matchers} without the time modifiers.
  std::string SelectorString() const;
  std::string name;            // "" when the selector has only braces
  storage::Matchers matchers;  // including __name__="name"
  TimeModifiers time;
};

struct MatrixSelector final : Expr {
  MatrixSelector() : Expr(ExprKind::kMatrixSelector) {}
  ValueType type() const override { return ValueType::kMatrix; }
  void AppendTo(std::string* out) const override;
  std::unique_ptr<VectorSelector> selector;  // its time modifiers apply to the range
  int64_t range_ms = 0;
};

struct SubqueryExpr final : Expr {
  SubqueryExpr() : Expr(ExprKind::kSubquery) {}
  ValueType type() const override { return ValueType::kMatrix; }
  void AppendTo(std::string* out) const override;
  ExprPtr expr;
  int64_t range_ms = 0;
  int64_t step_ms = 0;  // 0: the engine's default subquery step
  TimeModifiers time;
};

struct ParenExpr final : Expr {
  ParenExpr() : Expr(ExprKind::kParen) {}
  explicit ParenExpr(ExprPtr inner);
  ValueType type() const override { return type_; }
  void AppendTo(std::string* out) const override;
  ExprPtr expr;

 private:
  ValueType type_;
};

struct UnaryExpr final : Expr {
  UnaryExpr(bool negative, ExprPtr operand);
  ValueType type() const override { return type_; }
  void AppendTo(std::string* out) const override;
  bool negate = false;  // '-' (a '+' is kept only for printing)
  ExprPtr expr;

 private:
  ValueType type_;
};

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  bool on = false;                   // on(...) rather than ignoring(...)
  std::vector<std::string> labels;   // of on/ignoring
  std::vector<std::string> include;  // of group_left/group_right
};

struct BinaryExpr final : Expr {
  BinaryExpr(BinaryOp operation, ExprPtr left, ExprPtr right);
  ValueType type() const override { return type_; }
  void AppendTo(std::string* out) const override;
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs, rhs;
  bool return_bool = false;
  VectorMatching matching;  // meaningful when both sides are vectors

 private:
  ValueType type_;
};

struct AggregateExpr final : Expr {
  AggregateExpr() : Expr(ExprKind::kAggregate) {}
  ValueType type() const override { return ValueType::kVector; }
  void AppendTo(std::string* out) const override;
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // topk's k, quantile's q, count_values' label
  std::vector<std::string> grouping;
  bool without = false;
};

struct Call final : Expr {
  Call() : Expr(ExprKind::kCall) {}
  ValueType type() const override;
  void AppendTo(std::string* out) const override;
  const Function* func = nullptr;
  std::vector<ExprPtr> args;
};

// Prometheus's model.Duration spelling: 1h30m, 5m, 1d, 0s.
std::string FormatDuration(int64_t ms);
// Go's %q: how Prometheus prints string literals.
std::string QuoteString(std::string_view text);

// The expression inside any number of parentheses.
const Expr& Unparen(const Expr& e);

}  // namespace vigil::promql
