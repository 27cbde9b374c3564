#pragma once
// The tokens of Go 1.19's text/template: text, and inside {{ }} the words of actions. Trim
// markers ("{{- " and " -}}") drop the spaces next to them; comments ({{/* */}}) are dropped.
// The lexer is pulled one item at a time by the parser and keeps no state but positions, so
// input of any shape costs time linear in its length and no recursion.
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::rules::gotemplate {

enum class ItemType : uint8_t {
  kError,  // val is the message
  kBool,
  kChar,  // a printable ASCII character not otherwise used: ',' and stray punctuation
  kCharConstant,
  kComplex,
  kAssign,   // =
  kDeclare,  // :=
  kEOF,
  kField,       // .Name
  kIdentifier,  // a function name
  kLeftDelim,
  kLeftParen,
  kNumber,
  kPipe,
  kRawString,
  kRightDelim,
  kRightParen,
  kSpace,
  kString,
  kText,
  kVariable,  // $ or $name
  // Keywords: printed as <word> in errors.
  kKeyword,
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Item {
  ItemType type = ItemType::kEOF;
  int pos = 0;  // byte offset in the input
  std::string_view val;
  std::string error;  // kError only (val is empty)
  int line = 1;
};

// How Go writes an item in "unexpected ..." errors: EOF, <keyword>, or the quoted text.
std::string ItemString(const Item& item);

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}
  Lexer(const Lexer&) = delete;
  Lexer& operator=(const Lexer&) = delete;

  // The next item; after kEOF or kError, kEOF forever.
  Item Next();

 private:
  Item Emit(ItemType type, size_t start, size_t end);
  Item Error(std::string message);
  Item LexText();
  Item LexInsideAction();
  Item LexRightDelim(bool trim);
  bool AtRightDelim(size_t at, bool* trim) const;
  bool AtTerminator() const;
  Item LexIdentifier(size_t start);
  Item LexFieldOrVariable(size_t start, ItemType type);
  Item LexNumber(size_t start);
  bool ScanNumber();
  Item LexQuoted(size_t start, char quote, ItemType type, const char* unterminated);
  int32_t PeekRune(size_t* width) const;
  int LineAt(size_t pos);

  std::string_view input_;
  size_t pos_ = 0;
  size_t start_ = 0;  // where the item being lexed began
  bool inside_action_ = false;
  bool done_ = false;
  int paren_depth_ = 0;
  bool pending_paren_error_ = false;
  size_t line_pos_ = 0;  // LineAt's cache: the line of line_pos_
  int line_ = 1;
};

}  // namespace vigil::rules::gotemplate
