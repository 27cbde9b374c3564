#include "server/rules/template_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/labels.h"

namespace vigil::rules::gotemplate {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (Lower(c) >= 'a' && Lower(c) <= 'f'); }

// A float's shortest decimal digits: value = 0.digits * 10^dp. Zero has no digits.
struct Decimal {
  std::string digits;
  int dp = 0;
};

Decimal Shortest(double v) {
  char buf[64];
  // Scientific to_chars gives the shortest digits that read back: "d.ddde+XX".
  auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  (void)ec;
  Decimal d;
  const char* p = buf;
  for (; p < end && *p != 'e'; ++p) {
    if (*p != '.') d.digits.push_back(*p);
  }
  int exp = 0;
  if (p < end) std::from_chars(p + 1 + (p[1] == '+'), end, exp);
  if (d.digits == "0") return Decimal{};
  d.dp = exp + 1;
  return d;
}

// Go's fmtE: d.ddd with `prec` digits after the point, then e±XX (two digits at least).
std::string FormatE(bool neg, const Decimal& d, int prec, char e) {
  std::string out = neg ? "-" : "";
  out.push_back(d.digits.empty() ? '0' : d.digits[0]);
  if (prec > 0) {
    out.push_back('.');
    for (int i = 1; i <= prec; ++i)
      out.push_back(i < static_cast<int>(d.digits.size()) ? d.digits[i] : '0');
  }
  out.push_back(e);
  int exp = d.digits.empty() ? 0 : d.dp - 1;
  out.push_back(exp < 0 ? '-' : '+');
  exp = std::abs(exp);
  if (exp < 10) out.push_back('0');
  out += std::to_string(exp);
  return out;
}

// Go's fmtF: all integer digits, `prec` after the point.
std::string FormatF(bool neg, const Decimal& d, int prec) {
  std::string out = neg ? "-" : "";
  const int nd = static_cast<int>(d.digits.size());
  if (d.dp > 0) {
    for (int i = 0; i < d.dp; ++i) out.push_back(i < nd ? d.digits[i] : '0');
  } else {
    out.push_back('0');
  }
  if (prec > 0) {
    out.push_back('.');
    for (int i = 1; i <= prec; ++i) {
      const int j = d.dp + i - 1;
      out.push_back(j >= 0 && j < nd ? d.digits[j] : '0');
    }
  }
  return out;
}

std::string Printf(const char* format, int prec, double v) {
  const int n = std::snprintf(nullptr, 0, format, prec, v);
  std::string out(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), format, prec, v);
  out.resize(static_cast<size_t>(n));
  return out;
}

// Go's %x of a float: -0x1.yyyp±dd, the mantissa normalised (subnormals too) and rounded
// to `prec` hex digits when prec >= 0.
std::string FormatHex(double v, char fmt, int prec) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const bool neg = bits >> 63;
  int exp = static_cast<int>((bits >> 52) & 0x7FF);
  uint64_t mant = bits & ((uint64_t{1} << 52) - 1);
  if (exp == 0) {
    ++exp;  // subnormal
  } else {
    mant |= uint64_t{1} << 52;
  }
  exp -= 1023;
  if (mant == 0) exp = 0;
  // The leading 1 (if any) at bit 60.
  mant <<= 60 - 52;
  while (mant != 0 && (mant & (uint64_t{1} << 60)) == 0) {
    mant <<= 1;
    --exp;
  }
  if (prec >= 0 && prec < 15) {
    const unsigned shift = static_cast<unsigned>(prec * 4);
    const uint64_t extra = (mant << shift) & ((uint64_t{1} << 60) - 1);
    mant >>= 60 - shift;
    if ((extra | (mant & 1)) > (uint64_t{1} << 59)) ++mant;
    mant <<= 60 - shift;
    if (mant & (uint64_t{1} << 61)) {  // rounding carried into a new leading digit
      mant >>= 1;
      ++exp;
    }
  }
  const char* hex = fmt == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out = neg ? "-" : "";
  out += '0';
  out += fmt;
  out += static_cast<char>('0' + ((mant >> 60) & 1));
  mant <<= 4;  // drop the leading digit
  if (prec < 0 && mant != 0) {
    out += '.';
    for (; mant != 0; mant <<= 4) out += hex[(mant >> 60) & 15];
  } else if (prec > 0) {
    out += '.';
    for (int i = 0; i < prec; ++i, mant <<= 4) out += hex[(mant >> 60) & 15];
  }
  out += fmt == 'X' ? 'P' : 'p';
  out += exp < 0 ? '-' : '+';
  exp = std::abs(exp);
  if (exp < 10) out += '0';
  out += std::to_string(exp);
  return out;
}

// Go's underscoreOK: underscores only between digits (or after a base prefix).
bool UnderscoresOk(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (Lower(s[1]) == 'b' || Lower(s[1]) == 'o' || Lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = Lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    if (IsDigit(s[i]) || (hex && IsHexDigit(s[i]))) {
      saw = '0';
      continue;
    }
    if (s[i] == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

size_t PrefixLenIgnoreCase(std::string_view s, std::string_view word) {
  size_t n = 0;
  while (n < s.size() && n < word.size() && Lower(s[n]) == word[n]) ++n;
  return n;
}

// The decimal or hexadecimal float grammar of Go, without sign or underscores. Sets
// `*decimal_exp` to an estimate of the power of ten (for telling overflow from underflow).
bool ValidFloatSyntax(std::string_view s, bool* hex, int64_t* decimal_exp) {
  size_t i = 0;
  *hex = s.size() >= 2 && s[0] == '0' && Lower(s[1]) == 'x';
  if (*hex) i = 2;
  bool digits = false, seen_nonzero = false;
  int64_t int_digits = 0, lead_zero_fraction = 0;
  for (; i < s.size() && (*hex ? IsHexDigit(s[i]) : IsDigit(s[i])); ++i) {
    digits = true;
    if (s[i] != '0') seen_nonzero = true;
    if (seen_nonzero) ++int_digits;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && (*hex ? IsHexDigit(s[i]) : IsDigit(s[i])); ++i) {
      digits = true;
      if (s[i] != '0') seen_nonzero = true;
      if (!seen_nonzero) ++lead_zero_fraction;
    }
  }
  if (!digits) return false;
  int64_t exp = 0;
  const char exp_char = *hex ? 'p' : 'e';
  if (i < s.size() && Lower(s[i]) == exp_char) {
    ++i;
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (i == s.size()) return false;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (exp < 100000000) exp = exp * 10 + (s[i] - '0');
    }
    if (neg) exp = -exp;
  } else if (*hex) {
    return false;  // a hexadecimal float needs its p exponent
  }
  const int64_t digit_exp = int_digits > 0 ? int_digits : -lead_zero_fraction;
  *decimal_exp = *hex ? (exp + 4 * digit_exp) * 3 / 10 : exp + digit_exp;
  return i == s.size();
}

std::optional<uint64_t> ParseUintBody(std::string_view s) {
  int base = 10;
  if (s.size() >= 2 && s[0] == '0') {
    const char c = Lower(s[1]);
    if (c == 'x' || c == 'o' || c == 'b') {
      base = c == 'x' ? 16 : c == 'o' ? 8 : 2;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  } else if (s == "0") {
    return 0;
  }
  if (s.empty() && base != 8) return std::nullopt;
  uint64_t n = 0;
  bool any = false;
  for (char c : s) {
    if (c == '_') continue;
    int d;
    if (IsDigit(c)) {
      d = c - '0';
    } else if (Lower(c) >= 'a' && Lower(c) <= 'z') {
      d = Lower(c) - 'a' + 10;
    } else {
      return std::nullopt;
    }
    if (d >= base) return std::nullopt;
    if (n > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
      return std::nullopt;
    n = n * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    any = true;
  }
  if (!any && base != 8) return std::nullopt;
  return n;
}

int HexValue(char c) { return IsDigit(c) ? c - '0' : Lower(c) - 'a' + 10; }

// One escape or character of a Go literal at s[*i]; `quote` is the literal's quote.
std::optional<int32_t> UnquoteOne(std::string_view s, size_t* i, char quote, bool* is_byte) {
  *is_byte = false;
  if (*i >= s.size()) return std::nullopt;
  const char c = s[*i];
  if (c == quote && (quote == '\'' || quote == '"')) return std::nullopt;
  if (c != '\\') return DecodeRune(s, i);
  ++*i;
  if (*i >= s.size()) return std::nullopt;
  const char e = s[(*i)++];
  switch (e) {
    case 'a':
      return 7;
    case 'b':
      return 8;
    case 'f':
      return 12;
    case 'n':
      return 10;
    case 'r':
      return 13;
    case 't':
      return 9;
    case 'v':
      return 11;
    case '\\':
      return '\\';
    case '\'':
    case '"':
      if (e != quote) return std::nullopt;
      return e;
    case 'x':
    case 'u':
    case 'U': {
      const size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (*i + n > s.size()) return std::nullopt;
      int64_t v = 0;
      for (size_t k = 0; k < n; ++k) {
        if (!IsHexDigit(s[*i + k])) return std::nullopt;
        v = v * 16 + HexValue(s[*i + k]);
      }
      *i += n;
      if (e == 'x') {
        *is_byte = true;
        return static_cast<int32_t>(v);
      }
      if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return std::nullopt;
      return static_cast<int32_t>(v);
    }
    default:
      if (e >= '0' && e <= '7') {
        if (*i + 2 > s.size()) return std::nullopt;
        int v = e - '0';
        for (int k = 0; k < 2; ++k) {
          const char o = s[(*i)++];
          if (o < '0' || o > '7') return std::nullopt;
          v = v * 8 + (o - '0');
        }
        if (v > 255) return std::nullopt;
        *is_byte = true;
        return v;
      }
      return std::nullopt;
  }
}

void AppendQuotedRune(std::string* out, int32_t r, char quote, bool ascii_only) {
  if (r == quote || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (ascii_only ? (r < 0x80 && IsPrintRune(r)) : IsPrintRune(r)) {
    AppendRune(out, r);
    return;
  }
  char buf[16];
  switch (r) {
    case 7:
      *out += "\\a";
      return;
    case 8:
      *out += "\\b";
      return;
    case 12:
      *out += "\\f";
      return;
    case 10:
      *out += "\\n";
      return;
    case 13:
      *out += "\\r";
      return;
    case 9:
      *out += "\\t";
      return;
    case 11:
      *out += "\\v";
      return;
    default:
      if (r < ' ' || r == 0x7f) {
        std::snprintf(buf, sizeof buf, "\\x%02x", r);
      } else if (r < 0x10000) {
        std::snprintf(buf, sizeof buf, "\\u%04x", r);
      } else {
        std::snprintf(buf, sizeof buf, "\\U%08x", r);
      }
      *out += buf;
  }
}

// Go's %b of a float: the integer mantissa and the power of two, -ddddp±ddd.
std::string FormatBinary(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  int exp = static_cast<int>((bits >> 52) & 0x7FF);
  uint64_t mant = bits & ((uint64_t{1} << 52) - 1);
  if (exp == 0) {
    ++exp;
  } else {
    mant |= uint64_t{1} << 52;
  }
  exp -= 1023 + 52;
  return std::string(bits >> 63 ? "-" : "") + std::to_string(mant) + "p" + (exp >= 0 ? "+" : "") +
         std::to_string(exp);
}

}  // namespace

std::string FormatFloat(double v, char fmt, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (fmt == 'F') fmt = 'f';
  if (fmt == 'b') return FormatBinary(v);
  if (fmt == 'x' || fmt == 'X') return FormatHex(v, fmt, prec);
  if (prec >= 0) {
    // glibc prints the exact binary value correctly rounded, as Go does; Go's %g chooses
    // between %e and %f by the same rule as C's, and drops trailing zeros the same way.
    const char* format = fmt == 'e'   ? "%.*e"
                         : fmt == 'E' ? "%.*E"
                         : fmt == 'f' ? "%.*f"
                         : fmt == 'g' ? "%.*g"
                                      : "%.*G";
    return Printf(format, prec, v);
  }
  const bool neg = std::signbit(v);
  const Decimal d = Shortest(v);
  const int nd = static_cast<int>(d.digits.size());
  switch (fmt) {
    case 'e':
    case 'E':
      return FormatE(neg, d, std::max(nd - 1, 0), fmt);
    case 'f':
      return FormatF(neg, d, std::max(nd - d.dp, 0));
    default: {
      // Shortest %g (and so %v): Go decides between the forms as if the precision were 6,
      // whatever the number of digits: 1e+06 and 1.2345675e+06, but 123456.7.
      const int exp = d.dp - 1;
      if (nd > 0 && (exp < -4 || exp >= 6)) return FormatE(neg, d, nd - 1, fmt == 'g' ? 'e' : 'E');
      return FormatF(neg, d, std::max(nd - d.dp, 0));
    }
  }
}

core::Result<double> ParseFloat(std::string_view text) {
  auto syntax = [&] {
    return core::InvalidArgumentError("strconv.ParseFloat: parsing " + QuoteGo(text) +
                                      ": invalid syntax");
  };
  std::string_view s = text;
  if (s.empty()) return syntax();
  // Infinity and NaN, as Go's special().
  {
    std::string_view t = s;
    double sign = 1;
    bool signed_ = false;
    if (t[0] == '+' || t[0] == '-') {
      sign = t[0] == '-' ? -1 : 1;
      signed_ = true;
      t.remove_prefix(1);
    }
    size_t n = PrefixLenIgnoreCase(t, "infinity");
    if (n > 3 && n < 8) n = 3;
    if ((n == 3 || n == 8) && n == t.size()) return sign * HUGE_VAL;
    if (!signed_ && PrefixLenIgnoreCase(t, "nan") == 3 && t.size() == 3) return std::nan("");
  }
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  std::string clean;
  if (s.find('_') != std::string_view::npos) {
    if (!UnderscoresOk(text)) return syntax();
    for (char c : s) {
      if (c != '_') clean.push_back(c);
    }
    s = clean;
  }
  bool hex = false;
  int64_t decimal_exp = 0;
  if (!ValidFloatSyntax(s, &hex, &decimal_exp)) return syntax();
  double v = 0;
  const char* begin = s.data() + (hex ? 2 : 0);
  const auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v,
                                         hex ? std::chars_format::hex : std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    // An overflow is an error; an underflow reads as zero, as in Go.
    if (decimal_exp > 0) {
      return core::OutOfRangeError("strconv.ParseFloat: parsing " + QuoteGo(text) +
                                   ": value out of range");
    }
    v = 0;
  } else if (ec != std::errc() || ptr != s.data() + s.size()) {
    return syntax();
  }
  return neg ? -v : v;
}

std::optional<uint64_t> ParseGoUint(std::string_view s) {
  if (s.empty() || s[0] == '+' || s[0] == '-') return std::nullopt;
  // Underscores between digits are allowed with or without a base prefix, as in Go.
  auto n = ParseUintBody(s);
  if (!n) return std::nullopt;
  if (s.find('_') != std::string_view::npos && !UnderscoresOk(s)) return std::nullopt;
  return n;
}

std::optional<int64_t> ParseGoInt(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool neg = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  auto u = ParseGoUint(body);
  if (!u) return std::nullopt;
  if (neg) {
    if (*u > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - *u);
  }
  if (*u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(*u);
}

std::optional<std::string> UnquoteGo(std::string_view q) {
  if (q.size() < 2 || q.front() != q.back()) return std::nullopt;
  if (q[0] == '`') {
    std::string out;
    for (char c : q.substr(1, q.size() - 2)) {
      if (c == '`') return std::nullopt;
      if (c != '\r') out.push_back(c);  // Go drops carriage returns from raw strings
    }
    return out;
  }
  if (q[0] != '"') return std::nullopt;
  std::string_view body = q.substr(1, q.size() - 2);
  std::string out;
  for (size_t i = 0; i < body.size();) {
    if (body[i] == '\n') return std::nullopt;
    if (body[i] != '\\') {
      // Bytes pass through unchanged, valid UTF-8 or not, as in Go.
      if (body[i] == '"') return std::nullopt;
      out.push_back(body[i++]);
      continue;
    }
    bool is_byte = false;
    auto r = UnquoteOne(body, &i, '"', &is_byte);
    if (!r) return std::nullopt;
    if (is_byte) {
      out.push_back(static_cast<char>(*r));
    } else {
      AppendRune(&out, *r);
    }
  }
  return out;
}

std::optional<int32_t> UnquoteGoChar(std::string_view q, bool* extra) {
  *extra = false;
  if (q.size() < 3 || q.front() != '\'' || q.back() != '\'') return std::nullopt;
  std::string_view body = q.substr(1, q.size() - 2);
  size_t i = 0;
  bool is_byte = false;
  auto r = UnquoteOne(body, &i, '\'', &is_byte);
  if (!r) return std::nullopt;
  if (i != body.size()) *extra = true;
  return r;
}

int32_t DecodeRune(std::string_view s, size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int n;
  int32_t r;
  int32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, r = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, r = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, r = b0 & 0x07, min = 0x10000;
  } else {
    ++*i;
    return 0xFFFD;
  }
  if (*i + n > s.size()) {
    ++*i;
    return 0xFFFD;
  }
  for (int k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[*i + k]);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    r = (r << 6) | (b & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) {
    ++*i;
    return 0xFFFD;
  }
  *i += n;
  return r;
}

void AppendRune(std::string* out, int32_t r) {
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) r = 0xFFFD;
  core::AppendUtf8(out, static_cast<uint32_t>(r));
}

bool IsPrintRune(int32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  if (r < 0xA0 || r == 0xAD || r == 0xA0) return false;  // C1 controls, NBSP, soft hyphen
  if (r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) return false;
  // Spaces other than U+0020, format characters and separators (categories Zs, Cf, Zl, Zp).
  if (r == 0x1680 || (r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
      (r >= 0x205F && r <= 0x206F) || r == 0x3000 || r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB) ||
      (r >= 0x0600 && r <= 0x0605) || r == 0x061C || r == 0x06DD || r == 0x070F || r == 0x180E) {
    return false;
  }
  if ((r >= 0xE000 && r <= 0xF8FF) || r >= 0xF0000) return false;  // private use
  if ((r & 0xFFFE) == 0xFFFE) return false;                        // noncharacters
  return true;
}

std::string QuoteGo(std::string_view s, bool ascii_only) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    const int32_t r = DecodeRune(s, &i);
    if (r == 0xFFFD && i - start == 1) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[start]));
      out += buf;
      continue;
    }
    AppendQuotedRune(&out, r, '"', ascii_only);
  }
  out.push_back('"');
  return out;
}

std::string QuoteGoRune(int32_t r, bool ascii_only) {
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) r = 0xFFFD;
  std::string out = "'";
  AppendQuotedRune(&out, r, '\'', ascii_only);
  out.push_back('\'');
  return out;
}

bool CanBackquote(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    const int32_t r = DecodeRune(s, &i);
    if (r == 0xFFFD && i - start == 1) return false;
    if (r == '`' || r == 0xFEFF) return false;
    if (r < ' ' && r != '\t') return false;
    if (r == 0x7F) return false;
  }
  return true;
}

namespace {

struct Civil {
  int64_t year, month, day, ms_of_day;
};

// The proleptic Gregorian date of a Unix time in milliseconds, as Go's time package keeps it.
Civil CivilFromUnixMillis(int64_t unix_ms) {
  int64_t days = unix_ms / 86400000;
  int64_t ms = unix_ms % 86400000;
  if (ms < 0) {
    ms += 86400000;
    --days;
  }
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (month <= 2), month, day, ms};
}

}  // namespace

std::string FormatTimeUTC(int64_t unix_ms) {
  const Civil c = CivilFromUnixMillis(unix_ms);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld",
                static_cast<long long>(c.year), static_cast<long long>(c.month),
                static_cast<long long>(c.day), static_cast<long long>(c.ms_of_day / 3600000),
                static_cast<long long>(c.ms_of_day / 60000 % 60),
                static_cast<long long>(c.ms_of_day / 1000 % 60));
  std::string out = buf;
  if (const int64_t frac = c.ms_of_day % 1000; frac != 0) {
    std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + " +0000 UTC";
}

std::string GoStringTimeUTC(int64_t unix_ms) {
  static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
  const Civil c = CivilFromUnixMillis(unix_ms);
  char buf[128];
  std::snprintf(buf, sizeof buf, "time.Date(%lld, time.%s, %lld, %lld, %lld, %lld, %lld, time.UTC)",
                static_cast<long long>(c.year), kMonths[c.month - 1], static_cast<long long>(c.day),
                static_cast<long long>(c.ms_of_day / 3600000),
                static_cast<long long>(c.ms_of_day / 60000 % 60),
                static_cast<long long>(c.ms_of_day / 1000 % 60),
                static_cast<long long>(c.ms_of_day % 1000 * 1000000));
  return buf;
}

}  // namespace vigil::rules::gotemplate
