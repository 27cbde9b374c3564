#pragma once
// The string work of template functions, as Go's standard library does it: text/template's
// html, js and urlquery escapers, strings.ToUpper/ToLower/Title, regexp's ReplaceAllString
// (with $1 / ${name} expansion) over RE2, and net.SplitHostPort for stripPort.
//
// Case mapping covers ASCII, Latin-1, Latin Extended-A and Additional, the Latin digraphs,
// Greek, Cyrillic, Armenian and fullwidth Latin; other scripts are left as they are.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace vigil::rules::gotemplate {

std::string HtmlEscape(std::string_view s);   // text/template.HTMLEscapeString
std::string JsEscape(std::string_view s);     // text/template.JSEscapeString (Go 1.19)
std::string QueryEscape(std::string_view s);  // net/url.QueryEscape
std::string ToUpper(std::string_view s);
std::string ToLower(std::string_view s);
std::string Title(std::string_view s);  // strings.Title: first letter of each word
int32_t ToUpperRune(int32_t r);
int32_t ToLowerRune(int32_t r);

// regexp.ReplaceAllString: every match, leftmost-first, replaced by `repl` with $1, ${1},
// $name and ${name} expanded ($$ is a dollar); an empty match right after a match is skipped.
std::string ReplaceAll(const re2::RE2& re, std::string_view text, std::string_view repl);

// The host of "host:port" or "[v6]:port"; nullopt when net.SplitHostPort would fail.
std::optional<std::string> SplitHostPortHost(std::string_view hostport);

}  // namespace vigil::rules::gotemplate
