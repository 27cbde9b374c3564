// Every expected text in kPromtoolCases and kPromtoolParseErrors is what promtool 2.42 printed
// for the same template: each was put as an annotation of an alerting rule on the series
// m{instance="i1", job="j"} with the value given (and m2{instance="b"} 1, m2{instance="a"} 2,
// m2{instance="c"} 3 beside it), and `promtool test rules` showed the annotation it got
// (parse errors: `promtool check rules`). FakeQuery answers as that test's PromQL did. A case
// whose output differs between runs of Go (a pointer printed as an address, the order of a
// query's series) was left out. The tests after the tables are Vigil's own: what promtool
// cannot show (external labels and URL) and the bounds.
#include "server/rules/template.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server/rules/template_exec.h"
#include "server/rules/template_parser.h"

namespace vigil::rules {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// promtool's test series, as `query` saw them (in the order it returned them).
TemplateQueryFunc FakeQuery(double value) {
  return [value](std::string_view expr) -> core::Result<std::vector<QuerySample>> {
    if (expr == "m")
      return std::vector<QuerySample>{
          {core::Labels::FromLiteral({{"__name__", "m"}, {"instance", "i1"}, {"job", "j"}}),
           value}};
    if (expr == "m2") {
      return std::vector<QuerySample>{
          {core::Labels::FromLiteral({{"__name__", "m2"}, {"instance", "b"}}), 1},
          {core::Labels::FromLiteral({{"__name__", "m2"}, {"instance", "a"}}), 2},
          {core::Labels::FromLiteral({{"__name__", "m2"}, {"instance", "c"}}), 3}};
    }
    if (expr == "nothing") return std::vector<QuerySample>{};
    if (expr == "1.5") return std::vector<QuerySample>{{core::Labels(), 1.5}};
    if (expr == "sum(")
      return core::InvalidArgumentError("1:5: parse error: unclosed left parenthesis");
    return core::InvalidArgumentError("rule result is not a vector or scalar");
  };
}

TemplateData PromtoolData(double value) {
  TemplateData data;
  data.labels = core::Labels::FromLiteral({{"__name__", "m"}, {"instance", "i1"}, {"job", "j"}});
  data.value = value;
  data.query = FakeQuery(value);
  return data;
}

// The annotation Prometheus would show: the text, or "<error expanding template: ...>".
std::string Annotation(std::string_view text, const TemplateData& data) {
  auto t = Template::Parse("__alert_A", text);
  if (!t.ok()) return "parse error: " + t.status().message();
  return ExpandOrError(**t, data);
}

struct PromtoolCase {
  std::string_view text;
  double value;
  std::string_view want;
};

const PromtoolCase kPromtoolCases[] = {
    // Values
    {R"({{ $value }})", 1, R"(1)"},
    {R"({{ $value }})", 1000000, R"(1e+06)"},
    {R"({{ $value }})", 1234567.5, R"(1.2345675e+06)"},
    {R"({{ $value }})", 123456.7, R"(123456.7)"},
    {R"({{ $value }})", 0.0001, R"(0.0001)"},
    {R"({{ $value }})", 0.00001, R"(1e-05)"},
    {R"({{ $value }})", 1e21, R"(1e+21)"},
    {R"({{ $value }})", 100000, R"(100000)"},
    {R"({{ $value }})", kNaN, R"(NaN)"},
    {R"({{ $value }})", kInf, R"(+Inf)"},
    {R"({{ $value }})", -kInf, R"(-Inf)"},
    {R"({{ $value }})", -0.5, R"(-0.5)"},
    {R"({{ $value }})", 0.1, R"(0.1)"},
    {R"({{ $value }})", 123456789, R"(1.23456789e+08)"},
    {R"({{ $value }})", 0.30000000000000004, R"(0.30000000000000004)"},
    {R"({{ $value }})", 5e-324, R"(5e-324)"},
    {R"({{ $value }})", 1.7976931348623157e308, R"(1.7976931348623157e+308)"},
    {R"({{ $value }})", 999999, R"(999999)"},
    {R"({{ print 1.0 2.5 1e6 123456789.0 0.000001 1e-7 }})", 1,
     R"(1 2.5 1e+06 1.23456789e+08 1e-06 1e-07)"},
    {R"({{ 1e3 }}|{{ 0x10 }}|{{ 1_000 }}|{{ -5 }}|{{ 'a' }}|{{ 1.0 }}|{{ 0.5e-3 }}|{{ 017 }}|{{ 0o17 }}|{{ 0b101 }}|{{ +3 }}|{{ 1e100 }}|{{ .5 }}|{{ 0x1p4 }}|{{ '\n' }})",
     1, R"(1000|16|1000|-5|97|1|0.0005|15|15|5|3|1e+100|0.5|16|10)"},
    {R"({{ 9223372036854775807 }}|{{ -9223372036854775808 }})", 1,
     R"(9223372036854775807|-9223372036854775808)"},
    // Data
    {R"({{ .Value }}|{{ .Labels }}|{{ .ExternalLabels }}|{{ .ExternalURL }}|{{ $externalURL }}|{{ $externalLabels }})",
     2.5, R"(2.5|map[__name__:m instance:i1 job:j]|map[]|||map[])"},
    {R"({{ . }})", 1, R"({map[__name__:m instance:i1 job:j] map[]  1})"},
    {R"({{ $.Labels.job }}|{{ $labels.instance }}|{{ .Labels.instance }}|{{ $labels.missing }}|{{ .Labels.missing }}|{{ index $labels "job" }}|{{ index $labels "nope" }}|)",
     1, R"(j|i1|i1|||j||)"},
    {R"({{ range $k, $v := $labels }}{{ $k }}={{ $v }},{{ end }}|{{ range $labels }}{{ . }},{{ end }}|{{ range $x := $labels }}{{ $x }}{{ end }})",
     1, R"(__name__=m,instance=i1,job=j,|m,i1,j,|mi1j)"},
    {R"({{ $labels.job | printf "%s!" }}{{ $value | printf "%.2f" }})", 1, R"(j!1.00)"},
    // TextAndComments
    {R"(a  {{- 1 -}}  b {{- /* c */ -}} c {{/* x */}}d)", 1, R"(a1bc d)"},
    {R"(a
  {{- /* c */ -}}
  b)",
     1, R"(ab)"},
    {R"({{/* c */ -}}   x)", 1, R"(x)"},
    {R"({{-1}}|{{- 1}}|{{ -1 -}}  x)", 1, R"(-1|1|-1x)"},
    {R"(x {{- 3 -}}

 y)",
     1, R"(x3y)"},
    {R"({{if
  true
}}yes{{end}})",
     1, R"(yes)"},
    {R"({{ `raw\n` }}|{{ "tab\there" }}|{{ "\u00e9\x41\101" }})", 1, R"(raw\n|tab	here|éAA)"},
    // Variables
    {R"({{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ end }}{{ $x }})", 1, R"(2)"},
    {R"({{ $x := 1 }}{{ $x := 2 }}{{ $x }})", 1, R"(2)"},
    {R"({{ with $x := 3 }}{{ $x }}{{ . }}{{ end }})", 1, R"(33)"},
    {R"({{ $labels = 5 }}{{ $labels }})", 1, R"(5)"},
    // Control
    {R"({{ if eq $value 1.0 }}one{{ else }}other{{ end }})", 1, R"(one)"},
    {R"({{ if false }}a{{ else if eq 1 1 }}b{{ else }}c{{ end }})", 1, R"(b)"},
    {R"({{ if gt $value 0.5 }}big{{ end }})", 1, R"(big)"},
    {R"({{ if $labels }}y{{ end }}|{{ if (query "nothing") }}y{{else}}n{{ end }}|{{ if (args 1).arg5 }}y{{else}}n{{ end }}|{{ if 0.0 }}y{{else}}n{{ end }}|{{ if first (query "m") }}y{{ end }})",
     1, R"(y|n|n|n|y)"},
    {R"({{ with $labels.job }}job={{ . }}{{ else }}nojob{{ end }}|{{ with $labels.nope }}x{{ else }}none{{ end }}|{{ with (args 1).arg5 }}y{{else}}n{{ end }})",
     1, R"(job=j|none|n)"},
    {R"({{ range $i, $e := sortByLabel "instance" (query "m2") }}{{ $i }}:{{ $e.Value }}:{{ $e.Labels.instance }};{{ end }})",
     1, R"(0:2:a;1:1:b;2:3:c;)"},
    {R"({{ range query "nothing" }}x{{ else }}empty{{ end }})", 1, R"(empty)"},
    {R"({{ range $i, $e := $labels }}{{ if eq $i "job" }}{{ break }}{{ end }}{{ $e }}{{ else }}none{{ end }})",
     1, R"(mi1)"},
    {R"({{ range $i, $v := $labels }}{{ if eq $i "instance" }}{{ continue }}{{ end }}{{ $v }}{{ end }})",
     1, R"(mj)"},
    {R"({{ range $k, $v := args "a" "b" }}{{ $k }}={{ $v }};{{ end }}|{{ range $i, $e := args 1 2 3 4 5 6 7 8 9 10 11 }}{{ $i }},{{ end }})",
     1, R"(arg0=a;arg1=b;|arg0,arg1,arg10,arg2,arg3,arg4,arg5,arg6,arg7,arg8,arg9,)"},
    {R"({{ define "t" }}[{{ . }}]{{ end }}{{ template "t" $labels.job }}{{ template "t" }}{{ block "b" 5 }}<{{ . }}>{{ end }})",
     1, R"([j][<no value>]<5>)"},
    // Logic
    {R"({{ if lt 1 2 }}y{{end}}{{ if eq "a" "b" "a" }}m{{end}}{{ if ne 1 2 }}n{{end}}{{ if le 2 2 }}l{{end}}{{ if ge "b" "a" }}g{{end}})",
     1, R"(ymnlg)"},
    {R"({{ and 1 0 2 }}|{{ and 1 2 }}|{{ or 0 "" }}|{{ or 0 "x" 3 }}|{{ not 0 }}|{{ not "a" }})", 1,
     R"(0|2||x|true|false)"},
    {R"({{ or 1 (first (query "nothing")) }}|{{ and 0 (first (query "nothing")) }}|{{ and 1 | not }})",
     1, R"(1|0|false)"},
    {R"({{ eq "a" (safeHtml "a") }}|{{ eq 1 1 }}|{{ eq true true }}|{{ lt "a" "b" }}|{{ lt 1.5 2.5 }}|{{ eq nil nil }}|{{ eq (args 1).arg5 1 }}|{{ eq (index "a" 0) 97 }})",
     1, R"(true|true|true|true|true|true|false|true)"},
    // Builtins
    {R"({{ len $labels }}|{{ len "héllo" }}|{{ len (args 1 2 3) }}|{{ len (query "m2") }}|{{ len (safeHtml "ab") }})",
     1, R"(3|6|3|3|2)"},
    {R"({{ index "abc" 1 }}|{{ index (args 1 2) "arg1" }}|{{ index (query "m") 0 | value }}|{{ index $labels }}|{{ index $labels "job" 0 }})",
     1, R"(98|2|1|map[__name__:m instance:i1 job:j]|106)"},
    {R"({{ print 1 2 "a" "b" 3 true 1.5 }}|{{ println 1 "a" }}|{{ print "a" 1 "b" }}|{{ print nil }}|{{ print (args 1).arg5 }})",
     1, R"(1 2ab3 true 1.5|1 a
|a1b|<nil>|<nil>)"},
    {R"({{ printf "%d" 1.5 }}|{{ printf "%d" $value }}|{{ printf "%s" 1 }}|{{ printf "%d" "x" }}|{{ printf "%d %d" 1 }}|{{ printf "%d" 1 2 }})",
     1,
     R"(%!d(float64=1.5)|%!d(float64=1)|%!s(int=1)|%!d(string=x)|1 %!d(MISSING)|1%!(EXTRA int=2))"},
    {R"({{ printf "%5.2f|%-8.3f|%08.3f|%+d|%x|%X|%o|%e|%E|%g|%G|%v|%q|%10s|%-10s|" 3.14159 2.5 -1.5 5 255 255 8 123456.789 0.000123 1e-7 1e21 true "hi" "r" "l" }})",
     1,
     R"( 3.14|2.500   |-001.500|+5|ff|FF|10|1.234568e+05|1.230000E-04|1e-07|1E+21|true|"hi"|         r|l         |)"},
    {R"({{ printf "%x %X %q %v %T %T %T %T" "hi" "hi" 65 $labels 1 1.5 "s" $labels }})", 1,
     R"(6869 6869 'A' map[__name__:m instance:i1 job:j] int float64 string map[string]string)"},
    {R"({{ printf "%.2f %.0f %.3e %6.2g %#v %%" 2.675 0.5 1234.5 0.000012345 1.0 }})", 1,
     R"(2.67 0 1.234e+03 1.2e-05 1 %)"},
    {R"({{ printf "%t|%t|%c|%U|%b|%o|%O|%08b" true 1 65 65 5 8 8 5 }})", 1,
     R"(true|%!t(int=1)|A|U+0041|101|10|0o10|00000101)"},
    {R"({{ printf "%6.2f|%-6.1f|%+.1e|% d|% x|%#x|%#o|%x|%X" -1.0 2.0 12345.678 5 "ab" 255 8 -255 3.5 }})",
     1, R"( -1.00|2.0   |+1.2e+04| 5|61 62|0xff|010|-ff|0X1.CP+01)"},
    {R"({{ printf "%v|%v|%v|%.3v|%10.3v|%g|%G|%e" 1e21 1e20 1e-5 3.14159 3.14159 100000000.0 1e-10 0.0 }})",
     1, R"(1e+21|1e+20|1e-05|3.14|      3.14|1e+08|1E-10|0.000000e+00)"},
    {R"({{ printf "%5t|%-5d|%05d|%+05d|%x|%.2s|%.10s|%5.1s|" true 3 -3 3 -1 "hello" "hi" "xyz" }})",
     1, R"( true|3    |-0003|+0003|-1|he|hi|    x|)"},
    {R"({{ printf "%*d|%-*d|%.*f" 5 1 4 2 2 3.14159 }}|{{ printf "%!|%z|%" 1 }}|{{ printf "%[2]d %[1]d|%[3]d" 1 2 }})",
     1, R"(    1|2   |3.14|%!!(int=1)|%!z(MISSING)|%!(NOVERB)|2 1|%!d(BADINDEX))"},
    {R"({{ printf "%f|%5.1f|%e|%g|%v|%+v|%08.2f" $value $value $value $value $value $value $value }})",
     kInf, R"(+Inf| +Inf|+Inf|+Inf|+Inf|+Inf|    +Inf)"},
    {R"({{ printf "%f|%.1f|%e|%g" $value $value $value $value }})", kNaN, R"(NaN|NaN|NaN|NaN)"},
    {R"({{ printf "%q|%q|%+q|%#q|%q" "a\"b\n" "é" "é" "a`b" "\x01" }})", 1,
     R"("a\"b\n"|"é"|"\u00e9"|"a`b"|"\x01")"},
    {R"({{ printf "%v|%+v|%#v" (first (query "m")) (first (query "m")) $labels }}|{{ printf "%v" (args 1 "x") }}|{{ args 1 "x" }})",
     1,
     R"(&{map[__name__:m instance:i1 job:j] 1}|&{Labels:map[__name__:m instance:i1 job:j] Value:1}|map[string]string{"__name__":"m", "instance":"i1", "job":"j"}|map[arg0:1 arg1:x]|map[arg0:1 arg1:x])"},
    {R"({{ printf "%v %s %d" $labels $labels $labels }})", 1,
     R"(map[__name__:m instance:i1 job:j] map[__name__:m instance:i1 job:j] map[%!d(string=__name__):%!d(string=m) %!d(string=instance):%!d(string=i1) %!d(string=job):%!d(string=j)])"},
    {R"({{ html "<a href='x'>&\"</a>" }}|{{ js "<a'\"\\&=\u00e9\t>" }}|{{ urlquery "a b&c=d/é~" }}|{{ urlquery "a" 1 true }}|{{ html 1 "<" }})",
     1,
     R"(&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;|\u003Ca\'\"\\\u0026\u003Dé\u0009\u003E|a+b%26c%3Dd%2F%C3%A9~|a1+true|1&lt;)"},
    // PrometheusFunctions
    {R"({{ query "m" | first | value }}|{{ query "m" | first | label "job" }}|{{ (query "m" | first).Labels }}|{{ first (query "m") }}|{{ strvalue (query "m" | first) }})",
     1, R"(1|j|map[__name__:m instance:i1 job:j]|{map[__name__:m instance:i1 job:j] 1}|)"},
    {R"({{ range query "1.5" }}{{ .Labels }}{{ .Value }}{{ end }})", 1, R"(map[]1.5)"},
    {R"({{ sortByLabel "instance" (query "m2") | len }}|{{ range sortByLabel "instance" (query "m2") }}{{ .Labels.instance }}{{ end }} )",
     1, R"(3|abc )"},
    {R"({{ range args 1 "a" 2.5 }}{{ . }};{{ end }}|{{ (args 1 2).arg1 }}|{{ (args 1).arg5 }}|{{ index (args 1) "arg0" }})",
     1, R"(1;a;2.5;|2|<no value>|1)"},
    {R"~({{ reReplaceAll "(\\w+)-(\\d+)" "$2/$1 ${1}x $3 $$" "abc-12 de-3" }}|{{ reReplaceAll "a*" "-" "baaac" }}|{{ reReplaceAll "" "-" "abc" }}|{{ reReplaceAll "(?P<x>b)" "[$x]" "abc" }}|{{ reReplaceAll "b" "$1x${" "abc" }}|{{ reReplaceAll "é" "e" "café" }})~",
     1, R"(12/abc abcx  $ 3/de dex  $|-b-c-|-a-b-c-|a[b]c|a${c|cafe)"},
    {R"({{ match "^i" $labels.instance }}|{{ match "a+" "caat" }}|{{ match "^a+$" "caat" }})", 1,
     R"(true|true|false)"},
    {R"({{ title "hello wORLD foo_bar a-b" }}|{{ toUpper "aé" }}|{{ toLower "AÉ" }}|{{ title "élan ñu ǆx" }}|{{ toUpper "straße ǆ ÿ" }}|{{ toLower "ΣΑΣ İ" }}|{{ title "a.b,c;d!e" }}|{{ title "" }})",
     1, R"(Hello WORLD Foo_bar A-B|AÉ|aé|Élan Ñu ǅx|STRAßE Ǆ Ÿ|σασ i|A.B,C;D!E|)"},
    {R"~({{ graphLink "up{a=\"b\"}" }}|{{ tableLink "rate(x[5m])" }}|{{ safeHtml "<b>" }}|{{ stripPort "[::1]:80" }}|{{ stripPort "host" }}|{{ stripPort "a:b:c" }}|{{ stripPort "h:" }}|{{ stripPort "a:1" }})~",
     1,
     R"(/graph?g0.expr=up%7Ba%3D%22b%22%7D&g0.tab=0|/graph?g0.expr=rate%28x%5B5m%5D%29&g0.tab=1|<b>|::1|host|a:b:c|h|a)"},
    {R"({{ humanize 0 }}|{{ humanize 0.0012345 }}|{{ humanize 1e30 }}|{{ humanize -1234 }}|{{ humanize "2048" }}|{{ humanize 1 }}|{{ humanize 999.99 }}|{{ humanize 1e-30 }}|{{ humanize 1234567 }})",
     1, R"(0|1.234m|1e+06Y|-1.234k|2.048k|1|1000|1e-06y|1.235M)"},
    {R"({{ humanize 999999.5 }}|{{ humanize 0.9999999 }}|{{ humanize 1e-3 }}|{{ humanize 123.456e-9 }}|{{ humanize "1_000" }}|{{ humanize "+inf" }}|{{ humanize "0x1p4" }}|{{ humanize ".5" }})",
     1, R"(1000k|1000m|1m|123.5n|1k|+Inf|16|500m)"},
    {R"({{ humanize1024 1024 }}|{{ humanize1024 1 }}|{{ humanize1024 0.5 }}|{{ humanize1024 1234567 }}|{{ humanize1024 -2048 }}|{{ humanize1024 1e30 }}|{{ humanize1024 1048575.9 }})",
     1, R"(1ki|1|0.5|1.177Mi|-2ki|8.272e+05Yi|1024ki)"},
    {R"({{ humanizeDuration 0 }}|{{ humanizeDuration 93784 }}|{{ humanizeDuration 3723.5 }}|{{ humanizeDuration 61 }}|{{ humanizeDuration 1.2345 }}|{{ humanizeDuration 0.012345 }}|{{ humanizeDuration -93784 }}|{{ humanizeDuration -0.5 }}|{{ humanizeDuration 59.99999 }})",
     1, R"(0s|1d 2h 3m 4s|1h 2m 3s|1m 1s|1.234s|12.35ms|-1d 2h 3m 4s|-500ms|60s)"},
    {R"({{ humanizeDuration 86400 }}|{{ humanizeDuration 3600 }}|{{ humanizeDuration 1e10 }}|{{ humanizeDuration 60 }}|{{ humanizeDuration 1 }}|{{ humanizeDuration 1e-12 }}|{{ humanizeDuration 0.0009999 }}|{{ humanizeDuration "Inf" }})",
     1, R"(1d 0h 0m 0s|1h 0m 0s|115740d 17h 46m 40s|1m 0s|1s|1ps|999.9us|+Inf)"},
    {R"({{ humanizePercentage 0.12345 }}|{{ humanizePercentage 1 }}|{{ humanizePercentage "0.5" }})",
     1, R"(12.35%|100%|50%)"},
    {R"({{ humanizeTimestamp 1257894000 }}|{{ humanizeTimestamp 1257894000.123456 }}|{{ humanizeTimestamp 0 }}|{{ humanizeTimestamp -1.5 }}|{{ humanizeTimestamp 1.0001 }}|{{ humanizeTimestamp -1.0001 }})",
     1,
     R"(2009-11-10 23:00:00 +0000 UTC|2009-11-10 23:00:00.123 +0000 UTC|1970-01-01 00:00:00 +0000 UTC|1969-12-31 23:59:58.5 +0000 UTC|1970-01-01 00:00:01 +0000 UTC|1969-12-31 23:59:59 +0000 UTC)"},
    {R"({{ humanizeTimestamp $value }}|{{ humanize $value }}|{{ humanizeDuration $value }}|{{ humanize1024 $value }}|{{ humanizePercentage $value }})",
     kNaN, R"(NaN|NaN|NaN|NaN|NaN%)"},
    {R"({{ humanizeTimestamp $value }}|{{ humanize $value }}|{{ humanizeDuration $value }}|{{ humanize1024 $value }}|{{ humanizePercentage $value }})",
     -kInf, R"(-Inf|-Inf|-Inf|-Inf|-Inf%)"},
    {R"({{ toTime 1.5 }}|{{ toTime "-1" }}|{{ toTime 1257894000 }}|{{ printf "%T %v %#v" (toTime 1) (toTime 1) (toTime 1) }})",
     1,
     R"(1970-01-01 00:00:01.5 +0000 UTC|1969-12-31 23:59:59 +0000 UTC|2009-11-10 23:00:00 +0000 UTC|*time.Time 1970-01-01 00:00:01 +0000 UTC time.Date(1970, time.January, 1, 0, 0, 1, 0, time.UTC))"},
    {R"({{ parseDuration "1h30m" }}|{{ parseDuration "1ms" }}|{{ parseDuration "1y2w3d" }}|{{ parseDuration "0" }})",
     1, R"(5400|0.001|3.30048e+07|0)"},
    // ExecutionErrors
    {R"({{ if eq $value 1 }}one{{ end }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:118: executing "__alert_A" at <eq $value 1>: error calling eq: incompatible types for comparison>)"},
    {R"({{ and }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <and>: wrong number of args for and: want at least 1 got 0>)"},
    {R"({{ humanize "abc" }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <humanize "abc">: error calling humanize: strconv.ParseFloat: parsing "abc": invalid syntax>)"},
    {R"({{ humanize true }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <humanize true>: error calling humanize: can't convert bool to float>)"},
    {R"({{ humanize $labels }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <humanize $labels>: error calling humanize: can't convert map[string]string to float>)"},
    {R"({{ humanize "1e400" }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <humanize "1e400">: error calling humanize: strconv.ParseFloat: parsing "1e400": value out of range>)"},
    {R"({{ humanizeTimestamp 1e300 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <humanizeTimestamp 1e300>: error calling humanizeTimestamp: 1e+300 cannot be represented as a nanoseconds timestamp since it overflows int64>)"},
    {R"({{ toTime $value }})", kNaN,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <toTime $value>: error calling toTime: value is NaN or Inf>)"},
    {R"({{ toTime 1e12 }})", 1, R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <toTime 1e12>: error calling toTime: 1e+12 cannot be represented as a nanoseconds timestamp since it overflows int64>)"},
    {R"({{ first (query "nothing") }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <first (query "nothing")>: error calling first: first() called on vector with no elements>)"},
    {R"({{ query "sum(" }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <query "sum(">: error calling query: 1:5: parse error: unclosed left parenthesis>)"},
    {R"({{ query "\"str\"" }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <query "\"str\"">: error calling query: rule result is not a vector or scalar>)"},
    {R"({{ index $labels 1 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <index $labels 1>: error calling index: value has type int; should be string>)"},
    {R"({{ index "abc" 5 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <index "abc" 5>: error calling index: index out of range: 5>)"},
    {R"({{ index "abc" 3 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <index "abc" 3>: error calling index: reflect: string index out of range>)"},
    {R"({{ index (query "m") 1 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <index (query "m") 1>: error calling index: reflect: slice index out of range>)"},
    {R"({{ index (query "m") "a" }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <index (query "m") "a">: error calling index: cannot index slice/array with type string>)"},
    {R"({{ index 1 1 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <index 1 1>: error calling index: can't index item of type int>)"},
    {R"({{ len 3 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <len 3>: error calling len: len of type int>)"},
    {R"({{ len (first (query "m")) }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <len (first (query "m"))>: error calling len: len of type template.sample>)"},
    {R"({{ .Foo }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <.Foo>: can't evaluate field Foo in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }>)"},
    {R"({{ $value.x }})",
     1, R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing "__alert_A" at <$value.x>: can't evaluate field x in type float64>)"},
    {R"({{ $labels.job.x }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:122: executing "__alert_A" at <$labels.job.x>: can't evaluate field x in type string>)"},
    {R"({{ (1).x }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:116: executing "__alert_A" at <1>: can't evaluate field x in type int>)"},
    {R"({{ (first (query "m")).Foo }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:129: executing "__alert_A" at <"m">: can't evaluate field Foo in type *template.sample>)"},
    {R"({{ .Labels.job 1 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:122: executing "__alert_A" at <.Labels.job>: job is not a method but has arguments>)"},
    {R"({{ .Value 1 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <.Value>: Value has arguments but cannot be invoked as function>)"},
    {R"({{ 1 | $value }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:119: executing "__alert_A" at <$value>: can't give argument to non-function $value>)"},
    {R"({{ toUpper 1 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:123: executing "__alert_A" at <1>: expected string; found 1>)"},
    {R"({{ toUpper $value }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:123: executing "__alert_A" at <$value>: wrong type for value; expected string; got float64>)"},
    {R"({{ label 1 2 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing "__alert_A" at <1>: expected string; found 1>)"},
    {R"({{ toUpper "a" "b" }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <toUpper>: wrong number of args for toUpper: want 1 got 2>)"},
    {R"({{ toUpper (safeHtml "a") }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:133: executing "__alert_A" at <"a">: wrong type for value; expected string; got template.HTML>)"},
    {R"({{ toUpper nil }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:123: executing "__alert_A" at <nil>: cannot assign nil to string>)"},
    {R"({{ first 1 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing "__alert_A" at <1>: can't handle 1 for arg of type template.queryResult>)"},
    {R"({{ first $labels }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing "__alert_A" at <$labels>: wrong type for value; expected template.queryResult; got map[string]string>)"},
    {R"({{ value nil }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <value nil>: error calling value: runtime error: invalid memory address or nil pointer dereference>)"},
    {R"({{ printf 1 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:122: executing "__alert_A" at <1>: expected string; found 1>)"},
    {R"({{ nil }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <nil>: nil is not a command>)"},
    {R"({{ 1 2 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <1>: can't give argument to non-function 1>)"},
    {R"({{ 12345678901234567890 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <12345678901234567890>: 12345678901234567890 overflows int>)"},
    {R"({{ $x := 1 2 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing "__alert_A" at <1>: can't give argument to non-function 1>)"},
    {R"({{ $x = 1 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:120: executing "__alert_A" at <1>: undefined variable: $x>)"},
    {R"({{ lt true false }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <lt true false>: error calling lt: invalid type for comparison>)"},
    {R"({{ eq $labels 1 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <eq $labels 1>: error calling eq: incompatible types for comparison>)"},
    {R"({{ lt 1 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <lt>: wrong number of args for lt: want 2 got 1>)"},
    {R"({{ eq 1 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <eq 1>: error calling eq: missing argument for comparison>)"},
    {R"({{ eq (query "m2") (query "m2") }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <eq (query "m2") (query "m2")>: error calling eq: non-comparable type [%!s(*template.sample=&{map[__name__:m2 instance:b] 1}) %!s(*template.sample=&{map[__name__:m2 instance:a] 2}) %!s(*template.sample=&{map[__name__:m2 instance:c] 3})]: template.queryResult>)"},
    {R"({{ lt 1 1.5 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <lt 1 1.5>: error calling lt: incompatible types for comparison>)"},
    {R"({{ not 1 2 }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <not>: wrong number of args for not: want 1 got 2>)"},
    {R"({{ reReplaceAll "(" "x" "y" }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <reReplaceAll "(" "x" "y">: error calling reReplaceAll: regexp: Compile(`(`): error parsing regexp: missing closing ): `(`>)"},
    {R"({{ match "(" "x" }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <match "(" "x">: error calling match: error parsing regexp: missing closing ): `(`>)"},
    {R"({{ parseDuration "xyz" }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <parseDuration "xyz">: error calling parseDuration: not a valid duration string: "xyz">)"},
    {R"({{ range 5 }}x{{ end }})", 1, R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing "__alert_A" at <5>: range can't iterate over 5>)"},
    {R"({{ range $i, $c := "ab" }}{{ end }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:131: executing "__alert_A" at <"ab">: range can't iterate over ab>)"},
    {R"({{ template "x" }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:124: executing "__alert_A" at <{{template "x"}}>: template "x" not defined>)"},
    {R"({{ call nil }})", 1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <call nil>: error calling call: call of nil>)"},
    {R"(ok
{{ humanize "x" }})",
     1,
     R"(<error expanding template: error executing template __alert_A: template: __alert_A:2:3: executing "__alert_A" at <humanize "x">: error calling humanize: strconv.ParseFloat: parsing "x": invalid syntax>)"},
};

TEST(TemplateTest, ExpandsAsPromtoolDoes) {
  for (const PromtoolCase& c : kPromtoolCases) {
    EXPECT_EQ(Annotation(c.text, PromtoolData(c.value)), c.want) << c.text;
  }
}

struct ParseCase {
  std::string_view text;
  std::string_view want;
};

const ParseCase kPromtoolParseErrors[] = {
    {R"({{ nope }})", R"(template: __alert_A:1: function "nope" not defined)"},
    {R"(line1
{{ nope 1 }})",
     R"(template: __alert_A:2: function "nope" not defined)"},
    {R"({{ if 1 }})", R"(template: __alert_A:1: unexpected EOF)"},
    {R"({{ end }})", R"(template: __alert_A:1: unexpected {{end}})"},
    {R"({{ else }})", R"(template: __alert_A:1: unexpected {{else}})"},
    {R"({{ $x }})", R"(template: __alert_A:1: undefined variable "$x")"},
    {R"({{ if true }}{{ $y := 1 }}{{ end }}{{ $y }})",
     R"(template: __alert_A:1: undefined variable "$y")"},
    {R"({{ 1 )", R"(template: __alert_A:1: unclosed action)"},
    {R"({{ "abc }})", R"(template: __alert_A:1: unterminated quoted string)"},
    {R"({{ `abc }})", R"(template: __alert_A:1: unterminated raw quoted string)"},
    {R"({{ /* x }})", R"(template: __alert_A:1: unexpected "/" in command)"},
    {R"({{ ( 1 }})", R"(template: __alert_A:1: unclosed left paren)"},
    {R"({{ ) }})", R"~(template: __alert_A:1: unexpected ")" in command)~"},
    {R"({{ }})", R"(template: __alert_A:1: missing value for command)"},
    {R"({{ | }})", R"(template: __alert_A:1: unexpected "|" in command)"},
    {R"({{ range }}{{ end }})", R"(template: __alert_A:1: missing value for range)"},
    {R"({{ range $a, $b, $c := . }}{{ end }})",
     R"(template: __alert_A:1: too many declarations in range)"},
    {R"({{ 1abc }})", R"(template: __alert_A:1: bad number syntax: "1a")"},
    {R"({{ 0x }})", R"(template: __alert_A:1: illegal number syntax: "0x")"},
    {R"({{ 'ab' }})", R"(template: __alert_A:1: malformed character constant: 'ab')"},
    {R"({{ "a\q" }})", R"(template: __alert_A:1: invalid syntax)"},
    {R"({{ .Labels.instance.}})", R"(template: __alert_A:1: unexpected <.> in operand)"},
    {R"({{ break }})", R"(template: __alert_A:1: {{break}} outside {{range}})"},
    {R"({{ with 1 }}a{{ else if 2 }}b{{ end }})",
     R"(template: __alert_A:1: unexpected <if> in input)"},
    {R"({{ 3 := 4 }})", R"(template: __alert_A:1: unexpected ":=" in operand)"},
    {R"({{ $x := }})", R"(template: __alert_A:1: missing value for command)"},
    {R"({{ true.x }})", R"(template: __alert_A:1: unexpected . after term "true")"},
    {R"({{ .  Labels }})", R"(template: __alert_A:1: function "Labels" not defined)"},
    {R"({{ "a" | 1 }})", R"(template: __alert_A:1: non executable command in pipeline stage 2)"},
    {R"({{ 1e400 }})", R"(template: __alert_A:1: illegal number syntax: "1e400")"},
    {R"({{/* x */ }})", R"(template: __alert_A:1: comment ends before closing delimiter)"},
    {R"({{/* x)", R"(template: __alert_A:1: unclosed comment)"},
    {R"({{ # }})", R"(template: __alert_A:1: unexpected "#" in command)"},
    {R"({{ $x-1 }})", R"(template: __alert_A:1: bad character U+002D '-')"},
    {R"(a
b {{ if }})",
     R"(template: __alert_A:2: missing value for if)"},
    {R"({{ "a
b" }})",
     R"(template: __alert_A:1: unterminated quoted string)"},
    {R"({{ define "a" }}x{{ end }}{{ define "a" }}y{{ end }})",
     R"(template: __alert_A:1: template: multiple definition of template "a")"},
    {R"({{ if 1 }}a{{ else }}b{{ else }}c{{ end }})",
     R"(template: __alert_A:1: expected end; found {{else}})"},
    {R"({{ range $i, 1 }}{{ end }})",
     R"(template: __alert_A:1: range can only initialize variables)"},
    {R"({{ toDuration 1 }})", R"(template: __alert_A:1: function "toDuration" not defined)"},
};

TEST(TemplateTest, RefusesWhatPromtoolRefuses) {
  for (const ParseCase& c : kPromtoolParseErrors) {
    auto t = Template::Parse("__alert_A", c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(t.status().message(), c.want) << c.text;
  }
}

// promtool 2.42 cannot set external labels or an external URL; Prometheus's own template tests
// expect pathPrefix to be the URL's path and externalURL the URL.
TEST(TemplateTest, SeesExternalLabelsAndUrl) {
  TemplateData data = PromtoolData(1);
  data.external_labels = core::Labels::FromLiteral({{"cluster", "c1"}, {"region", "eu"}});
  data.external_url = "http://example.com:9090/prom?x=1";
  EXPECT_EQ(Annotation("{{ $externalLabels.cluster }}|{{ .ExternalLabels }}|{{ $externalURL }}|{{ "
                       "externalURL }}|"
                       "{{ pathPrefix }}",
                       data),
            "c1|map[cluster:c1 "
            "region:eu]|http://example.com:9090/prom?x=1|http://example.com:9090/prom?x=1|/prom");
  data.external_url = "http://example.com:9090";
  EXPECT_EQ(Annotation("[{{ pathPrefix }}]", data), "[]");
}

TEST(TemplateTest, QueryWithoutAFunctionIsAnError) {
  TemplateData data = PromtoolData(1);
  data.query = nullptr;
  EXPECT_EQ(
      Annotation(R"({{ query "up" }})", data),
      R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing )"
      R"("__alert_A" at <query "up">: error calling query: no query function: `query` cannot run here>)");
}

TEST(TemplateTest, ExpandReturnsTheErrorAndExpandOrErrorTheStandIn) {
  auto t = Template::Parse("__alert_HighLoad", "{{ humanize \"x\" }}");
  ASSERT_TRUE(t.ok());
  auto out = (*t)->Expand(PromtoolData(1));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), core::StatusCode::kInvalidArgument);
  const std::string message =
      R"(error executing template __alert_HighLoad: template: __alert_HighLoad:1:115: executing "__alert_HighLoad" at )"
      R"(<humanize "x">: error calling humanize: strconv.ParseFloat: parsing "x": invalid syntax)";
  EXPECT_EQ(out.status().message(), message);
  EXPECT_EQ(ExpandOrError(**t, PromtoolData(1)), "<error expanding template: " + message + ">");
}

// Parsed once, expanded for every alert: nothing of one expansion stays for the next.
TEST(TemplateTest, OneParseServesManyExpansionsAndThreads) {
  auto t = Template::Parse("__alert_A",
                           R"({{ $x := 0 }}{{ range $i, $e := $labels }}{{ $x = $i }}{{ end }})"
                           R"({{ $x }} {{ $labels.instance }} {{ $value | humanize }})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  TemplateData a = PromtoolData(1234), b = PromtoolData(0.5);
  b.labels = core::Labels::FromLiteral({{"instance", "db2"}});
  EXPECT_EQ(ExpandOrError(**t, a), "job i1 1.234k");
  EXPECT_EQ(ExpandOrError(**t, b), "instance db2 500m");
  std::vector<std::thread> threads;
  std::vector<int> right(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 200; ++i)
        right[k] += ExpandOrError(**t, (i % 2) ? a : b) ==
                    ((i % 2) ? "job i1 1.234k" : "instance db2 500m");
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(right, std::vector<int>(4, 200));
}

// sortByLabel sorts the result it is given, so a variable holding it sees the new order, as
// in Go; a range already walking the result is not disturbed.
TEST(TemplateTest, SortByLabelSortsInPlace) {
  EXPECT_EQ(
      Annotation(
          R"({{ $q := query "m2" }}{{ range $q }}{{ .Labels.instance }}{{ end }}|)"
          R"({{ $s := sortByLabel "instance" $q }}{{ range $q }}{{ .Labels.instance }}{{ end }})",
          PromtoolData(1)),
      "bac|abc");
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Nesting deep enough to exhaust a stack is refused while parsing, not run.
TEST(TemplateTest, DeepNestingIsAParseError) {
  const int deep = 100000;
  for (const std::string& text : {"{{ " + Repeat("(", deep) + "1" + Repeat(")", deep) + " }}",
                                  Repeat("{{ if 1 }}", deep) + Repeat("{{ end }}", deep),
                                  Repeat("{{ range $labels }}", deep), Repeat("{{ with 1 }}", deep),
                                  "{{ if 1 }}" + Repeat("{{ else if 1 }}", deep) + "{{ end }}"}) {
    auto t = Template::Parse("__alert_A", text);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().message(), "template: __alert_A:1: max expression depth exceeded");
  }
  // Within the bound, nesting works.
  const int ok = gotemplate::kMaxParseDepth - 10;
  EXPECT_EQ(Annotation("{{ " + Repeat("(", ok) + "1" + Repeat(")", ok) + " }}", PromtoolData(1)),
            "1");
  EXPECT_EQ(Annotation(Repeat("{{ if 1 }}", ok) + "x" + Repeat("{{ end }}", ok), PromtoolData(1)),
            "x");
}

// Recursion through {{template}} is stopped, as Go stops it (at 100000 calls; here at 100),
// and deep templates calling themselves are stopped by the nesting bound before the stack.
TEST(TemplateTest, RecursionIsBounded) {
  EXPECT_EQ(
      Annotation(R"({{ define "r" }}{{ template "r" }}{{ end }}{{ template "r" }})",
                 PromtoolData(1)),
      R"(<error expanding template: error executing template __alert_A: template: __alert_A:1:140: executing "r" )"
      R"(at <{{template "r"}}>: exceeded maximum template depth (100)>)");
  const int n = gotemplate::kMaxParseDepth - 10;
  const std::string deep = R"({{ define "r" }})" + Repeat("{{ if 1 }}", n) +
                           R"({{ template "r" }})" + Repeat("{{ end }}", n) +
                           R"({{ end }}{{ template "r" }})";
  // On a thread with a quarter of the pool threads' 8 MB stack: the bound keeps the deepest
  // expansion inside it (a release build needs under 1 MB for it).
  struct Run {
    const std::string* text;
    std::string out;
    static void* Main(void* arg) {
      auto* run = static_cast<Run*>(arg);
      run->out = Annotation(*run->text, PromtoolData(1));
      return nullptr;
    }
  } run{&deep, ""};
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 2 << 20), 0);
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attr, &Run::Main, &run), 0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
  pthread_attr_destroy(&attr);
  EXPECT_NE(run.out.find("executing \"r\" at <1>: exceeded maximum nesting depth (1000)"),
            std::string::npos)
      << run.out.substr(0, 300);
}

TEST(TemplateTest, OutputAndStringsAreBounded) {
  const std::string big = R"({{ printf "%0999999d" 1 }})";
  EXPECT_EQ(Annotation(big, PromtoolData(1)).size(), 999999u);
  const std::string too_big = Annotation(big + "x" + big, PromtoolData(1));
  EXPECT_NE(
      too_big.find(
          "executing \"__alert_A\" at <{{printf \"%0999999d\" 1}}>: output exceeds 1048576 bytes"),
      std::string::npos)
      << too_big.substr(0, 300);
  // Doubling a string in a variable: stopped when a function makes one too long.
  const std::string doubling = R"({{ $s := "0123456789abcdef" }})" +
                               Repeat(R"({{ $s = printf "%s%s" $s $s }})", 30) + "{{ len $s }}";
  const std::string out = Annotation(doubling, PromtoolData(1));
  EXPECT_NE(out.find("error calling printf: result exceeds 1048576 bytes"), std::string::npos)
      << out.substr(0, 300);
}

TEST(TemplateTest, WorkIsBounded) {
  std::string args = "args";
  for (int i = 0; i < 200; ++i) args += " " + std::to_string(i);
  const std::string text =
      "{{ $a := " + args +
      " }}{{ range $a }}{{ range $a }}{{ range $a }}{{ end }}{{ end }}{{ end }}";
  const auto start = std::chrono::steady_clock::now();
  const std::string out = Annotation(text, PromtoolData(1));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_NE(out.find("more than 1000000 steps: too costly to expand"), std::string::npos)
      << out.substr(0, 300);
  EXPECT_LT(took, std::chrono::seconds(10));
  // Two nested ranges over the same 200 are well within it.
  EXPECT_EQ(
      Annotation(
          "{{ $a := " + args +
              " }}{{ $n := 0 }}{{ range $a }}{{ range $a }}{{ $n = 1 }}{{ end }}{{ end }}{{ $n }}",
          PromtoolData(1)),
      "1");
}

// Whatever the bytes, parsing and expanding end with text or an error: mutations of the
// cases above, and random sequences of template tokens.
TEST(TemplateTest, DamagedTemplatesAreRefusedNotCrashedOn) {
  std::mt19937 rng(11);
  std::vector<std::string> seeds;
  for (const PromtoolCase& c : kPromtoolCases) seeds.emplace_back(c.text);
  for (const ParseCase& c : kPromtoolParseErrors) seeds.emplace_back(c.text);
  const std::vector<std::string> tokens = {
      "{{",    "}}",    "{{-",          "-}}",        " ",       "(",       ")",
      "|",     "$x",    ":=",           "=",          "$labels", ".Labels", ".",
      "if",    "else",  "end",          "range",      "with",    "define",  "template",
      "block", "break", "\"a\"",        "`b`",        "'c'",     "1",       "1.5",
      "nil",   "true",  "printf",       "\"%d%s%v\"", "index",   "len",     "eq",
      "and",   "or",    "query",        "humanize",   "/*",      "*/",      ",",
      "\n",    "$",     "reReplaceAll", "\"(a*)\"",   "\"$1\""};
  size_t parsed = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string text;
    if (i % 2 == 0) {
      text = seeds[rng() % seeds.size()];
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < edits && !text.empty(); ++k) {
        const size_t at = rng() % text.size();
        switch (rng() % 3) {
          case 0:
            text[at] = static_cast<char>(rng() % 256);
            break;
          case 1:
            text.erase(at, 1 + rng() % 3);
            break;
          default:
            text.insert(at, tokens[rng() % tokens.size()]);
        }
      }
    } else {
      const int n = 1 + static_cast<int>(rng() % 30);
      for (int k = 0; k < n; ++k) text += tokens[rng() % tokens.size()];
    }
    auto t = Template::Parse("__alert_A", text);
    if (!t.ok()) {
      EXPECT_EQ(t.status().message().rfind("template: __alert_A:", 0), 0u) << text;
      continue;
    }
    ++parsed;
    auto out = (*t)->Expand(PromtoolData(1));
    if (!out.ok()) {
      EXPECT_EQ(out.status().message().rfind(
                    "error executing template __alert_A: template: __alert_A", 0),
                0u)
          << text;
    }
  }
  EXPECT_GT(parsed, 500u);
}

}  // namespace
}  // namespace vigil::rules
