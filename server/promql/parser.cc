// A precedence-climbing parser for PromQL. Prometheus generates its parser with goyacc; the
// precedences below are that grammar's: or < and unless < comparisons < + - < * / % atan2 < ^
// (right associative), unary minus binding like *, and offset, @ and [..] binding tightest.
#include "server/promql/parser.h"

#include <cmath>

#include "core/number.h"
#include "server/promql/functions.h"
#include "server/promql/lexer.h"

namespace vigil::promql {
namespace {

int Precedence(Tok t) {
  switch (t) {
    case Tok::kOr:
      return 1;
    case Tok::kAnd:
    case Tok::kUnless:
      return 2;
    case Tok::kEqlc:
    case Tok::kNeq:
    case Tok::kLss:
    case Tok::kLte:
    case Tok::kGtr:
    case Tok::kGte:
      return 3;
    case Tok::kAdd:
    case Tok::kSub:
      return 4;
    case Tok::kMul:
    case Tok::kDiv:
    case Tok::kMod:
    case Tok::kAtan2:
      return 5;
    case Tok::kPow:
      return 6;
    default:
      return 0;
  }
}
constexpr int kUnaryPrecedence = 5;

BinaryOp ToBinaryOp(Tok t) {
  switch (t) {
    case Tok::kAdd:
      return BinaryOp::kAdd;
    case Tok::kSub:
      return BinaryOp::kSub;
    case Tok::kMul:
      return BinaryOp::kMul;
    case Tok::kDiv:
      return BinaryOp::kDiv;
    case Tok::kMod:
      return BinaryOp::kMod;
    case Tok::kPow:
      return BinaryOp::kPow;
    case Tok::kAtan2:
      return BinaryOp::kAtan2;
    case Tok::kEqlc:
      return BinaryOp::kEql;
    case Tok::kNeq:
      return BinaryOp::kNeq;
    case Tok::kGtr:
      return BinaryOp::kGtr;
    case Tok::kLss:
      return BinaryOp::kLss;
    case Tok::kGte:
      return BinaryOp::kGte;
    case Tok::kLte:
      return BinaryOp::kLte;
    case Tok::kAnd:
      return BinaryOp::kAnd;
    case Tok::kOr:
      return BinaryOp::kOr;
    default:
      return BinaryOp::kUnless;
  }
}

std::optional<AggregateOp> ToAggregateOp(std::string_view text) {
  static constexpr std::pair<std::string_view, AggregateOp> kOps[] = {
      {"sum", AggregateOp::kSum},
      {"avg", AggregateOp::kAvg},
      {"count", AggregateOp::kCount},
      {"min", AggregateOp::kMin},
      {"max", AggregateOp::kMax},
      {"group", AggregateOp::kGroup},
      {"stddev", AggregateOp::kStddev},
      {"stdvar", AggregateOp::kStdvar},
      {"topk", AggregateOp::kTopk},
      {"bottomk", AggregateOp::kBottomk},
      {"count_values", AggregateOp::kCountValues},
      {"quantile", AggregateOp::kQuantile}};
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [name, op] : kOps) {
    if (name == lower) return op;
  }
  return std::nullopt;
}

// Keywords that may still name a label (in braces and grouping lists).
bool IsLabelNameToken(const Token& t) {
  switch (t.type) {
    case Tok::kIdentifier:
    case Tok::kAggregator:
    case Tok::kBy:
    case Tok::kWithout:
    case Tok::kOn:
    case Tok::kIgnoring:
    case Tok::kGroupLeft:
    case Tok::kGroupRight:
    case Tok::kOffset:
    case Tok::kBool:
    case Tok::kAnd:
    case Tok::kOr:
    case Tok::kUnless:
    case Tok::kAtan2:
      return true;
    default:
      return false;
  }
}

// Keywords that may still name a metric at the start of an expression, as in Prometheus's
// grammar.
bool IsMetricNameKeyword(Tok t) {
  return t == Tok::kBy || t == Tok::kWithout || t == Tok::kOffset || t == Tok::kAnd ||
         t == Tok::kOr || t == Tok::kUnless;
}

// Go's strconv.ParseInt(s, 0, 64), then ParseFloat: 0x1f, 017 (octal), 1e3, Inf, NaN.
std::optional<double> ParseNumber(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "inf") return INFINITY;
  if (lower == "nan") return NAN;
  if (lower.size() > 2 && lower[0] == '0' && lower[1] == 'x') {
    uint64_t v = 0;
    for (size_t i = 2; i < lower.size(); ++i) {
      if (v >> 60) return std::nullopt;
      v = v * 16 + static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(lower[i]))
                                             ? lower[i] - '0'
                                             : lower[i] - 'a' + 10);
    }
    return static_cast<double>(v);
  }
  if (lower.size() > 1 && lower[0] == '0' &&
      lower.find_first_not_of("01234567") == std::string::npos) {
    // Not std::stoull: it throws on overflow, which ended the process on `0/0222...2` (found
    // by fuzz_promql). Go's ParseInt fails past int64, and Prometheus then reads the digits as
    // a decimal float (ParseFloat takes leading zeros), so an overflow falls through to that.
    uint64_t v = 0;
    bool fits = true;
    for (size_t i = 1; i < lower.size() && fits; ++i) {
      fits = v <= (uint64_t{INT64_MAX} - static_cast<uint64_t>(lower[i] - '0')) / 8;
      v = v * 8 + static_cast<uint64_t>(lower[i] - '0');
    }
    if (fits) return static_cast<double>(v);
  }
  return core::ParseFloat(s);
}

class Parser {
 public:
  explicit Parser(std::string_view query) : query_(query) {}

  core::Result<ExprPtr> Parse() {
    LexError lex_error;
    if (!Lex(query_, &tokens_, &lex_error)) return Error(lex_error.pos, lex_error.message);
    if (Peek().type == Tok::kEnd) return Error(0, "no expression found in input");
    ExprPtr e = ParseBinary(1);
    if (e && Peek().type != Tok::kEnd) Fail(Peek().pos, "unexpected " + DescribeToken(Peek()));
    if (!error_.empty()) return Error(error_pos_, error_);
    return e;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(next_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() {
    const Token& t = tokens_[next_];
    if (next_ + 1 < tokens_.size()) ++next_;
    last_end_ = t.pos + static_cast<int>(t.text.size());
    return t;
  }
  // Records the first error; parsing unwinds by returning nullptr / false.
  std::nullptr_t Fail(int pos, std::string message) {
    if (error_.empty()) {
      error_ = std::move(message);
      error_pos_ = pos;
    }
    return nullptr;
  }
  bool Expect(Tok type, std::string_view context) {
    if (Peek().type == type) {
      Next();
      return true;
    }
    Fail(Peek().pos, "unexpected " + DescribeToken(Peek()) + " " + std::string(context));
    return false;
  }
  core::Status Error(int pos, const std::string& message) const {
    int line = 1, last_break = -1;
    for (int i = 0; i < pos && i < static_cast<int>(query_.size()); ++i) {
      if (query_[i] == '\n') {
        ++line;
        last_break = i;
      }
    }
    return core::InvalidArgumentError(std::to_string(line) + ":" +
                                      std::to_string(pos - last_break) +
                                      ": parse error: " + message);
  }
  template <typename T>
  std::unique_ptr<T> Make(int start) {
    auto node = std::make_unique<T>();
    node->pos = {start, last_end_};
    return node;
  }
  bool ExpectType(const Expr& e, ValueType want, const std::string& context) {
    if (e.type() == want) return true;
    Fail(e.pos.start, std::string("expected type ") + ValueTypeDescription(want) + " in " +
                          context + ", got " + ValueTypeDescription(e.type()));
    return false;
  }

  // A built node that is not too high; else the error, and nullptr.
  ExprPtr WithinHeight(ExprPtr e) {
    if (e->height <= kMaxExprHeight) return e;
    return Fail(e->pos.start,
                "expression nests more than " + std::to_string(kMaxExprHeight) + " levels deep");
  }

  // Every recursion of the parser passes through here, so this bounds its stack: a tree is
  // never deeper than the parser's nesting, and the parser never deeper than a tree may be.
  ExprPtr ParseBinary(int min_precedence) {
    if (nesting_ >= kMaxExprHeight) {
      return Fail(Peek().pos,
                  "expression nests more than " + std::to_string(kMaxExprHeight) + " levels deep");
    }
    ++nesting_;
    ExprPtr e = ParseBinaryNested(min_precedence);
    --nesting_;
    return e;
  }

  ExprPtr ParseBinaryNested(int min_precedence) {
    ExprPtr lhs = ParseUnary();
    while (lhs) {
      const Tok op = Peek().type;
      const int precedence = Precedence(op);
      if (precedence == 0 || precedence < min_precedence) break;
      const int op_pos = Next().pos;
      bool return_bool = false;
      VectorMatching matching;
      if (!ParseBinaryModifiers(&return_bool, &matching)) return nullptr;
      // ^ is right associative: its right side may hold another ^.
      ExprPtr rhs = ParseBinary(op == Tok::kPow ? precedence : precedence + 1);
      if (!rhs) return nullptr;
      auto node = std::make_unique<BinaryExpr>(ToBinaryOp(op), std::move(lhs), std::move(rhs));
      node->pos = {node->lhs->pos.start, node->rhs->pos.end};
      node->return_bool = return_bool;
      node->matching = std::move(matching);
      if (!CheckBinary(node.get(), op_pos)) return nullptr;
      // The loop builds a left-leaning tree without recursing: its height is checked here.
      lhs = WithinHeight(std::move(node));
    }
    return lhs;
  }

  bool ParseBinaryModifiers(bool* return_bool, VectorMatching* matching) {
    if (Peek().type == Tok::kBool) {
      Next();
      *return_bool = true;
    }
    if (Peek().type == Tok::kOn || Peek().type == Tok::kIgnoring) {
      matching->on = Next().type == Tok::kOn;
      if (!ParseLabelList(&matching->labels)) return false;
      if (Peek().type == Tok::kGroupLeft || Peek().type == Tok::kGroupRight) {
        matching->card =
            Next().type == Tok::kGroupLeft ? Cardinality::kManyToOne : Cardinality::kOneToMany;
        if (Peek().type == Tok::kLeftParen && !ParseLabelList(&matching->include)) return false;
      }
    }
    return true;
  }

  bool CheckBinary(BinaryExpr* e, int op_pos) {
    const ValueType lt = e->lhs->type(), rt = e->rhs->type();
    const bool comparison = IsComparison(e->op), set = IsSetOperator(e->op);
    if (e->return_bool && !comparison)
      return Fail(op_pos, "bool modifier can only be used on comparison operators"), false;
    if (comparison && !e->return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
      return Fail(op_pos, "comparisons between scalars must use BOOL modifier"), false;
    }
    if (set && e->matching.card == Cardinality::kOneToOne)
      e->matching.card = Cardinality::kManyToMany;
    for (const std::string& l : e->matching.labels) {
      for (const std::string& g : e->matching.include) {
        if (l == g && e->matching.on) {
          return Fail(op_pos,
                      "label " + QuoteString(l) + " must not occur in ON and GROUP clause at once"),
                 false;
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      return Fail(e->lhs->pos.start,
                  "binary expression must contain only scalar and instant vector types"),
             false;
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      return Fail(e->rhs->pos.start,
                  "binary expression must contain only scalar and instant vector types"),
             false;
    }
    if (lt != ValueType::kVector || rt != ValueType::kVector) {
      if (!e->matching.labels.empty())
        return Fail(e->pos.start, "vector matching only allowed between instant vectors"), false;
      e->matching = VectorMatching{};
    } else if (set && (e->matching.card == Cardinality::kOneToMany ||
                       e->matching.card == Cardinality::kManyToOne)) {
      return Fail(e->pos.start,
                  std::string("no grouping allowed for \"") + BinaryOpName(e->op) + "\" operation"),
             false;
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && set) {
      return Fail(e->pos.start, std::string("set operator \"") + BinaryOpName(e->op) +
                                    "\" not allowed in binary scalar expression"),
             false;
    }
    return true;
  }

  ExprPtr ParseUnary() {
    const Token& t = Peek();
    if (t.type != Tok::kSub && t.type != Tok::kAdd) return ParsePostfix(ParsePrimary());
    const int start = Next().pos;
    const bool negate = t.type == Tok::kSub;
    ExprPtr operand = ParseBinary(kUnaryPrecedence + 1);
    if (!operand) return nullptr;
    if (operand->kind == ExprKind::kNumber) {  // -1 is a literal, as Prometheus folds it
      auto* n = static_cast<NumberLiteral*>(operand.get());
      if (negate) n->value = -n->value;
      n->pos.start = start;
      return operand;
    }
    if (operand->type() != ValueType::kScalar && operand->type() != ValueType::kVector) {
      return Fail(start, std::string("unary expression only allowed on expressions of type scalar "
                                     "or instant vector, got \"") +
                             ValueTypeDescription(operand->type()) + "\"");
    }
    auto node = std::make_unique<UnaryExpr>(negate, std::move(operand));
    node->pos = {start, last_end_};
    return WithinHeight(std::move(node));
  }

  ExprPtr ParsePrimary() {
    const Token& t = Peek();
    switch (t.type) {
      case Tok::kNumber: {
        Next();
        auto n = Make<NumberLiteral>(t.pos);
        const std::optional<double> v = ParseNumber(t.text);
        if (!v)
          return Fail(t.pos, "bad number or duration syntax: \"" + std::string(t.text) + "\"");
        n->value = *v;
        return n;
      }
      case Tok::kString: {
        Next();
        auto s = Make<StringLiteral>(t.pos);
        s->value = Unquote(t.text);
        return s;
      }
      case Tok::kLeftParen: {
        Next();
        ExprPtr inner = ParseBinary(1);
        if (!inner || !Expect(Tok::kRightParen, "in paren expression")) return nullptr;
        auto p = std::make_unique<ParenExpr>(std::move(inner));
        p->pos = {t.pos, last_end_};
        return WithinHeight(std::move(p));
      }
      case Tok::kLeftBrace:
        return ParseSelector(t.pos, "");
      case Tok::kIdentifier:
        if (Peek(1).type == Tok::kLeftParen) return ParseCall();
        Next();
        return ParseSelector(t.pos, std::string(t.text));
      case Tok::kMetricIdentifier:
        Next();
        return ParseSelector(t.pos, std::string(t.text));
      case Tok::kAggregator:
        if (Peek(1).type == Tok::kLeftParen || Peek(1).type == Tok::kBy ||
            Peek(1).type == Tok::kWithout) {
          return ParseAggregate();
        }
        Next();
        return ParseSelector(t.pos, std::string(t.text));
      default:
        if (IsMetricNameKeyword(t.type)) {
          Next();
          return ParseSelector(t.pos, std::string(t.text));
        }
        return Fail(t.pos, "unexpected " + DescribeToken(t));
    }
  }

  ExprPtr ParseSelector(int start, std::string name) {
    auto vs = std::make_unique<VectorSelector>();
    vs->name = name;
    if (Peek().type == Tok::kLeftBrace) {
      Next();
      while (Peek().type != Tok::kRightBrace) {
        const Token& label = Peek();
        if (!IsLabelNameToken(label))
          return Fail(label.pos, "unexpected " + DescribeToken(label) +
                                     " in label matching, expected label matching operator");
        Next();
        storage::MatchType type;
        switch (Peek().type) {
          case Tok::kAssign:
            type = storage::MatchType::kEqual;
            break;
          case Tok::kNeq:
            type = storage::MatchType::kNotEqual;
            break;
          case Tok::kRegexMatch:
            type = storage::MatchType::kRegexMatch;
            break;
          case Tok::kRegexNoMatch:
            type = storage::MatchType::kRegexNoMatch;
            break;
          default:
            return Fail(Peek().pos, "unexpected " + DescribeToken(Peek()) +
                                        " in label matching, expected label matching operator");
        }
        Next();
        if (Peek().type != Tok::kString)
          return Fail(Peek().pos, "unexpected " + DescribeToken(Peek()) +
                                      " in label matching, expected string");
        auto m = storage::Matcher::Create(type, std::string(label.text), Unquote(Next().text));
        if (!m.ok()) return Fail(label.pos, m.status().message());
        vs->matchers.push_back(std::move(*m));
        if (Peek().type == Tok::kComma) {
          Next();
        } else if (Peek().type != Tok::kRightBrace) {
          return Fail(Peek().pos, "unexpected " + DescribeToken(Peek()) +
                                      " in label matching, expected \",\" or \"}\"");
        }
      }
      Next();
    }
    vs->pos = {start, last_end_};
    if (!name.empty()) {
      for (const storage::Matcher& m : vs->matchers) {
        if (m.name() == core::kMetricNameLabel) {
          return Fail(start, "metric name must not be set twice: " + QuoteString(name) + " or " +
                                 QuoteString(m.value()));
        }
      }
      vs->matchers.push_back(*storage::Matcher::Create(storage::MatchType::kEqual,
                                                       std::string(core::kMetricNameLabel), name));
    } else {
      bool non_empty = false;
      for (const storage::Matcher& m : vs->matchers) non_empty |= !m.Matches("");
      if (!non_empty)
        return Fail(start, "vector selector must contain at least one non-empty matcher");
    }
    return vs;
  }

  // ( a, b, ) as by, without, on, ignoring and group_left/right take them.
  bool ParseLabelList(std::vector<std::string>* out) {
    if (!Expect(Tok::kLeftParen, "in grouping opts, expected \"(\"")) return false;
    while (Peek().type != Tok::kRightParen) {
      if (!IsLabelNameToken(Peek())) {
        Fail(Peek().pos,
             "unexpected " + DescribeToken(Peek()) + " in grouping opts, expected label");
        return false;
      }
      out->emplace_back(Next().text);
      if (Peek().type == Tok::kComma) {
        Next();
      } else if (Peek().type != Tok::kRightParen) {
        Fail(Peek().pos,
             "unexpected " + DescribeToken(Peek()) + " in grouping opts, expected \",\" or \")\"");
        return false;
      }
    }
    Next();
    return true;
  }

  bool ParseArguments(std::vector<ExprPtr>* args) {
    if (!Expect(Tok::kLeftParen, "")) return false;
    while (Peek().type != Tok::kRightParen) {
      ExprPtr arg = ParseBinary(1);
      if (!arg) return false;
      args->push_back(std::move(arg));
      if (Peek().type == Tok::kComma) {
        Next();
        if (Peek().type == Tok::kRightParen) {
          Fail(Peek().pos, "unexpected \")\" in argument list, expected expression");
          return false;
        }
      } else if (Peek().type != Tok::kRightParen) {
        Fail(Peek().pos,
             "unexpected " + DescribeToken(Peek()) + " in argument list, expected \",\" or \")\"");
        return false;
      }
    }
    Next();
    return true;
  }

  ExprPtr ParseCall() {
    const Token& name = Next();
    auto call = std::make_unique<Call>();
    call->func = FindFunction(name.text);
    if (call->func == nullptr)
      return Fail(name.pos, "unknown function with name " + QuoteString(name.text));
    if (!ParseArguments(&call->args)) return nullptr;
    call->pos = {name.pos, last_end_};
    const Function& f = *call->func;
    const std::string quoted = QuoteString(f.name);
    const size_t nargs = f.arg_types.size(), got = call->args.size();
    if (f.variadic == 0 && nargs != got) {
      return Fail(name.pos, "expected " + std::to_string(nargs) + " argument(s) in call to " +
                                quoted + ", got " + std::to_string(got));
    }
    if (f.variadic != 0) {
      const size_t min = f.variadic < 0 ? nargs - 1 : nargs - static_cast<size_t>(f.variadic);
      if (got < min) {
        return Fail(name.pos, "expected at least " + std::to_string(min) +
                                  " argument(s) in call to " + quoted + ", got " +
                                  std::to_string(got));
      }
      if (f.variadic > 0 && got > nargs) {
        return Fail(name.pos, "expected at most " + std::to_string(nargs) +
                                  " argument(s) in call to " + quoted + ", got " +
                                  std::to_string(got));
      }
    }
    for (size_t i = 0; i < got; ++i) {
      const ValueType want = f.arg_types[std::min(i, nargs - 1)];
      if (!ExpectType(*call->args[i], want, "call to function " + quoted)) return nullptr;
      call->height = std::max(call->height, call->args[i]->height + 1);
    }
    return WithinHeight(std::move(call));
  }

  ExprPtr ParseAggregate() {
    const Token& op_token = Next();
    auto agg = std::make_unique<AggregateExpr>();
    agg->op = *ToAggregateOp(op_token.text);
    bool grouped = false;
    if (Peek().type == Tok::kBy || Peek().type == Tok::kWithout) {
      agg->without = Next().type == Tok::kWithout;
      if (!ParseLabelList(&agg->grouping)) return nullptr;
      grouped = true;
    }
    std::vector<ExprPtr> args;
    const int args_pos = Peek().pos;
    if (!ParseArguments(&args)) return nullptr;
    if (Peek().type == Tok::kBy || Peek().type == Tok::kWithout) {
      if (grouped) return Fail(Peek().pos, "unexpected " + DescribeToken(Peek()));
      agg->without = Next().type == Tok::kWithout;
      if (!ParseLabelList(&agg->grouping)) return nullptr;
    }
    agg->pos = {op_token.pos, last_end_};
    if (args.empty()) return Fail(args_pos, "no arguments for aggregate expression provided");
    const size_t want = TakesParameter(agg->op) ? 2 : 1;
    if (args.size() != want) {
      return Fail(agg->pos.start,
                  "wrong number of arguments for aggregate expression provided, expected " +
                      std::to_string(want) + ", got " + std::to_string(args.size()));
    }
    if (want == 2) agg->param = std::move(args[0]);
    agg->expr = std::move(args.back());
    if (!ExpectType(*agg->expr, ValueType::kVector, "aggregation expression")) return nullptr;
    agg->height = agg->expr->height + 1;
    if (agg->param) {
      const ValueType pt =
          agg->op == AggregateOp::kCountValues ? ValueType::kString : ValueType::kScalar;
      if (!ExpectType(*agg->param, pt, "aggregation parameter")) return nullptr;
      agg->height = std::max(agg->height, agg->param->height + 1);
    }
    return WithinHeight(std::move(agg));
  }

  // A duration token, or with allow_negative a '-' before it.
  bool ParseDurationToken(int64_t* ms, bool allow_negative) {
    bool negative = false;
    if (allow_negative && Peek().type == Tok::kSub) {
      Next();
      negative = true;
    }
    if (Peek().type != Tok::kDuration) {
      Fail(Peek().pos, "unexpected " + DescribeToken(Peek()) + ", expected duration");
      return false;
    }
    const Token& t = Next();
    *ms = ParseDurationText(t.text);
    if (*ms < 0) {
      Fail(t.pos, "not a valid duration string: \"" + std::string(t.text) + "\"");
      return false;
    }
    if (negative) *ms = -*ms;
    return true;
  }

  ExprPtr ParsePostfix(ExprPtr e) {
    while (e) {
      const Token& t = Peek();
      if (t.type == Tok::kLeftBracket) {
        e = ParseRange(std::move(e));
      } else if (t.type == Tok::kOffset || t.type == Tok::kAt) {
        TimeModifiers* time = nullptr;
        bool* set = nullptr;
        if (e->kind == ExprKind::kVectorSelector) time = &static_cast<VectorSelector&>(*e).time;
        if (e->kind == ExprKind::kMatrixSelector)
          time = &static_cast<MatrixSelector&>(*e).selector->time;
        if (e->kind == ExprKind::kSubquery) time = &static_cast<SubqueryExpr&>(*e).time;
        const bool offset = t.type == Tok::kOffset;
        if (time == nullptr) {
          return Fail(t.pos, std::string(offset ? "offset" : "@") +
                                 " modifier must be preceded by an instant vector selector or "
                                 "range vector selector or a subquery");
        }
        Next();
        set = offset ? &offset_set_[e.get()] : &at_set_[e.get()];
        if (*set)
          return Fail(t.pos, offset ? "offset may not be set multiple times"
                                    : "@ <timestamp> may not be set multiple times");
        *set = true;
        if (offset ? !ParseDurationToken(&time->offset_ms, true) : !ParseAt(time)) return nullptr;
        e->pos.end = last_end_;
      } else {
        break;
      }
    }
    return e;
  }

  bool ParseAt(TimeModifiers* time) {
    const Token& t = Peek();
    if (t.type == Tok::kIdentifier && (t.text == "start" || t.text == "end") &&
        Peek(1).type == Tok::kLeftParen) {
      Next();
      Next();
      if (!Expect(Tok::kRightParen, "")) return false;
      time->at = t.text == "start" ? AtModifier::kStart : AtModifier::kEnd;
      return true;
    }
    bool negative = false;
    if (Peek().type == Tok::kSub || Peek().type == Tok::kAdd) negative = Next().type == Tok::kSub;
    if (Peek().type != Tok::kNumber) {
      Fail(Peek().pos, "unexpected " + DescribeToken(Peek()) + " in @, expected timestamp");
      return false;
    }
    std::optional<double> seconds = ParseNumber(Next().text);
    if (seconds && negative) *seconds = -*seconds;
    if (!seconds || !std::isfinite(*seconds) || std::fabs(*seconds) * 1000 >= 9.2e18) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%f", seconds.value_or(NAN));
      Fail(t.pos, std::string("timestamp out of bounds for @ modifier: ") + buf);
      return false;
    }
    time->at = AtModifier::kTimestamp;
    time->at_ms = static_cast<int64_t>(std::round(*seconds * 1000));
    return true;
  }

  // foo[5m] (a range), or expr[5m:1m] / expr[5m:] (a subquery).
  ExprPtr ParseRange(ExprPtr e) {
    const int bracket = Next().pos;
    int64_t range = 0;
    if (!ParseDurationToken(&range, false)) return nullptr;
    if (Peek().type == Tok::kColon) {
      Next();
      auto sq = std::make_unique<SubqueryExpr>();
      sq->range_ms = range;
      if (Peek().type != Tok::kRightBracket && !ParseDurationToken(&sq->step_ms, false))
        return nullptr;
      if (!Expect(Tok::kRightBracket, "in subquery selector")) return nullptr;
      if (e->type() != ValueType::kVector) {
        return Fail(e->pos.start, std::string("subquery is only allowed on instant vector, got ") +
                                      ValueTypeDescription(e->type()) + " instead");
      }
      sq->pos = {e->pos.start, last_end_};
      sq->height = e->height + 1;
      sq->expr = std::move(e);
      // A subquery of a subquery is built by ParsePostfix's loop: its height is checked here.
      return WithinHeight(std::move(sq));
    }
    if (!Expect(Tok::kRightBracket, "in range selector, expected \"]\"")) return nullptr;
    if (e->kind != ExprKind::kVectorSelector)
      return Fail(bracket, "ranges only allowed for vector selectors");
    if (offset_set_[e.get()]) return Fail(bracket, "no offset modifiers allowed before range");
    if (at_set_[e.get()]) return Fail(bracket, "no @ modifiers allowed before range");
    auto ms = std::make_unique<MatrixSelector>();
    ms->pos = {e->pos.start, last_end_};
    ms->range_ms = range;
    ms->height = e->height + 1;
    ms->selector.reset(static_cast<VectorSelector*>(e.release()));
    return ms;
  }

  std::string_view query_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  int last_end_ = 0;
  std::string error_;
  int error_pos_ = 0;
  int nesting_ = 0;  // ParseBinary calls under way
  // Which nodes had offset / @ written, so a second one is refused even when it is zero.
  std::unordered_map<const Expr*, bool> offset_set_, at_set_;
};

}  // namespace

core::Result<ExprPtr> ParseExpr(std::string_view query) { return Parser(query).Parse(); }

core::Result<storage::Matchers> ParseMetricSelector(std::string_view selector) {
  VIGIL_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr(selector));
  if (e->kind != ExprKind::kVectorSelector) {
    return core::InvalidArgumentError("1:1: parse error: expected a series selector, got " +
                                      e->String());
  }
  const auto& vs = static_cast<const VectorSelector&>(*e);
  if (vs.time.offset_ms != 0 || vs.time.at != AtModifier::kNone) {
    return core::InvalidArgumentError("1:1: parse error: a series selector takes no offset or @");
  }
  return vs.matchers;
}

}  // namespace vigil::promql
