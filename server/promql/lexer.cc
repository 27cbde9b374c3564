#include "server/promql/lexer.h"

#include <cctype>
#include <map>

#include "core/labels.h"

namespace vigil::promql {
namespace {

bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
uint32_t HexValue(char c) {
  return IsDigit(c) ? c - '0'
                    : static_cast<uint32_t>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
}

const std::map<std::string, Tok, std::less<>>& Keywords() {
  static const auto* k = new std::map<std::string, Tok, std::less<>>{
      {"and", Tok::kAnd},
      {"or", Tok::kOr},
      {"unless", Tok::kUnless},
      {"atan2", Tok::kAtan2},
      {"sum", Tok::kAggregator},
      {"avg", Tok::kAggregator},
      {"count", Tok::kAggregator},
      {"min", Tok::kAggregator},
      {"max", Tok::kAggregator},
      {"group", Tok::kAggregator},
      {"stddev", Tok::kAggregator},
      {"stdvar", Tok::kAggregator},
      {"topk", Tok::kAggregator},
      {"bottomk", Tok::kAggregator},
      {"count_values", Tok::kAggregator},
      {"quantile", Tok::kAggregator},
      {"by", Tok::kBy},
      {"without", Tok::kWithout},
      {"on", Tok::kOn},
      {"ignoring", Tok::kIgnoring},
      {"group_left", Tok::kGroupLeft},
      {"group_right", Tok::kGroupRight},
      {"offset", Tok::kOffset},
      {"bool", Tok::kBool},
  };
  return *k;
}

// Length of a duration at `s` (digits and units repeated), 0 when there is none.
size_t ScanDuration(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsDigit(s[i])) {
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i >= s.size()) return 0;
    if (s.substr(i, 2) == "ms") {
      i += 2;
    } else if (std::string_view("smhdwy").find(s[i]) != std::string_view::npos) {
      ++i;
    } else {
      return 0;
    }
  }
  return i;
}

// Checks the escape at s[i] (just after the backslash) inside a string quoted by `quote`;
// returns its length or 0.
size_t ScanEscape(std::string_view s, size_t i, char quote) {
  if (i >= s.size()) return 0;
  const char c = s[i];
  if (std::string_view("abfnrtv\\").find(c) != std::string_view::npos || c == quote) return 1;
  size_t digits = 0;
  bool hex = true;
  if (c >= '0' && c <= '7')
    digits = 3, hex = false;
  else if (c == 'x')
    digits = 2;
  else if (c == 'u')
    digits = 4;
  else if (c == 'U')
    digits = 8;
  else
    return 0;
  const size_t first = (c >= '0' && c <= '7') ? i : i + 1;
  if (first + digits > s.size()) return 0;
  uint32_t value = 0;
  for (size_t k = first; k < first + digits; ++k) {
    if (hex ? !IsHex(s[k]) : !(s[k] >= '0' && s[k] <= '7')) return 0;
    value = value * (hex ? 16 : 8) + HexValue(s[k]);
  }
  if (!hex && value > 255) return 0;
  if ((c == 'u' || c == 'U') && (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)))
    return 0;
  return first + digits - i;
}

}  // namespace

std::string DescribeToken(const Token& t) {
  switch (t.type) {
    case Tok::kEnd:
      return "end of input";
    case Tok::kIdentifier:
      return "identifier \"" + std::string(t.text) + "\"";
    case Tok::kMetricIdentifier:
      return "metric identifier \"" + std::string(t.text) + "\"";
    case Tok::kNumber:
      return "number \"" + std::string(t.text) + "\"";
    case Tok::kDuration:
      return "duration \"" + std::string(t.text) + "\"";
    case Tok::kString:
      return "string " + std::string(t.text);
    case Tok::kLeftParen:
      return "\"(\"";
    case Tok::kRightParen:
      return "\")\"";
    case Tok::kLeftBrace:
      return "\"{\"";
    case Tok::kRightBrace:
      return "\"}\"";
    case Tok::kLeftBracket:
      return "\"[\"";
    case Tok::kRightBracket:
      return "\"]\"";
    case Tok::kComma:
      return "\",\"";
    default:
      return "\"" + std::string(t.text) + "\"";
  }
}

bool Lex(std::string_view q, std::vector<Token>* tokens, LexError* error) {
  tokens->clear();
  size_t i = 0;
  // Inside [ ], ':' separates a subquery's range and step; elsewhere it is part of a name.
  bool in_brackets = false;
  auto fail = [&](size_t pos, std::string message) {
    *error = {static_cast<int>(pos), std::move(message)};
    return false;
  };
  auto emit = [&](Tok type, size_t start, size_t end) {
    tokens->push_back({type, q.substr(start, end - start), static_cast<int>(start)});
  };
  while (i < q.size()) {
    const char c = q[i];
    const size_t start = i;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '#') {  // a comment runs to the end of the line
      while (i < q.size() && q[i] != '\n') ++i;
      continue;
    }
    if (IsDigit(c) || (c == '.' && i + 1 < q.size() && IsDigit(q[i + 1]))) {
      if (size_t n = ScanDuration(q.substr(i));
          n > 0 && (i + n >= q.size() || !IsAlnum(q[i + n]))) {
        emit(Tok::kDuration, i, i + n);
        i += n;
        continue;
      }
      if (c == '0' && i + 1 < q.size() && (q[i + 1] == 'x' || q[i + 1] == 'X')) {
        i += 2;
        while (i < q.size() && IsHex(q[i])) ++i;
      } else {
        while (i < q.size() && IsDigit(q[i])) ++i;
        if (i < q.size() && q[i] == '.') {
          ++i;
          while (i < q.size() && IsDigit(q[i])) ++i;
        }
        if (i < q.size() && (q[i] == 'e' || q[i] == 'E')) {
          size_t j = i + 1;
          if (j < q.size() && (q[j] == '+' || q[j] == '-')) ++j;
          if (j < q.size() && IsDigit(q[j])) {
            i = j;
            while (i < q.size() && IsDigit(q[i])) ++i;
          }
        }
      }
      if (i < q.size() && (IsAlnum(q[i]) || q[i] == '.')) {
        return fail(start, "bad number or duration syntax: \"" +
                               std::string(q.substr(start, i + 1 - start)) + "\"");
      }
      emit(Tok::kNumber, start, i);
      continue;
    }
    if (IsAlpha(c) || (c == ':' && !in_brackets)) {
      bool colon = false;
      while (i < q.size() && (IsAlnum(q[i]) || q[i] == ':')) colon |= q[i++] == ':';
      std::string lower(q.substr(start, i - start));
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (auto it = Keywords().find(lower); it != Keywords().end()) {
        emit(it->second, start, i);
      } else if (lower == "inf" || lower == "nan") {
        emit(Tok::kNumber, start, i);
      } else {
        emit(colon ? Tok::kMetricIdentifier : Tok::kIdentifier, start, i);
      }
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      ++i;
      while (true) {
        if (i >= q.size()) return fail(start, "unterminated quoted string");
        if (q[i] == c) break;
        if (c != '`' && q[i] == '\n') return fail(start, "unterminated quoted string");
        if (c != '`' && q[i] == '\\') {
          const size_t n = ScanEscape(q, i + 1, c);
          if (n == 0) return fail(i, "unknown escape sequence in string");
          i += 1 + n;
          continue;
        }
        ++i;
      }
      ++i;
      emit(Tok::kString, start, i);
      continue;
    }
    auto two = [&](std::string_view op) { return q.substr(i, 2) == op; };
    Tok t;
    size_t len = 1;
    if (two("=="))
      t = Tok::kEqlc, len = 2;
    else if (two("!="))
      t = Tok::kNeq, len = 2;
    else if (two("=~"))
      t = Tok::kRegexMatch, len = 2;
    else if (two("!~"))
      t = Tok::kRegexNoMatch, len = 2;
    else if (two("<="))
      t = Tok::kLte, len = 2;
    else if (two(">="))
      t = Tok::kGte, len = 2;
    else {
      switch (c) {
        case '(':
          t = Tok::kLeftParen;
          break;
        case ')':
          t = Tok::kRightParen;
          break;
        case '{':
          t = Tok::kLeftBrace;
          break;
        case '}':
          t = Tok::kRightBrace;
          break;
        case '[':
          t = Tok::kLeftBracket;
          break;
        case ']':
          t = Tok::kRightBracket;
          break;
        case ',':
          t = Tok::kComma;
          break;
        case ':':
          t = Tok::kColon;
          break;
        case '@':
          t = Tok::kAt;
          break;
        case '=':
          t = Tok::kAssign;
          break;
        case '+':
          t = Tok::kAdd;
          break;
        case '-':
          t = Tok::kSub;
          break;
        case '*':
          t = Tok::kMul;
          break;
        case '/':
          t = Tok::kDiv;
          break;
        case '%':
          t = Tok::kMod;
          break;
        case '^':
          t = Tok::kPow;
          break;
        case '<':
          t = Tok::kLss;
          break;
        case '>':
          t = Tok::kGtr;
          break;
        default:
          return fail(start, "unexpected character: '" + std::string(1, c) + "'");
      }
    }
    if (t == Tok::kLeftBracket) in_brackets = true;
    if (t == Tok::kRightBracket) in_brackets = false;
    i += len;
    emit(t, start, i);
  }
  emit(Tok::kEnd, q.size(), q.size());
  return true;
}

std::string Unquote(std::string_view quoted) {
  const char quote = quoted.front();
  std::string_view s = quoted.substr(1, quoted.size() - 2);
  if (quote == '`') return std::string(s);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out.push_back(s[i]);
      continue;
    }
    const char c = s[++i];
    switch (c) {
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case 'x':
      case 'u':
      case 'U': {
        const size_t n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        const auto v =
            static_cast<uint32_t>(std::stoul(std::string(s.substr(i + 1, n)), nullptr, 16));
        if (c == 'x')
          out.push_back(static_cast<char>(v));
        else
          core::AppendUtf8(&out, v);
        i += n;
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          out.push_back(static_cast<char>(std::stoul(std::string(s.substr(i, 3)), nullptr, 8)));
          i += 2;
        } else {
          out.push_back(c);  // backslash, the quote
        }
    }
  }
  return out;
}

int64_t ParseDurationText(std::string_view text) {
  static constexpr struct {
    std::string_view unit;
    int64_t ms;
  } kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                {"w", 7LL * 24 * 3600 * 1000},
                {"d", 24LL * 3600 * 1000},
                {"h", 3600LL * 1000},
                {"m", 60LL * 1000},
                {"s", 1000},
                {"ms", 1}};
  if (text.empty()) return -1;
  if (text == "0") return 0;
  int64_t total = 0;
  size_t next_unit = 0, i = 0;
  while (i < text.size()) {
    int64_t n = 0;
    const size_t digits_start = i;
    while (i < text.size() && IsDigit(text[i])) {
      if (n > (INT64_MAX - 9) / 10) return -1;
      n = n * 10 + (text[i++] - '0');
    }
    if (i == digits_start) return -1;
    size_t u = next_unit;
    const bool ms = text.substr(i, 2) == "ms";
    while (u < std::size(kUnits) &&
           kUnits[u].unit != (ms ? std::string_view("ms") : text.substr(i, 1)))
      ++u;
    if (u == std::size(kUnits)) return -1;
    i += kUnits[u].unit.size();
    if (n > INT64_MAX / kUnits[u].ms || total > INT64_MAX - n * kUnits[u].ms) return -1;
    total += n * kUnits[u].ms;
    next_unit = u + 1;
  }
  return total;
}

}  // namespace vigil::promql
