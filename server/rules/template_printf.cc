#include "server/rules/template_printf.h"

#include <cstdio>

#include "server/rules/template_format.h"

namespace vigil::rules::gotemplate {
namespace {

constexpr const char* kLowerDigits = "0123456789abcdefx";
constexpr const char* kUpperDigits = "0123456789ABCDEFX";
constexpr int kMaxWidth = 1000000;  // Go's fmt refuses larger widths and precisions

bool IsStringKind(const Value& v) { return v.kind() == Kind::kString || v.kind() == Kind::kHtml; }

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) DecodeRune(s, &i);
  return n;
}

// The first `runes` code points of s.
std::string_view TruncateRunes(std::string_view s, int runes) {
  size_t i = 0;
  for (int n = 0; n < runes && i < s.size(); ++n) DecodeRune(s, &i);
  return s.substr(0, i);
}

// Go's '#' on a float: always a decimal point, and %g keeps its trailing zeros (six
// significant digits when no precision is given). `num` starts with its sign.
void AddSharpDigits(std::string* num, char verb, int prec) {
  int digits = 0;
  if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x') digits = prec == -1 ? 6 : prec;
  std::string tail;
  bool has_point = false, saw_nonzero = false;
  for (size_t i = 1; i < num->size(); ++i) {
    const char c = (*num)[i];
    if (c == '.') {
      has_point = true;
    } else if (c == 'p' || c == 'P' || ((c == 'e' || c == 'E') && verb != 'x' && verb != 'X')) {
      tail = num->substr(i);
      num->resize(i);
      break;
    } else {
      saw_nonzero = saw_nonzero || c != '0';
      if (saw_nonzero) --digits;
    }
  }
  if (!has_point) {
    if (num->size() == 2 && (*num)[1] == '0') --digits;  // a lone 0 counts once
    num->push_back('.');
  }
  if (digits > 0) num->append(static_cast<size_t>(digits), '0');
  *num += tail;
}

// Go's fmt.pp and fmt.fmt in one: flags of the verb being printed, and the output.
class Printer {
 public:
  std::string buf;

  void DoPrint(const std::vector<Value>& args, bool indirect);
  void DoPrintln(const std::vector<Value>& args);
  void DoPrintf(std::string_view format, const std::vector<Value>& args);
  void PrintArg(const Value& v, int32_t verb, bool indirect = false);

 private:
  struct Flags {
    bool plus = false, minus = false, sharp = false, space = false, zero = false;
    bool plus_v = false, sharp_v = false;
    bool wid_present = false, prec_present = false;
    int wid = 0, prec = 0;
  };

  void WritePadding(int n);
  void Pad(std::string_view s);
  void PrintValue(const Value& v, int32_t verb, int depth);
  void PrintStruct(const Value& v, int32_t verb, int depth);
  void PrintGoSyntax(const Value& v, int depth);
  void BadVerb(const Value& v, int32_t verb);
  void FmtBool(bool b, int32_t verb, const Value& v);
  void FmtInteger(uint64_t u, bool is_signed, int32_t verb, const Value& v);
  void FmtIntegerBase(uint64_t u, int base, bool is_signed, int32_t verb, const char* digits);
  void FmtFloat(double f, int32_t verb, const Value& v);
  void FmtFloatPrec(double f, char verb, int prec);
  void FmtString(std::string_view s, int32_t verb, const Value& v);
  void FmtHexString(std::string_view s, const char* digits);
  void FmtPointer(const Value& v, int32_t verb);
  void AppendVerb(int32_t verb) { AppendRune(&buf, verb); }

  Flags f_;
};

void Printer::WritePadding(int n) {
  if (n <= 0) return;
  buf.append(static_cast<size_t>(n), f_.zero ? '0' : ' ');
}

void Printer::Pad(std::string_view s) {
  if (!f_.wid_present || f_.wid == 0) {
    buf += s;
    return;
  }
  const int width = f_.wid - static_cast<int>(RuneCount(s));
  if (!f_.minus) {
    WritePadding(width);
    buf += s;
  } else {
    buf += s;
    const bool zero = f_.zero;
    f_.zero = false;  // never zeros on the right
    WritePadding(width);
    f_.zero = zero;
  }
}

void Printer::BadVerb(const Value& v, int32_t verb) {
  buf += "%!";
  AppendVerb(verb);
  buf.push_back('(');
  if (v.is_nil()) {
    buf += "<nil>";
  } else {
    buf += TypeName(v);
    buf.push_back('=');
    PrintArg(v, 'v');
  }
  buf.push_back(')');
}

void Printer::FmtBool(bool b, int32_t verb, const Value& v) {
  if (verb == 't' || verb == 'v') {
    Pad(b ? "true" : "false");
  } else {
    BadVerb(v, verb);
  }
}

void Printer::FmtIntegerBase(uint64_t u, int base, bool is_signed, int32_t verb,
                             const char* digits) {
  const bool negative = is_signed && static_cast<int64_t>(u) < 0;
  if (negative) u = 0 - u;
  // Two ways to ask for leading zeros: %.3d or %03d; with both, the zero flag is ignored.
  int prec = 0;
  if (f_.prec_present) {
    prec = f_.prec;
    if (prec == 0 && u == 0) {  // precision 0 and value 0 print nothing but padding
      const bool zero = f_.zero;
      f_.zero = false;
      WritePadding(f_.wid);
      f_.zero = zero;
      return;
    }
  } else if (f_.zero && f_.wid_present) {
    prec = f_.wid;
    if (negative || f_.plus || f_.space) --prec;  // room for the sign
  }
  std::string num;
  do {
    num.push_back(digits[u % static_cast<uint64_t>(base)]);
    u /= static_cast<uint64_t>(base);
  } while (u > 0);
  while (static_cast<int>(num.size()) < prec) num.push_back('0');
  if (f_.sharp) {
    if (base == 2) {
      num += "b0";
    } else if (base == 8 && num.back() != '0') {
      num.push_back('0');
    } else if (base == 16) {
      num.push_back(digits[16]);
      num.push_back('0');
    }
  }
  if (verb == 'O') num += "o0";
  if (negative) {
    num.push_back('-');
  } else if (f_.plus) {
    num.push_back('+');
  } else if (f_.space) {
    num.push_back(' ');
  }
  std::string out(num.rbegin(), num.rend());
  const bool zero = f_.zero;
  f_.zero = false;  // zero padding was done as precision above
  Pad(out);
  f_.zero = zero;
}

void Printer::FmtInteger(uint64_t u, bool is_signed, int32_t verb, const Value& v) {
  switch (verb) {
    case 'v':
    case 'd':
      return FmtIntegerBase(u, 10, is_signed, verb, kLowerDigits);
    case 'b':
      return FmtIntegerBase(u, 2, is_signed, verb, kLowerDigits);
    case 'o':
    case 'O':
      return FmtIntegerBase(u, 8, is_signed, verb, kLowerDigits);
    case 'x':
      return FmtIntegerBase(u, 16, is_signed, verb, kLowerDigits);
    case 'X':
      return FmtIntegerBase(u, 16, is_signed, verb, kUpperDigits);
    case 'c': {
      std::string s;
      AppendRune(&s, u > 0x10FFFF ? 0xFFFD : static_cast<int32_t>(u));
      return Pad(s);
    }
    case 'q': {
      const int32_t r = u > 0x10FFFF ? 0xFFFD : static_cast<int32_t>(u);
      if (f_.sharp && IsPrintRune(r)) {
        std::string s = "'";
        AppendRune(&s, r);
        return Pad(s + "'");
      }
      return Pad(QuoteGoRune(r, f_.plus));
    }
    case 'U': {
      char tmp[32];
      std::snprintf(tmp, sizeof tmp, "U+%04llX", static_cast<unsigned long long>(u));
      std::string s = tmp;
      const int32_t r = static_cast<int32_t>(u);
      if (f_.sharp && u <= 0x10FFFF && IsPrintRune(r)) {
        s += " '";
        AppendRune(&s, r);
        s += "'";
      }
      const bool zero = f_.zero;
      f_.zero = false;
      Pad(s);
      f_.zero = zero;
      return;
    }
    default:
      return BadVerb(v, verb);
  }
}

void Printer::FmtFloatPrec(double f, char verb, int prec) {
  if (f_.prec_present) prec = f_.prec;
  std::string num = FormatFloat(f, verb, prec);
  if (num[0] != '-' && num[0] != '+') num.insert(num.begin(), '+');
  if (f_.space && num[0] == '+' && !f_.plus) num[0] = ' ';
  if (num[1] == 'I' || num[1] == 'N') {
    // Infinities and NaN are not padded with zeros; NaN shows no sign unless asked.
    const bool zero = f_.zero;
    f_.zero = false;
    if (num[1] == 'N' && !f_.space && !f_.plus) num.erase(0, 1);
    Pad(num);
    f_.zero = zero;
    return;
  }
  if (f_.sharp && verb != 'b') AddSharpDigits(&num, verb, prec);
  if (f_.plus || num[0] != '+') {
    // With zero padding the sign goes before the zeros.
    if (f_.zero && f_.wid_present && f_.wid > static_cast<int>(num.size())) {
      buf.push_back(num[0]);
      WritePadding(f_.wid - static_cast<int>(num.size()));
      buf.append(num, 1);
      return;
    }
    Pad(num);
    return;
  }
  Pad(std::string_view(num).substr(1));
}

void Printer::FmtFloat(double f, int32_t verb, const Value& v) {
  switch (verb) {
    case 'v':
      return FmtFloatPrec(f, 'g', -1);
    case 'b':
      return FmtFloatPrec(f, 'b', -1);
    case 'g':
    case 'G':
    case 'x':
    case 'X':
      return FmtFloatPrec(f, static_cast<char>(verb), -1);
    case 'f':
    case 'F':
    case 'e':
    case 'E':
      return FmtFloatPrec(f, static_cast<char>(verb), 6);
    default:
      return BadVerb(v, verb);
  }
}

void Printer::FmtHexString(std::string_view s, const char* digits) {
  size_t length = s.size();
  if (f_.prec_present && f_.prec < static_cast<int>(length)) length = static_cast<size_t>(f_.prec);
  int width = 2 * static_cast<int>(length);
  if (width == 0) {
    if (f_.wid_present) WritePadding(f_.wid);
    return;
  }
  if (f_.space) {
    if (f_.sharp) width *= 2;
    width += static_cast<int>(length) - 1;
  } else if (f_.sharp) {
    width += 2;
  }
  if (f_.wid_present && f_.wid > width && !f_.minus) WritePadding(f_.wid - width);
  if (f_.sharp) {
    buf.push_back('0');
    buf.push_back(digits[16]);
  }
  for (size_t i = 0; i < length; ++i) {
    if (f_.space && i > 0) {
      buf.push_back(' ');
      if (f_.sharp) {
        buf.push_back('0');
        buf.push_back(digits[16]);
      }
    }
    const auto c = static_cast<unsigned char>(s[i]);
    buf.push_back(digits[c >> 4]);
    buf.push_back(digits[c & 0xF]);
  }
  if (f_.wid_present && f_.wid > width && f_.minus) {
    const bool zero = f_.zero;
    f_.zero = false;
    WritePadding(f_.wid - width);
    f_.zero = zero;
  }
}

void Printer::FmtString(std::string_view s, int32_t verb, const Value& v) {
  const std::string_view shown = f_.prec_present ? TruncateRunes(s, f_.prec) : s;
  switch (verb) {
    case 'v':
      if (f_.sharp_v) return Pad(QuoteGo(shown));
      return Pad(shown);
    case 's':
      return Pad(shown);
    case 'x':
      return FmtHexString(s, kLowerDigits);
    case 'X':
      return FmtHexString(s, kUpperDigits);
    case 'q':
      if (f_.sharp && CanBackquote(shown)) return Pad("`" + std::string(shown) + "`");
      return Pad(QuoteGo(shown, f_.plus));
    default:
      return BadVerb(v, verb);
  }
}

void Printer::FmtPointer(const Value& v, int32_t verb) {
  const auto address = reinterpret_cast<uintptr_t>(v.address());
  switch (verb) {
    case 'v':
      if (address == 0) return Pad("<nil>");
      [[fallthrough]];
    case 'p': {
      char tmp[32];
      std::snprintf(tmp, sizeof tmp, "0x%llx", static_cast<unsigned long long>(address));
      return Pad(tmp);
    }
    case 'b':
    case 'o':
    case 'd':
    case 'x':
    case 'X':
      return FmtInteger(address, false, verb, v);
    default:
      return BadVerb(v, verb);
  }
}

// A struct: {a b} or, with %+v, {Name:a Name:b}.
void Printer::PrintStruct(const Value& v, int32_t verb, int depth) {
  buf.push_back('{');
  auto field = [&](std::string_view name, const Value& value, bool first) {
    if (!first) buf.push_back(' ');
    if (f_.plus_v) {
      buf += name;
      buf.push_back(':');
    }
    PrintValue(value, verb, depth + 1);
  };
  if (v.kind() == Kind::kSample) {
    field("Labels", FieldOf(v, "Labels"), true);
    field("Value", FieldOf(v, "Value"), false);
  } else {
    field("Labels", FieldOf(v, "Labels"), true);
    field("ExternalLabels", FieldOf(v, "ExternalLabels"), false);
    field("ExternalURL", FieldOf(v, "ExternalURL"), false);
    field("Value", FieldOf(v, "Value"), false);
  }
  buf.push_back('}');
}

// %#v: values as Go source would write them.
void Printer::PrintGoSyntax(const Value& v, int depth) {
  auto pointer = [&](const Value& p) {
    char tmp[48];
    if (p.address() == nullptr) {
      buf += "(" + std::string(TypeName(p)) + ")(nil)";
    } else {
      std::snprintf(tmp, sizeof tmp, ")(0x%llx)",
                    static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(p.address())));
      buf += "(" + std::string(TypeName(p)) + tmp;
    }
  };
  switch (v.kind()) {
    case Kind::kNil:
      buf += depth == 0 ? "<nil>" : "interface {}(nil)";
      return;
    case Kind::kUint8: {
      char tmp[16];
      std::snprintf(tmp, sizeof tmp, "0x%x", static_cast<unsigned>(v.as_int()));
      return Pad(tmp);
    }
    case Kind::kStringMap:
    case Kind::kAnyMap: {
      buf += TypeName(v);
      buf.push_back('{');
      bool first = true;
      auto entry = [&](const std::string& key, const Value& value) {
        if (!first) buf += ", ";
        first = false;
        buf += QuoteGo(key);
        buf.push_back(':');
        PrintGoSyntax(value, depth + 1);
      };
      if (v.kind() == Kind::kStringMap) {
        for (const core::Label& l : *v.string_map()) entry(l.name, Value::String(l.value));
      } else {
        for (const auto& [key, value] : *v.any_map()) entry(key, value);
      }
      buf.push_back('}');
      return;
    }
    case Kind::kSamples:
      buf += TypeName(v);
      if (v.samples() == nullptr) {
        buf += "(nil)";
        return;
      }
      buf.push_back('{');
      for (size_t i = 0; i < v.samples()->items.size(); ++i) {
        if (i > 0) buf += ", ";
        pointer(Value::MakeSample(v.samples()->items[i]));
      }
      buf.push_back('}');
      return;
    case Kind::kSample:
      if (depth > 0 || v.sample() == nullptr) return pointer(v);
      buf += "&template.sample{Labels:";
      PrintGoSyntax(FieldOf(v, "Labels"), depth + 1);
      buf += ", Value:";
      PrintGoSyntax(FieldOf(v, "Value"), depth + 1);
      buf.push_back('}');
      return;
    case Kind::kData:
      buf += TypeName(v);
      for (const char* field : {"{Labels:", ", ExternalLabels:", ", ExternalURL:", ", Value:"}) {
        buf += field;
        const std::string_view name = std::string_view(field).substr(field[0] == '{' ? 1 : 2);
        PrintGoSyntax(FieldOf(v, name.substr(0, name.size() - 1)), depth + 1);
      }
      buf.push_back('}');
      return;
    case Kind::kTime:
      return Pad(GoStringTimeUTC(v.as_int()));
    default:
      return PrintValue(v, 'v', depth);
  }
}

void Printer::PrintValue(const Value& v, int32_t verb, int depth) {
  if (verb == 'v' && f_.sharp_v && v.kind() != Kind::kBool && v.kind() != Kind::kInt &&
      v.kind() != Kind::kFloat && v.kind() != Kind::kString && v.kind() != Kind::kHtml) {
    return PrintGoSyntax(v, depth);
  }
  switch (v.kind()) {
    case Kind::kNil:
      buf += "<nil>";
      return;
    case Kind::kBool:
      return FmtBool(v.as_bool(), verb, v);
    case Kind::kInt:
      return FmtInteger(static_cast<uint64_t>(v.as_int()), true, verb, v);
    case Kind::kUint8:
      return FmtInteger(static_cast<uint64_t>(v.as_int()), false, verb, v);
    case Kind::kFloat:
      return FmtFloat(v.as_float(), verb, v);
    case Kind::kString:
    case Kind::kHtml:
      return FmtString(v.as_string(), verb, v);
    case Kind::kStringMap: {
      buf += "map[";
      bool first = true;
      for (const core::Label& l : *v.string_map()) {
        if (!first) buf.push_back(' ');
        first = false;
        PrintValue(Value::String(l.name), verb, depth + 1);
        buf.push_back(':');
        PrintValue(Value::String(l.value), verb, depth + 1);
      }
      buf.push_back(']');
      return;
    }
    case Kind::kAnyMap: {
      buf += "map[";
      bool first = true;
      for (const auto& [key, value] : *v.any_map()) {
        if (!first) buf.push_back(' ');
        first = false;
        PrintValue(Value::String(key), verb, depth + 1);
        buf.push_back(':');
        if (value.kind() == Kind::kTime) {
          PrintArg(value, verb);  // a Stringer inside a map still prints as its String()
        } else {
          PrintValue(value, verb, depth + 1);
        }
      }
      buf.push_back(']');
      return;
    }
    case Kind::kSamples: {
      buf.push_back('[');
      if (v.samples() != nullptr) {
        bool first = true;
        for (const auto& s : v.samples()->items) {
          if (!first) buf.push_back(' ');
          first = false;
          PrintValue(Value::MakeSample(s), verb, depth + 1);
        }
      }
      buf.push_back(']');
      return;
    }
    case Kind::kSample:
      if (depth == 0 && v.sample() != nullptr) {
        buf.push_back('&');
        return PrintStruct(v, verb, depth);
      }
      return FmtPointer(v, verb);
    case Kind::kTime:
      return PrintArg(v, verb);
    case Kind::kData:
      return PrintStruct(v, verb, depth);
  }
}

void Printer::PrintArg(const Value& v, int32_t verb, bool indirect) {
  if (v.is_nil()) {
    if (verb == 'T' || verb == 'v') return Pad("<nil>");
    return BadVerb(v, verb);
  }
  if (verb == 'T') {
    const std::string_view name = TypeName(v);
    return Pad(f_.prec_present ? TruncateRunes(name, f_.prec) : name);
  }
  if (verb == 'p') {
    if (v.kind() == Kind::kSample || v.kind() == Kind::kSamples || v.kind() == Kind::kStringMap ||
        v.kind() == Kind::kAnyMap || v.kind() == Kind::kTime) {
      return FmtPointer(v, 'p');
    }
    return BadVerb(v, verb);
  }
  if (v.kind() == Kind::kTime && verb == 'v' && f_.sharp_v) return PrintGoSyntax(v, 0);
  if (v.kind() == Kind::kTime) {
    // *time.Time is a Stringer: the verbs that take a string print its String().
    if (verb == 'v' || verb == 's' || verb == 'x' || verb == 'X' || verb == 'q') {
      return FmtString(FormatTimeUTC(v.as_int()), verb, v);
    }
    return BadVerb(v, verb);
  }
  if (indirect && v.kind() == Kind::kSample && v.sample() != nullptr)
    return PrintStruct(v, verb, 0);
  PrintValue(v, verb, 0);
}

void Printer::DoPrint(const std::vector<Value>& args, bool indirect) {
  bool prev_string = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool is_string = IsStringKind(args[i]);
    if (i > 0 && !is_string && !prev_string) buf.push_back(' ');
    PrintArg(args[i], 'v', indirect);
    prev_string = is_string;
  }
}

void Printer::DoPrintln(const std::vector<Value>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) buf.push_back(' ');
    PrintArg(args[i], 'v');
  }
  buf.push_back('\n');
}

// Go's parsenum: digits from s[*i]; false when there are none or they are too many.
bool ParseNum(std::string_view s, size_t* i, int* num) {
  *num = 0;
  bool any = false;
  for (; *i < s.size() && s[*i] >= '0' && s[*i] <= '9'; ++*i) {
    if (*num > kMaxWidth) return false;
    *num = *num * 10 + (s[*i] - '0');
    any = true;
  }
  return any;
}

void Printer::DoPrintf(std::string_view format, const std::vector<Value>& args) {
  const size_t end = format.size();
  size_t arg_num = 0;
  bool after_index = false;
  bool reordered = false;
  // Go's argNumber: an explicit [n] index at format[*i], if there is one.
  auto arg_number = [&](size_t* i, bool* good_arg_num) {
    if (*i >= end || format[*i] != '[') return false;
    reordered = true;
    for (size_t j = *i + 1; j < end; ++j) {
      if (format[j] != ']') continue;
      size_t k = *i + 1;
      int index = 0;
      const bool ok = ParseNum(format, &k, &index) && k == j;
      *i = j + 1;
      if (ok && index >= 1 && static_cast<size_t>(index - 1) < args.size()) {
        arg_num = static_cast<size_t>(index - 1);
        return true;
      }
      *good_arg_num = false;
      return ok;
    }
    *good_arg_num = false;
    *i += 1;
    return false;
  };
  // Go's intFromArg: a * width or precision.
  auto int_from_arg = [&](int* num) {
    bool is_int = false;
    *num = 0;
    if (arg_num < args.size()) {
      const Value& a = args[arg_num];
      if (a.kind() == Kind::kInt || a.kind() == Kind::kUint8) {
        const int64_t n = a.as_int();
        if (n >= -kMaxWidth && n <= kMaxWidth) {
          *num = static_cast<int>(n);
          is_int = true;
        }
      }
      ++arg_num;
    }
    return is_int;
  };

  for (size_t i = 0; i < end && buf.size() <= kMaxTextBytes;) {
    bool good_arg_num = true;
    const size_t last = i;
    while (i < end && format[i] != '%') ++i;
    if (i > last) buf.append(format.substr(last, i - last));
    if (i >= end) break;
    ++i;  // past the %
    f_ = Flags{};
    bool simple_done = false;
    for (; i < end; ++i) {
      const char c = format[i];
      if (c == '#') {
        f_.sharp = true;
      } else if (c == '0') {
        f_.zero = !f_.minus;  // zero padding only on the left
      } else if (c == '+') {
        f_.plus = true;
      } else if (c == '-') {
        f_.minus = true;
        f_.zero = false;
      } else if (c == ' ') {
        f_.space = true;
      } else {
        // The common case: flags then a lower-case verb.
        if (c >= 'a' && c <= 'z' && arg_num < args.size()) {
          if (c == 'v') {
            f_.sharp_v = f_.sharp;
            f_.sharp = false;
            f_.plus_v = f_.plus;
            f_.plus = false;
          }
          PrintArg(args[arg_num], c);
          ++arg_num;
          ++i;
          simple_done = true;
        }
        break;
      }
    }
    if (simple_done) continue;

    after_index = arg_number(&i, &good_arg_num);
    if (i < end && format[i] == '*') {
      ++i;
      f_.wid_present = int_from_arg(&f_.wid);
      if (!f_.wid_present) buf += "%!(BADWIDTH)";
      if (f_.wid < 0) {
        f_.wid = -f_.wid;
        f_.minus = true;
        f_.zero = false;
      }
      after_index = false;
    } else {
      const size_t before = i;
      f_.wid_present = ParseNum(format, &i, &f_.wid);
      if (!f_.wid_present && i == before) f_.wid = 0;
      if (!f_.wid_present && i != before) i = end;  // an absurd width: Go gives up on the rest
      if (after_index && f_.wid_present) good_arg_num = false;  // "%[3]2d"
    }
    if (i + 1 < end && format[i] == '.') {
      ++i;
      if (after_index) good_arg_num = false;  // "%[3].2d"
      after_index = arg_number(&i, &good_arg_num);
      if (i < end && format[i] == '*') {
        ++i;
        f_.prec_present = int_from_arg(&f_.prec);
        if (f_.prec < 0) {
          f_.prec = 0;
          f_.prec_present = false;
        }
        if (!f_.prec_present) buf += "%!(BADPREC)";
        after_index = false;
      } else {
        const size_t before = i;
        f_.prec_present = ParseNum(format, &i, &f_.prec);
        if (!f_.prec_present && i != before) i = end;
        if (!f_.prec_present) {
          f_.prec = 0;
          f_.prec_present = true;
        }
      }
    }
    if (!after_index) after_index = arg_number(&i, &good_arg_num);
    if (i >= end) {
      buf += "%!(NOVERB)";
      break;
    }
    const int32_t verb = DecodeRune(format, &i);
    if (verb == '%') {
      buf.push_back('%');  // takes no operand, ignores width and precision
    } else if (!good_arg_num) {
      buf += "%!";
      AppendVerb(verb);
      buf += "(BADINDEX)";
    } else if (arg_num >= args.size()) {
      buf += "%!";
      AppendVerb(verb);
      buf += "(MISSING)";
    } else {
      if (verb == 'v') {
        f_.sharp_v = f_.sharp;
        f_.sharp = false;
        f_.plus_v = f_.plus;
        f_.plus = false;
      }
      PrintArg(args[arg_num], verb);
      ++arg_num;
    }
  }
  // Arguments left over, unless they were taken out of order.
  if (!reordered && arg_num < args.size()) {
    f_ = Flags{};
    buf += "%!(EXTRA ";
    for (size_t k = arg_num; k < args.size(); ++k) {
      if (k > arg_num) buf += ", ";
      if (args[k].is_nil()) {
        buf += "<nil>";
      } else {
        buf += TypeName(args[k]);
        buf.push_back('=');
        PrintArg(args[k], 'v');
      }
    }
    buf.push_back(')');
  }
}

}  // namespace

std::string Sprint(const std::vector<Value>& args, bool indirect) {
  Printer p;
  p.DoPrint(args, indirect);
  return std::move(p.buf);
}

std::string Sprintln(const std::vector<Value>& args) {
  Printer p;
  p.DoPrintln(args);
  return std::move(p.buf);
}

std::string Sprintf(std::string_view format, const std::vector<Value>& args) {
  Printer p;
  p.DoPrintf(format, args);
  return std::move(p.buf);
}

std::string PrintForTemplate(const Value& v) {
  if (v.is_nil()) return "<no value>";
  Printer p;
  p.PrintArg(v, 'v', /*indirect=*/true);
  return std::move(p.buf);
}

}  // namespace vigil::rules::gotemplate
