#include "server/rules/template_strings.h"

#include <re2/re2.h>

#include <vector>

#include "server/rules/template_format.h"

namespace vigil::rules::gotemplate {
namespace {

// A run of code points where upper and lower case alternate: even upper, odd lower (or the
// reverse when `odd_upper`).
struct PairRange {
  int32_t first, last;
  bool odd_upper;
};

constexpr PairRange kPairRanges[] = {
    {0x0100, 0x012F, false}, {0x0132, 0x0137, false}, {0x0139, 0x0148, true},
    {0x014A, 0x0177, false}, {0x0179, 0x017E, true},  {0x0460, 0x0481, false},
    {0x048A, 0x04BF, false}, {0x04C1, 0x04CE, true},  {0x04D0, 0x052F, false},
    {0x1E00, 0x1E95, false}, {0x1EA0, 0x1EFF, false},
};

// A block of upper case letters whose lower case is `delta` above.
struct ShiftRange {
  int32_t first, last, delta;
};

constexpr ShiftRange kShiftRanges[] = {
    {'A', 'Z', 32},       {0x00C0, 0x00D6, 32}, {0x00D8, 0x00DE, 32}, {0x0391, 0x03A1, 32},
    {0x03A3, 0x03AB, 32}, {0x0388, 0x038A, 37}, {0x038E, 0x038F, 63}, {0x0410, 0x042F, 32},
    {0x0400, 0x040F, 80}, {0x0531, 0x0556, 48}, {0xFF21, 0xFF3A, 32},
};

bool IsTitleSeparator(int32_t r) {
  if (r < 0x80) {
    return !((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') ||
             r == '_');
  }
  // Beyond ASCII Go treats only spaces as separators (letters, digits and symbols are not).
  return r == 0x85 || r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 ||
         r == 0x2029 || r == 0x202F || r == 0x205F || r == 0x3000;
}

// The Latin digraphs DŽ Dž dž, LJ Lj lj, NJ Nj nj, DZ Dz dz: upper, title and lower forms.
std::optional<int32_t> Digraph(int32_t r, int form) {
  for (int32_t base : {0x01C4, 0x01C7, 0x01CA, 0x01F1}) {
    if (r >= base && r <= base + 2) return base + form;
  }
  return std::nullopt;
}

template <typename F>
std::string MapRunes(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) AppendRune(&out, f(DecodeRune(s, &i)));
  return out;
}

// Go's regexp extract: a $name or ${name} at s; false when malformed.
bool ExtractGroupName(std::string_view s, size_t* consumed, std::string_view* name) {
  if (s.empty()) return false;
  const bool brace = s[0] == '{';
  size_t i = brace ? 1 : 0;
  const size_t start = i;
  while (i < s.size()) {
    size_t next = i;
    const int32_t r = DecodeRune(s, &next);
    const bool word = r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') ||
                      (r >= 'A' && r <= 'Z') || (r >= 0x80 && IsPrintRune(r));
    if (!word) break;
    i = next;
  }
  if (i == start) return false;
  *name = s.substr(start, i - start);
  if (brace) {
    if (i >= s.size() || s[i] != '}') return false;
    ++i;
  }
  *consumed = i;
  return true;
}

void Expand(std::string* out, std::string_view repl, const re2::RE2& re,
            const std::vector<re2::StringPiece>& groups) {
  while (!repl.empty()) {
    const size_t dollar = repl.find('$');
    if (dollar == std::string_view::npos) break;
    out->append(repl.substr(0, dollar));
    repl.remove_prefix(dollar + 1);
    if (!repl.empty() && repl[0] == '$') {
      out->push_back('$');
      repl.remove_prefix(1);
      continue;
    }
    size_t consumed = 0;
    std::string_view name;
    if (!ExtractGroupName(repl, &consumed, &name)) {
      out->push_back('$');  // malformed: the dollar is text
      continue;
    }
    repl.remove_prefix(consumed);
    // All digits (no leading zero) is a group number; anything else names a group.
    int num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name.size() > 1 && name[0] == '0') num = -1;
    if (num < 0) {
      const auto& names = re.NamedCapturingGroups();
      auto it = names.find(std::string(name));
      num = it == names.end() ? -1 : it->second;
    }
    if (num >= 0 && static_cast<size_t>(num) < groups.size() && groups[num].data() != nullptr) {
      out->append(groups[num].data(), groups[num].size());
    }
  }
  out->append(repl);
}

}  // namespace

int32_t ToUpperRune(int32_t r) {
  if (r >= 'a' && r <= 'z') return r - 32;
  if (r < 0x80) return r;
  if (r == 0xB5) return 0x39C;
  if (r == 0xFF) return 0x178;
  if (r == 0x131) return 'I';
  if (r == 0x17F) return 'S';
  if (r == 0x3C2) return 0x3A3;
  if (r == 0x3AC) return 0x386;
  if (r == 0x3CC) return 0x38C;
  if (auto d = Digraph(r, 0)) return *d;
  for (const ShiftRange& s : kShiftRanges) {
    if (r >= s.first + s.delta && r <= s.last + s.delta) return r - s.delta;
  }
  for (const PairRange& p : kPairRanges) {
    if (r >= p.first && r <= p.last) return ((r & 1) == (p.odd_upper ? 0 : 1)) ? r - 1 : r;
  }
  return r;
}

int32_t ToLowerRune(int32_t r) {
  if (r >= 'A' && r <= 'Z') return r + 32;
  if (r < 0x80) return r;
  if (r == 0x178) return 0xFF;
  if (r == 0x130) return 'i';
  if (r == 0x386) return 0x3AC;
  if (r == 0x38C) return 0x3CC;
  if (auto d = Digraph(r, 2)) return *d;
  for (const ShiftRange& s : kShiftRanges) {
    if (r >= s.first && r <= s.last) return r + s.delta;
  }
  for (const PairRange& p : kPairRanges) {
    if (r >= p.first && r <= p.last) return ((r & 1) == (p.odd_upper ? 1 : 0)) ? r + 1 : r;
  }
  return r;
}

std::string ToUpper(std::string_view s) { return MapRunes(s, ToUpperRune); }
std::string ToLower(std::string_view s) { return MapRunes(s, ToLowerRune); }

std::string Title(std::string_view s) {
  int32_t prev = ' ';
  return MapRunes(s, [&](int32_t r) {
    const bool first = IsTitleSeparator(prev);
    prev = r;
    if (!first) return r;
    if (auto d = Digraph(r, 1)) return *d;
    return ToUpperRune(r);
  });
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string JsEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t start = i;
      const int32_t r = DecodeRune(s, &i);
      if (IsPrintRune(r)) {
        out.append(s.substr(start, i - start));
      } else {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(r));
        out += buf;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '<':
        out += "\\u003C";
        break;
      case '>':
        out += "\\u003E";
        break;
      case '&':
        out += "\\u0026";
        break;
      case '=':
        out += "\\u003D";
        break;
      default:
        if (c < ' ') {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

std::string QueryEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string ReplaceAll(const re2::RE2& re, std::string_view text, std::string_view repl) {
  std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
  const re2::StringPiece whole(text.data(), text.size());
  std::string out;
  size_t last_match_end = 0, search_pos = 0;
  while (search_pos <= text.size()) {
    if (!re.Match(whole, search_pos, text.size(), re2::RE2::UNANCHORED, groups.data(),
                  static_cast<int>(groups.size()))) {
      break;
    }
    const size_t match_start = static_cast<size_t>(groups[0].data() - text.data());
    const size_t match_end = match_start + groups[0].size();
    out.append(text.substr(last_match_end, match_start - last_match_end));
    // No replacement for an empty match right after the previous match, as in Go.
    if (match_end > last_match_end || match_start == 0) Expand(&out, repl, re, groups);
    last_match_end = match_end;
    // Advance past this match, by at least one character.
    size_t width = 0;
    if (search_pos < text.size()) {
      size_t next = search_pos;
      DecodeRune(text, &next);
      width = next - search_pos;
    }
    if (search_pos + width > match_end) {
      search_pos += width;
    } else if (search_pos + 1 > match_end) {
      ++search_pos;
    } else {
      search_pos = match_end;
    }
  }
  out.append(text.substr(last_match_end));
  return out;
}

std::optional<std::string> SplitHostPortHost(std::string_view hostport) {
  const size_t i = hostport.rfind(':');
  if (i == std::string_view::npos) return std::nullopt;
  size_t j = 0, k = 0;
  std::string_view host;
  if (!hostport.empty() && hostport[0] == '[') {
    const size_t end = hostport.find(']');
    if (end == std::string_view::npos || end + 1 != i) return std::nullopt;
    host = hostport.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.substr(0, i);
    if (host.find(':') != std::string_view::npos) return std::nullopt;
  }
  if (hostport.find('[', j) != std::string_view::npos) return std::nullopt;
  if (hostport.find(']', k) != std::string_view::npos) return std::nullopt;
  return std::string(host);
}

}  // namespace vigil::rules::gotemplate
