#include "server/rules/series_notation.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "server/promql/ast.h"
#include "server/promql/lexer.h"

namespace vigil::rules {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsLetter(c) || IsDigit(c) || c == '_'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

core::Status ErrorAt(size_t pos, const std::string& what) {
  return core::InvalidArgumentError("col " + std::to_string(pos + 1) + ": " + what);
}

// The values' tokens, as Prometheus's lexer splits a series description: 'x' and '_' are
// tokens of their own wherever a token starts, so "1x3" is a number, a times and a number.
enum class Kind { kSpace, kAdd, kSub, kTimes, kBlank, kNumber, kWord, kEnd };

struct Token {
  Kind kind;
  std::string_view text;
  size_t pos;
};

std::string Describe(const Token& t) {
  switch (t.kind) {
    case Kind::kEnd:
      return "end of input";
    case Kind::kSpace:
      return "space";
    case Kind::kNumber:
      return "number \"" + std::string(t.text) + "\"";
    case Kind::kWord:
      return "identifier \"" + std::string(t.text) + "\"";
    default:
      return "\"" + std::string(t.text) + "\"";
  }
}

core::Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t start = i;
    const char c = s[i];
    auto single = [&](Kind k) {
      out.push_back({k, s.substr(i, 1), i});
      ++i;
    };
    if (IsSpace(c)) {
      while (i < s.size() && IsSpace(s[i])) ++i;
      out.push_back({Kind::kSpace, s.substr(start, i - start), start});
    } else if (c == '+') {
      single(Kind::kAdd);
    } else if (c == '-') {
      single(Kind::kSub);
    } else if (c == 'x') {
      single(Kind::kTimes);
    } else if (c == '_') {
      single(Kind::kBlank);
    } else if (IsDigit(c) || (c == '.' && i + 1 < s.size() && IsDigit(s[i + 1]))) {
      // Decimal only: hexadecimal would make 0x1 ambiguous with the repetition.
      while (i < s.size() && IsDigit(s[i])) ++i;
      if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && IsDigit(s[i])) ++i;
      }
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        while (i < s.size() && IsDigit(s[i])) ++i;
      }
      // What follows a number is a space, an operator or the repetition's x.
      if (i < s.size() && s[i] != 'x' && IsAlnum(s[i])) {
        return ErrorAt(start,
                       "bad number syntax \"" + std::string(s.substr(start, i - start + 1)) + "\"");
      }
      out.push_back({Kind::kNumber, s.substr(start, i - start), start});
    } else if (IsLetter(c)) {
      while (i < s.size() && (IsAlnum(s[i]) || s[i] == ':')) ++i;
      out.push_back({Kind::kWord, s.substr(start, i - start), start});
    } else {
      return ErrorAt(start, "unexpected character " + promql::QuoteString(s.substr(start, 1)));
    }
  }
  out.push_back({Kind::kEnd, "", s.size()});
  return out;
}

// A number as Prometheus's parser reads one: an integer in Go's base-0 syntax (a leading 0
// means octal) when it is one, a float otherwise.
core::Result<double> NumberValue(const Token& t) {
  const std::string word = Lower(t.text);
  if (word == "inf") return std::numeric_limits<double>::infinity();
  if (word == "nan") return std::numeric_limits<double>::quiet_NaN();
  const char* begin = t.text.data();
  const char* end = begin + t.text.size();
  const bool octal = t.text.size() > 1 && t.text[0] == '0';
  int64_t whole = 0;
  auto [int_end, int_ec] = std::from_chars(begin + (octal ? 1 : 0), end, whole, octal ? 8 : 10);
  if (int_ec == std::errc() && int_end == end) return static_cast<double>(whole);
  double v = 0;
  auto [float_end, float_ec] = std::from_chars(begin, end, v);
  if (float_ec == std::errc::result_out_of_range) {
    // Too small rounds to 0, as Go's ParseFloat does; too large is an error there too.
    const size_t e = t.text.find_first_of("eE");
    if (e != std::string_view::npos && e + 1 < t.text.size() && t.text[e + 1] == '-') return 0.0;
    return ErrorAt(t.pos, "number \"" + std::string(t.text) + "\" is out of range");
  }
  if (float_ec != std::errc() || float_end != end) {
    return ErrorAt(t.pos, "bad number \"" + std::string(t.text) + "\"");
  }
  return v;
}

bool IsNumberToken(const Token& t) {
  if (t.kind == Kind::kNumber) return true;
  if (t.kind != Kind::kWord) return false;
  const std::string word = Lower(t.text);
  return word == "inf" || word == "nan";
}

class ValuesParser {
 public:
  explicit ValuesParser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  core::Result<SeriesSteps> Parse() {
    SeriesSteps out;
    while (Peek().kind != Kind::kEnd) {
      VIGIL_RETURN_IF_ERROR(Item(&out));
      const Token& after = Peek();
      if (after.kind == Kind::kSpace) {
        ++at_;
      } else if (after.kind != Kind::kEnd) {
        return Unexpected(after, "");
      }
    }
    return out;
  }

 private:
  const Token& Peek() const { return tokens_[at_]; }
  const Token& Next() { return tokens_[at_++]; }

  static core::Status Unexpected(const Token& t, const std::string& expected) {
    return ErrorAt(
        t.pos, "unexpected " + Describe(t) + (expected.empty() ? "" : ", expected " + expected));
  }

  // The repetition after an x: a decimal count.
  core::Result<uint64_t> Count() {
    const Token& t = Next();
    if (t.kind != Kind::kNumber) return Unexpected(t, "a repetition count");
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), n);
    if (ec != std::errc() || end != t.text.data() + t.text.size()) {
      return ErrorAt(
          t.pos, "invalid repetition \"" + std::string(t.text) + "\": not a whole number of steps");
    }
    return n;
  }

  // Room for `n` more steps, or an error rather than an allocation that cannot succeed.
  static core::Status Room(const SeriesSteps& out, uint64_t n, size_t pos) {
    if (n > kMaxSeriesSteps || out.size() + n > kMaxSeriesSteps) {
      return ErrorAt(pos, "more than " + std::to_string(kMaxSeriesSteps) + " values in one series");
    }
    return core::OkStatus();
  }

  // A number with its sign, or `stale`.
  core::Result<double> Value() {
    const Token& t = Next();
    if (t.kind == Kind::kWord && t.text == "stale") return core::StaleNaN();
    if (IsNumberToken(t)) return NumberValue(t);
    if (t.kind == Kind::kAdd || t.kind == Kind::kSub) return Signed(t);
    return Unexpected(t, "a number or \"stale\"");
  }

  // The number after a sign token already taken.
  core::Result<double> Signed(const Token& sign) {
    const Token& t = Next();
    if (!IsNumberToken(t)) return Unexpected(t, "a number");
    VIGIL_ASSIGN_OR_RETURN(double v, NumberValue(t));
    return sign.kind == Kind::kSub ? -v : v;
  }

  core::Status Item(SeriesSteps* out) {
    const Token& first = Peek();
    if (first.kind == Kind::kBlank) {
      ++at_;
      uint64_t n = 1;
      if (Peek().kind == Kind::kTimes) {
        ++at_;
        VIGIL_ASSIGN_OR_RETURN(n, Count());
      }
      VIGIL_RETURN_IF_ERROR(Room(*out, n, first.pos));
      out->insert(out->end(), n, std::nullopt);
      return core::OkStatus();
    }
    VIGIL_ASSIGN_OR_RETURN(double v, Value());
    double step = 0;
    bool sequence = false;
    if (Peek().kind == Kind::kAdd || Peek().kind == Kind::kSub) {
      const Token& sign = Next();
      VIGIL_ASSIGN_OR_RETURN(step, Signed(sign));
      if (Peek().kind != Kind::kTimes) return Unexpected(Peek(), "\"x\" and a repetition count");
      sequence = true;
    }
    if (Peek().kind != Kind::kTimes) {
      VIGIL_RETURN_IF_ERROR(Room(*out, 1, first.pos));
      out->push_back(v);
      return core::OkStatus();
    }
    ++at_;
    VIGIL_ASSIGN_OR_RETURN(uint64_t n, Count());
    VIGIL_RETURN_IF_ERROR(Room(*out, n + 1 < n ? n : n + 1, first.pos));
    // Added step by step, not start + i * step: the same floating-point sums as promtool.
    for (uint64_t i = 0; i <= n; ++i) {
      out->push_back(v);
      if (sequence) v += step;
    }
    return core::OkStatus();
  }

  std::vector<Token> tokens_;
  size_t at_ = 0;
};

bool IsWordToken(const promql::Token& t) {
  return t.type != promql::Tok::kString && t.type != promql::Tok::kEnd && !t.text.empty();
}

}  // namespace

core::Result<SeriesSteps> ParseSeriesValues(std::string_view values) {
  if (values.find('\n') != std::string_view::npos) {
    return ErrorAt(values.find('\n'), "the values must be on one line");
  }
  // Spaces around the list are not a step.
  size_t first = 0, last = values.size();
  while (first < last && IsSpace(values[first])) ++first;
  while (last > first && IsSpace(values[last - 1])) --last;
  VIGIL_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(values.substr(first, last - first)));
  for (Token& t : tokens) t.pos += first;
  return ValuesParser(std::move(tokens)).Parse();
}

core::Result<core::Labels> ParseSeriesLabels(std::string_view text) {
  std::vector<promql::Token> tokens;
  promql::LexError lex_error;
  if (!promql::Lex(text, &tokens, &lex_error)) return ErrorAt(lex_error.pos, lex_error.message);
  auto unexpected = [](const promql::Token& t, const std::string& expected) {
    return ErrorAt(t.pos, "unexpected " + promql::DescribeToken(t) + ", expected " + expected);
  };
  std::vector<core::Label> pairs;
  size_t i = 0;
  if (IsWordToken(tokens[i]) && tokens[i].type != promql::Tok::kLeftBrace) {
    if (!core::IsValidMetricName(tokens[i].text))
      return unexpected(tokens[i], "a metric name or \"{\"");
    pairs.push_back({std::string(core::kMetricNameLabel), std::string(tokens[i].text)});
    ++i;
  }
  if (tokens[i].type == promql::Tok::kLeftBrace) {
    ++i;
    while (tokens[i].type != promql::Tok::kRightBrace) {
      const promql::Token& name = tokens[i];
      if (!IsWordToken(name) || !core::IsValidLabelName(name.text))
        return unexpected(name, "a label name or \"}\"");
      if (tokens[i + 1].type != promql::Tok::kAssign) return unexpected(tokens[i + 1], "\"=\"");
      const promql::Token& value = tokens[i + 2];
      if (value.type != promql::Tok::kString) return unexpected(value, "a quoted label value");
      pairs.push_back({std::string(name.text), promql::Unquote(value.text)});
      i += 3;
      if (tokens[i].type == promql::Tok::kComma) {
        ++i;
      } else if (tokens[i].type != promql::Tok::kRightBrace) {
        return unexpected(tokens[i], "\",\" or \"}\"");
      }
    }
    ++i;
  } else if (pairs.empty()) {
    return unexpected(tokens[i], "a metric name or \"{\"");
  }
  if (tokens[i].type != promql::Tok::kEnd) return unexpected(tokens[i], "end of input");
  return core::Labels::Create(std::move(pairs));
}

}  // namespace vigil::rules
