#include "server/rules/template_lexer.h"

#include <cstdio>

#include "server/rules/template_format.h"

namespace vigil::rules::gotemplate {
namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr size_t kTrimMarkerLen = 2;  // "- " or " -"

bool IsSpace(int32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }

// Go uses unicode.IsLetter and IsDigit; beyond ASCII every printable code point that is not
// a space counts here, which accepts a few symbols Go would refuse as a name.
bool IsAlphaNumeric(int32_t r) {
  if (r < 0x80)
    return r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  return IsPrintRune(r);
}

bool HasLeftTrimMarker(std::string_view s) { return s.size() >= 2 && s[0] == '-' && IsSpace(s[1]); }
bool HasRightTrimMarker(std::string_view s) {
  return s.size() >= 2 && IsSpace(s[0]) && s[1] == '-';
}

// fmt's %#U: U+0029 ')'.
std::string RuneName(int32_t r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
  std::string out = buf;
  if (IsPrintRune(r)) {
    out += " '";
    AppendRune(&out, r);
    out += "'";
  }
  return out;
}

ItemType KeywordOf(std::string_view word) {
  static constexpr struct {
    std::string_view word;
    ItemType type;
  } kKeywords[] = {{"block", ItemType::kBlock},
                   {"break", ItemType::kBreak},
                   {"continue", ItemType::kContinue},
                   {"define", ItemType::kDefine},
                   {"else", ItemType::kElse},
                   {"end", ItemType::kEnd},
                   {"if", ItemType::kIf},
                   {"nil", ItemType::kNil},
                   {"range", ItemType::kRange},
                   {"template", ItemType::kTemplate},
                   {"with", ItemType::kWith}};
  for (const auto& k : kKeywords) {
    if (k.word == word) return k.type;
  }
  return ItemType::kIdentifier;
}

}  // namespace

std::string ItemString(const Item& item) {
  if (item.type == ItemType::kEOF) return "EOF";
  if (item.type == ItemType::kError) return item.error;
  if (item.type > ItemType::kKeyword) return "<" + std::string(item.val) + ">";
  // Go's %.10q: at most ten characters, quoted, then "...".
  size_t i = 0;
  int runes = 0;
  while (i < item.val.size() && runes < 10) {
    DecodeRune(item.val, &i);
    ++runes;
  }
  if (i < item.val.size()) return QuoteGo(item.val.substr(0, i)) + "...";
  return QuoteGo(item.val);
}

int Lexer::LineAt(size_t pos) {
  if (pos < line_pos_) {
    line_pos_ = 0;
    line_ = 1;
  }
  for (; line_pos_ < pos && line_pos_ < input_.size(); ++line_pos_)
    line_ += input_[line_pos_] == '\n';
  return line_;
}

Item Lexer::Emit(ItemType type, size_t start, size_t end) {
  Item item;
  item.type = type;
  item.pos = static_cast<int>(start);
  item.val = input_.substr(start, end - start);
  item.line = LineAt(start);
  return item;
}

Item Lexer::Error(std::string message) {
  Item item;
  item.type = ItemType::kError;
  // Where the item that failed began, as Go reports it.
  item.pos = static_cast<int>(start_);
  item.error = std::move(message);
  item.line = LineAt(start_);
  done_ = true;
  return item;
}

Item Lexer::Next() {
  if (done_) return Emit(ItemType::kEOF, input_.size(), input_.size());
  start_ = pos_;
  if (pending_paren_error_) return Error("unexpected right paren " + RuneName(')'));
  return inside_action_ ? LexInsideAction() : LexText();
}

Item Lexer::LexText() {
  while (true) {
    const size_t x = input_.find(kLeftDelim, pos_);
    if (x == std::string_view::npos) {
      if (pos_ < input_.size()) {
        Item text = Emit(ItemType::kText, pos_, input_.size());
        pos_ = input_.size();
        return text;
      }
      done_ = true;
      return Emit(ItemType::kEOF, pos_, pos_);
    }
    const size_t delim_end = x + kLeftDelim.size();
    const bool trim = HasLeftTrimMarker(input_.substr(delim_end));
    size_t text_end = x;
    if (trim) {
      while (text_end > pos_ && IsSpace(static_cast<unsigned char>(input_[text_end - 1])))
        --text_end;
    }
    if (text_end > pos_) {
      Item text = Emit(ItemType::kText, pos_, text_end);
      pos_ = x;  // the delimiter comes next
      return text;
    }
    // At the left delimiter: a comment is skipped whole, an action starts.
    const size_t after_marker = delim_end + (trim ? kTrimMarkerLen : 0);
    if (input_.substr(after_marker).substr(0, kLeftComment.size()) == kLeftComment) {
      start_ = after_marker;
      pos_ = after_marker + kLeftComment.size();
      const size_t end = input_.find(kRightComment, pos_);
      if (end == std::string_view::npos) return Error("unclosed comment");
      pos_ = end + kRightComment.size();
      bool trim_after = false;
      if (!AtRightDelim(pos_, &trim_after)) return Error("comment ends before closing delimiter");
      pos_ += (trim_after ? kTrimMarkerLen : 0) + kRightDelim.size();
      if (trim_after) {
        while (pos_ < input_.size() && IsSpace(static_cast<unsigned char>(input_[pos_]))) ++pos_;
      }
      continue;
    }
    Item delim = Emit(ItemType::kLeftDelim, x, delim_end);
    inside_action_ = true;
    paren_depth_ = 0;
    pos_ = after_marker;
    return delim;
  }
}

bool Lexer::AtRightDelim(size_t at, bool* trim) const {
  const std::string_view rest = input_.substr(std::min(at, input_.size()));
  if (HasRightTrimMarker(rest) &&
      rest.substr(kTrimMarkerLen).substr(0, kRightDelim.size()) == kRightDelim) {
    *trim = true;
    return true;
  }
  *trim = false;
  return rest.substr(0, kRightDelim.size()) == kRightDelim;
}

Item Lexer::LexRightDelim(bool trim) {
  if (trim) pos_ += kTrimMarkerLen;
  Item delim = Emit(ItemType::kRightDelim, pos_, pos_ + kRightDelim.size());
  pos_ += kRightDelim.size();
  if (trim) {
    while (pos_ < input_.size() && IsSpace(static_cast<unsigned char>(input_[pos_]))) ++pos_;
  }
  inside_action_ = false;
  return delim;
}

int32_t Lexer::PeekRune(size_t* width) const {
  if (pos_ >= input_.size()) {
    *width = 0;
    return -1;
  }
  size_t i = pos_;
  const int32_t r = DecodeRune(input_, &i);
  *width = i - pos_;
  return r;
}

bool Lexer::AtTerminator() const {
  size_t width;
  const int32_t r = PeekRune(&width);
  if (r == -1 || IsSpace(r)) return true;
  switch (r) {
    case '.':
    case ',':
    case '|':
    case ':':
    case ')':
    case '(':
      return true;
  }
  return r == kRightDelim[0];
}

Item Lexer::LexInsideAction() {
  bool trim = false;
  if (AtRightDelim(pos_, &trim)) {
    if (paren_depth_ == 0) return LexRightDelim(trim);
    return Error("unclosed left paren");
  }
  const size_t start = pos_;
  size_t width;
  const int32_t r = PeekRune(&width);
  if (r == -1) return Error("unclosed action");
  pos_ += width;
  if (IsSpace(r)) {
    // A run of spaces; the last one stays when it begins " -}}".
    size_t spaces = 1;
    while (pos_ < input_.size() && IsSpace(static_cast<unsigned char>(input_[pos_]))) {
      ++pos_;
      ++spaces;
    }
    bool trim_delim = false;
    if (AtRightDelim(pos_ - 1, &trim_delim) && trim_delim) {
      --pos_;
      if (spaces == 1) return LexRightDelim(true);
    }
    return Emit(ItemType::kSpace, start, pos_);
  }
  switch (r) {
    case '=':
      return Emit(ItemType::kAssign, start, pos_);
    case ':':
      if (pos_ >= input_.size() || input_[pos_] != '=') return Error("expected :=");
      ++pos_;
      return Emit(ItemType::kDeclare, start, pos_);
    case '|':
      return Emit(ItemType::kPipe, start, pos_);
    case '"':
      return LexQuoted(start, '"', ItemType::kString, "unterminated quoted string");
    case '`':
      return LexQuoted(start, '`', ItemType::kRawString, "unterminated raw quoted string");
    case '\'':
      return LexQuoted(start, '\'', ItemType::kCharConstant, "unterminated character constant");
    case '$':
      if (AtTerminator()) return Emit(ItemType::kVariable, start, pos_);
      return LexFieldOrVariable(start, ItemType::kVariable);
    case '.':
      if (pos_ >= input_.size() || input_[pos_] < '0' || input_[pos_] > '9') {
        return LexFieldOrVariable(start, ItemType::kField);
      }
      pos_ = start;
      return LexNumber(start);
    case '(':
      ++paren_depth_;
      return Emit(ItemType::kLeftParen, start, pos_);
    case ')':
      // The parser sees the parenthesis before the lexer's complaint about it, as in Go.
      if (--paren_depth_ < 0) pending_paren_error_ = true;
      return Emit(ItemType::kRightParen, start, pos_);
    default:
      break;
  }
  if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
    pos_ = start;
    return LexNumber(start);
  }
  if (IsAlphaNumeric(r)) return LexIdentifier(start);
  if (r < 0x80 && IsPrintRune(r)) return Emit(ItemType::kChar, start, pos_);
  return Error("unrecognized character in action: " + RuneName(r));
}

Item Lexer::LexIdentifier(size_t start) {
  size_t width;
  int32_t r;
  while ((r = PeekRune(&width)) != -1 && IsAlphaNumeric(r)) pos_ += width;
  if (!AtTerminator()) return Error("bad character " + RuneName(PeekRune(&width)));
  const std::string_view word = input_.substr(start, pos_ - start);
  if (word == "true" || word == "false") return Emit(ItemType::kBool, start, pos_);
  return Emit(KeywordOf(word), start, pos_);
}

Item Lexer::LexFieldOrVariable(size_t start, ItemType type) {
  if (AtTerminator())
    return Emit(type == ItemType::kVariable ? ItemType::kVariable : ItemType::kDot, start, pos_);
  size_t width;
  int32_t r;
  while ((r = PeekRune(&width)) != -1 && IsAlphaNumeric(r)) pos_ += width;
  if (!AtTerminator()) return Error("bad character " + RuneName(PeekRune(&width)));
  return Emit(type, start, pos_);
}

bool Lexer::ScanNumber() {
  auto accept = [&](std::string_view set) {
    if (pos_ < input_.size() && set.find(input_[pos_]) != std::string_view::npos) {
      ++pos_;
      return true;
    }
    return false;
  };
  auto accept_run = [&](std::string_view set) {
    while (accept(set)) {
    }
  };
  accept("+-");
  std::string_view digits = "0123456789_";
  if (accept("0")) {
    // A leading 0 alone does not make a float octal.
    if (accept("xX")) {
      digits = "0123456789abcdefABCDEF_";
    } else if (accept("oO")) {
      digits = "01234567_";
    } else if (accept("bB")) {
      digits = "01_";
    }
  }
  accept_run(digits);
  if (accept(".")) accept_run(digits);
  if (digits.size() == 11 && accept("eE")) {
    accept("+-");
    accept_run("0123456789_");
  }
  if (digits.size() == 23 && accept("pP")) {
    accept("+-");
    accept_run("0123456789_");
  }
  accept("i");
  size_t width;
  const int32_t r = PeekRune(&width);
  if (r != -1 && IsAlphaNumeric(r)) {
    pos_ += width;
    return false;
  }
  return true;
}

Item Lexer::LexNumber(size_t start) {
  if (!ScanNumber())
    return Error("bad number syntax: " + QuoteGo(input_.substr(start, pos_ - start)));
  if (pos_ < input_.size() && (input_[pos_] == '+' || input_[pos_] == '-')) {
    // A complex constant, 1+2i: no spaces, ends in 'i'.
    if (!ScanNumber() || input_[pos_ - 1] != 'i') {
      return Error("bad number syntax: " + QuoteGo(input_.substr(start, pos_ - start)));
    }
    return Emit(ItemType::kComplex, start, pos_);
  }
  return Emit(ItemType::kNumber, start, pos_);
}

Item Lexer::LexQuoted(size_t start, char quote, ItemType type, const char* unterminated) {
  while (pos_ < input_.size()) {
    const char c = input_[pos_++];
    if (c == quote) return Emit(type, start, pos_);
    if (quote == '`') continue;
    if (c == '\n') break;
    if (c == '\\') {
      if (pos_ >= input_.size() || input_[pos_] == '\n') break;
      ++pos_;
    }
  }
  return Error(unterminated);
}

}  // namespace vigil::rules::gotemplate
