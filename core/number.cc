#include "core/number.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace vigil::core {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The shortest decimal digits that round-trip v (> 0, finite), and where the point goes:
// v = 0.DIGITS x 10^point. Fixed storage: numbers are formatted by the million in API answers.
struct Decimal {
  char digits[24];
  int size = 0;
  int point = 0;
  std::string_view view() const { return {digits, static_cast<size_t>(size)}; }
};

Decimal ShortestDigits(double v) {
  // to_chars writes the shortest round-trip form as "D[.DDD]e±XX".
  char buf[40];
  const char* end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific).ptr;
  Decimal d;
  const char* p = buf;
  for (; p < end && *p != 'e'; ++p) {
    if (*p != '.') d.digits[d.size++] = *p;
  }
  int exp = 0;
  const bool negative = p + 1 < end && p[1] == '-';
  for (const char* q = p + 2; q < end; ++q) exp = exp * 10 + (*q - '0');
  d.point = (negative ? -exp : exp) + 1;
  return d;
}

bool AppendSpecial(std::string* out, double v, bool plus_inf) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? (plus_inf ? "+Inf" : "Inf") : "-Inf");
  } else {
    return false;
  }
  return true;
}

void AppendFixed(std::string* out, const Decimal& d) {
  const std::string_view digits = d.view();
  if (d.point <= 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-d.point), '0');
    out->append(digits);
  } else if (d.point >= d.size) {
    out->append(digits);
    out->append(static_cast<size_t>(d.point - d.size), '0');
  } else {
    out->append(digits.substr(0, static_cast<size_t>(d.point)));
    out->push_back('.');
    out->append(digits.substr(static_cast<size_t>(d.point)));
  }
}

}  // namespace

void AppendFloatG(std::string* out, double v) {
  if (AppendSpecial(out, v, true)) return;
  if (v == 0) {
    out->append(std::signbit(v) ? "-0" : "0");
    return;
  }
  if (v < 0) out->push_back('-');
  Decimal d = ShortestDigits(std::fabs(v));
  const int exp = d.point - 1;
  // With shortest precision Go decides as if the precision were 6: the exponent form below
  // 1e-4 and from 1e+06 on.
  if (exp < -4 || exp >= 6) {
    out->push_back(d.digits[0]);
    if (d.size > 1) {
      out->push_back('.');
      out->append(d.view().substr(1));
    }
    char buf[16];
    int ae = exp < 0 ? -exp : exp;
    std::snprintf(buf, sizeof buf, "e%c%02d", exp < 0 ? '-' : '+', ae);
    out->append(buf);
    return;
  }
  AppendFixed(out, d);
}

std::string FormatFloatG(double v) {
  std::string s;
  AppendFloatG(&s, v);
  return s;
}

void AppendFloatF(std::string* out, double v) {
  if (AppendSpecial(out, v, true)) return;
  if (v == 0) {
    out->append(std::signbit(v) ? "-0" : "0");
    return;
  }
  if (v < 0) out->push_back('-');
  AppendFixed(out, ShortestDigits(std::fabs(v)));
}

std::string FormatFloatF(double v) {
  std::string out;
  AppendFloatF(&out, v);
  return out;
}

std::optional<double> ParseFloat(std::string_view text) {
  std::string_view body = text;
  bool negative = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty()) return std::nullopt;
  if (EqualsIgnoreCase(body, "inf") || EqualsIgnoreCase(body, "infinity")) {
    return negative ? -HUGE_VAL : HUGE_VAL;
  }
  if (EqualsIgnoreCase(body, "nan")) return std::nan("");
  // from_chars also reads "inf"/"nan" and hex only when asked; digits must start the text.
  char c = body[0];
  if (!((c >= '0' && c <= '9') || c == '.')) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (end != body.data() + body.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // Go returns ±Inf for overflow and 0 for underflow; from_chars leaves v unchanged.
    bool big = false;
    size_t e = body.find_first_of("eE");
    if (e != std::string_view::npos) {
      big = body[e + 1] != '-';
    } else {
      big = true;
    }
    v = big ? HUGE_VAL : 0.0;
  } else if (ec != std::errc()) {
    return std::nullopt;
  }
  return negative ? -v : v;
}

std::optional<int64_t> ParseInt64(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty() || text[0] == '+') return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<uint64_t> ParseUint64(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace vigil::core
