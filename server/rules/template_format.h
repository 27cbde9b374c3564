#pragma once
// Go's strconv as text/template and Prometheus's template functions use it: how a float64
// is written (%v, %e, %f, %g), how a string is quoted, how a number or a quoted string in a
// template is read, and how a time prints. Written from Go's documented behaviour and checked
// against promtool 2.42 (tests/server/rules/template_test.cc).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil::rules::gotemplate {

// strconv.FormatFloat(v, fmt, prec, 64). `fmt` is one of b e E f F g G x X; prec < 0 asks for
// the fewest digits that read back as v. Infinities are "+Inf" and "-Inf", NaN is "NaN".
std::string FormatFloat(double v, char fmt, int prec);

// strconv.ParseFloat(s, 64): decimal and hexadecimal floats, underscores between digits,
// "inf", "infinity" and "nan" in any case. Errors read as Go's, e.g.
// `strconv.ParseFloat: parsing "abc": invalid syntax` or `...: value out of range`.
core::Result<double> ParseFloat(std::string_view s);

// strconv.ParseInt / ParseUint with base 0 (0x, 0o, 0b and 0 prefixes, underscores), as a
// template's number literal is read. nullopt when the text is not one or overflows.
std::optional<int64_t> ParseGoInt(std::string_view s);
std::optional<uint64_t> ParseGoUint(std::string_view s);

// strconv.Unquote of a "..." or `...` literal; nullopt when it is not valid Go syntax.
std::optional<std::string> UnquoteGo(std::string_view quoted);
// A character constant ('a', '\n', '\u00e9'): its code point; nullopt when malformed.
// `extra` is set when a valid character is followed by more before the closing quote.
std::optional<int32_t> UnquoteGoChar(std::string_view quoted, bool* extra);

// strconv.Quote (ascii_only: QuoteToASCII) and QuoteRune.
std::string QuoteGo(std::string_view s, bool ascii_only = false);
std::string QuoteGoRune(int32_t r, bool ascii_only = false);
// strconv.CanBackquote: `s` can be written as a raw string literal.
bool CanBackquote(std::string_view s);

// Decodes one UTF-8 code point at s[*i] as Go does (an invalid byte is U+FFFD of width 1).
int32_t DecodeRune(std::string_view s, size_t* i);
void AppendRune(std::string* out, int32_t r);
// unicode.IsPrint, exactly for ASCII and Latin-1; above that, every assigned-looking code
// point is printable except the spaces, format characters and private use Go refuses.
bool IsPrintRune(int32_t r);

// time.Time.String() of a UTC time: "2009-11-10 23:00:00.123 +0000 UTC" (the fraction only
// when not zero, its trailing zeros dropped).
std::string FormatTimeUTC(int64_t unix_ms);
// time.Time.GoString() of a UTC time: "time.Date(2009, time.November, 10, 23, 0, 0, 0, time.UTC)".
std::string GoStringTimeUTC(int64_t unix_ms);

}  // namespace vigil::rules::gotemplate
