#include "server/promql/ast.h"

#include <algorithm>
#include <cstdio>

#include "core/number.h"
#include "server/promql/functions.h"

namespace vigil::promql {
namespace {

std::string JoinLabels(const std::vector<std::string>& labels) {
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) out += (i > 0 ? ", " : "") + labels[i];
  return out;
}

}  // namespace

const char* ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
    case ValueType::kString:
      return "string";
  }
  return "";
}

const char* ValueTypeDescription(ValueType type) {
  switch (type) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
  }
  return "";
}

const char* BinaryOpName(BinaryOp op) {
  static constexpr const char* kNames[] = {"+",  "-", "*", "/",  "%",  "^",   "atan2", "==",
                                           "!=", ">", "<", ">=", "<=", "and", "or",    "unless"};
  return kNames[static_cast<int>(op)];
}

bool IsComparison(BinaryOp op) { return op >= BinaryOp::kEql && op <= BinaryOp::kLte; }
bool IsSetOperator(BinaryOp op) { return op >= BinaryOp::kAnd; }

const char* AggregateOpName(AggregateOp op) {
  static constexpr const char* kNames[] = {"sum",  "avg",     "count",        "min",
                                           "max",  "group",   "stddev",       "stdvar",
                                           "topk", "bottomk", "count_values", "quantile"};
  return kNames[static_cast<int>(op)];
}

bool TakesParameter(AggregateOp op) {
  return op == AggregateOp::kTopk || op == AggregateOp::kBottomk ||
         op == AggregateOp::kCountValues || op == AggregateOp::kQuantile;
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  static constexpr struct {
    const char* unit;
    int64_t ms;
  } kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                {"w", 7LL * 24 * 3600 * 1000},
                {"d", 24LL * 3600 * 1000},
                {"h", 3600LL * 1000},
                {"m", 60LL * 1000},
                {"s", 1000},
                {"ms", 1}};
  for (const auto& u : kUnits) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms) + u.unit;
      ms %= u.ms;
    }
  }
  return out;
}

std::string QuoteString(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

const Expr& Unparen(const Expr& e) {
  const Expr* cur = &e;
  while (cur->kind == ExprKind::kParen) cur = static_cast<const ParenExpr*>(cur)->expr.get();
  return *cur;
}

void NumberLiteral::AppendTo(std::string* out) const { *out += core::FormatFloatF(value); }
void StringLiteral::AppendTo(std::string* out) const { *out += QuoteString(value); }

std::string TimeModifiers::String() const {
  std::string out;
  if (at == AtModifier::kTimestamp) {
    char buf[48];
    std::snprintf(buf, sizeof buf, " @ %.3f", static_cast<double>(at_ms) / 1000.0);
    out += buf;
  } else if (at == AtModifier::kStart) {
    out += " @ start()";
  } else if (at == AtModifier::kEnd) {
    out += " @ end()";
  }
  if (offset_ms > 0) out += " offset " + FormatDuration(offset_ms);
  if (offset_ms < 0) out += " offset -" + FormatDuration(-offset_ms);
  return out;
}

std::string VectorSelector::SelectorString() const {
  std::vector<std::string> parts;
  for (const storage::Matcher& m : matchers) {
    if (m.name() == core::kMetricNameLabel && m.type() == storage::MatchType::kEqual &&
        m.value() == name)
      continue;
    parts.push_back(m.ToString());
  }
  if (parts.empty()) return name;
  std::sort(parts.begin(), parts.end());
  std::string out = name + "{";
  for (size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? "," : "") + parts[i];
  return out + "}";
}

void VectorSelector::AppendTo(std::string* out) const { *out += SelectorString() + time.String(); }

void MatrixSelector::AppendTo(std::string* out) const {
  *out +=
      selector->SelectorString() + "[" + FormatDuration(range_ms) + "]" + selector->time.String();
}

void SubqueryExpr::AppendTo(std::string* out) const {
  expr->AppendTo(out);
  *out += "[" + FormatDuration(range_ms) + ":" + (step_ms ? FormatDuration(step_ms) : "") + "]" +
          time.String();
}

ParenExpr::ParenExpr(ExprPtr inner)
    : Expr(ExprKind::kParen), expr(std::move(inner)), type_(expr->type()) {
  height = expr->height + 1;
}

void ParenExpr::AppendTo(std::string* out) const {
  out->push_back('(');
  expr->AppendTo(out);
  out->push_back(')');
}

UnaryExpr::UnaryExpr(bool negative, ExprPtr operand)
    : Expr(ExprKind::kUnary), negate(negative), expr(std::move(operand)), type_(expr->type()) {
  height = expr->height + 1;
}

void UnaryExpr::AppendTo(std::string* out) const {
  out->push_back(negate ? '-' : '+');
  expr->AppendTo(out);
}

BinaryExpr::BinaryExpr(BinaryOp operation, ExprPtr left, ExprPtr right)
    : Expr(ExprKind::kBinary),
      op(operation),
      lhs(std::move(left)),
      rhs(std::move(right)),
      type_(lhs->type() == ValueType::kScalar && rhs->type() == ValueType::kScalar
                ? ValueType::kScalar
                : ValueType::kVector) {
  height = std::max(lhs->height, rhs->height) + 1;
}

void BinaryExpr::AppendTo(std::string* out) const {
  lhs->AppendTo(out);
  *out += " ";
  *out += BinaryOpName(op);
  if (return_bool) *out += " bool";
  if (!matching.labels.empty() || matching.on) {
    *out +=
        std::string(matching.on ? " on" : " ignoring") + " (" + JoinLabels(matching.labels) + ")";
    if (matching.card == Cardinality::kManyToOne || matching.card == Cardinality::kOneToMany) {
      *out +=
          std::string(matching.card == Cardinality::kManyToOne ? " group_left" : " group_right") +
          " (" + JoinLabels(matching.include) + ")";
    }
  }
  *out += " ";
  rhs->AppendTo(out);
}

void AggregateExpr::AppendTo(std::string* out) const {
  *out += AggregateOpName(op);
  if (without) {
    *out += " without (" + JoinLabels(grouping) + ") ";
  } else if (!grouping.empty()) {
    *out += " by (" + JoinLabels(grouping) + ") ";
  }
  out->push_back('(');
  if (param) {
    param->AppendTo(out);
    *out += ", ";
  }
  expr->AppendTo(out);
  out->push_back(')');
}

ValueType Call::type() const { return func->return_type; }

void Call::AppendTo(std::string* out) const {
  *out += func->name;
  out->push_back('(');
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) *out += ", ";
    args[i]->AppendTo(out);
  }
  out->push_back(')');
}

}  // namespace vigil::promql
