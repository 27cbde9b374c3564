#pragma once
// Splits a PromQL query into tokens as Prometheus's lexer does: keywords in any case,
// durations (1h30m) told from numbers by their unit, three kinds of string quotes, # comments.
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigil::promql {

enum class Tok {
  kEnd,               // end of input
  kIdentifier,        // foo, a label or metric name
  kMetricIdentifier,  // foo:bar, a metric name only
  kNumber,
  kDuration,
  kString,
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,
  kAt,
  kAssign,
  kRegexMatch,
  kRegexNoMatch,  // = =~ !~ in label matchers
  // Binary operators.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,
  kNeq,
  kLss,
  kLte,
  kGtr,
  kGte,
  kAnd,
  kOr,
  kUnless,
  kAtan2,
  // Keywords.
  kAggregator,  // sum, avg, ... (the text says which)
  kBy,
  kWithout,
  kOn,
  kIgnoring,
  kGroupLeft,
  kGroupRight,
  kOffset,
  kBool,
};

struct Token {
  Tok type = Tok::kEnd;
  std::string_view text;  // as written (a string token includes its quotes)
  int pos = 0;            // byte offset in the query
};

// Describes a token for an error message: `identifier "foo"`, `"("`, `end of input`.
std::string DescribeToken(const Token& t);

struct LexError {
  int pos = 0;
  std::string message;
};

// The tokens of `query` ending with kEnd, or the first lexical error.
bool Lex(std::string_view query, std::vector<Token>* tokens, LexError* error);

// A quoted string token's value with Go's escapes resolved (the lexer checked them).
std::string Unquote(std::string_view quoted);

// Prometheus's duration syntax (1y2w3d4h5m6s7ms, units in that order, each once): milliseconds,
// or -1 when it is not one.
int64_t ParseDurationText(std::string_view text);

}  // namespace vigil::promql
