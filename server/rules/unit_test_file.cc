#include "server/rules/unit_test_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <set>

#include "server/promql/ast.h"
#include "server/promql/lexer.h"
#include "server/rules/yaml_problems.h"

namespace vigil::rules {
namespace {

std::string Quote(std::string_view s) { return promql::QuoteString(s); }

// What a node holds, in yaml.v2's words, for "cannot read X as Y" messages.
std::string KindOf(const YAML::Node& n) {
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a map";
  return "the scalar " + Quote(n.Scalar());
}

using Problems = YamlProblems;

// Reads one YAML map into a struct: each field by its reader, refusing the ones not known and
// the ones given twice. `what` names the map in messages ("tests[0]").
class Fields {
 public:
  using Reader = std::function<void(const YAML::Node& value, const std::string& where)>;
  Fields(const YAML::Node& map, std::string what, Problems* problems)
      : map_(map), what_(std::move(what)), problems_(problems) {}

  Fields& On(std::string name, Reader read) {
    readers_.emplace_back(std::move(name), std::move(read));
    return *this;
  }

  void Read() {
    if (!map_.IsDefined() || map_.IsNull()) return;  // an empty entry: every field left unset
    if (!map_.IsMap()) {
      problems_->Add(map_, what_ + " must be a map, not " + KindOf(map_));
      return;
    }
    std::set<std::string> seen;
    for (auto it = map_.begin(); it != map_.end(); ++it) {
      if (!problems_->Spend(it->first)) return;
      const YAML::Node key = it->first;
      const std::string name = key.IsScalar() ? key.Scalar() : "";
      auto reader = std::find_if(readers_.begin(), readers_.end(),
                                 [&](const auto& r) { return r.first == name; });
      if (reader == readers_.end()) {
        std::string known;
        for (const auto& r : readers_) known += (known.empty() ? "" : ", ") + r.first;
        problems_->Add(key, "unknown field " + (key.IsScalar() ? Quote(name) : KindOf(key)) +
                                " in " + what_ + " (its fields: " + known + ")");
      } else if (!seen.insert(name).second) {
        problems_->Add(key, "field " + Quote(name) + " given twice in " + what_);
      } else {
        reader->second(it->second, what_ + "." + name);
      }
    }
  }

 private:
  const YAML::Node& map_;
  std::string what_;
  Problems* problems_;
  std::vector<std::pair<std::string, Reader>> readers_;
};

class Reader {
 public:
  explicit Reader(Problems* problems) : problems_(problems) {}

  void String(const YAML::Node& n, const std::string& where, std::string* out) {
    if (n.IsNull()) return;
    if (!n.IsScalar()) {
      problems_->Add(n, where + " must be a string, not " + KindOf(n));
      return;
    }
    *out = n.Scalar();
  }

  void Duration(const YAML::Node& n, const std::string& where, std::chrono::milliseconds* out) {
    if (n.IsNull()) return;
    std::string text;
    String(n, where, &text);
    if (!n.IsScalar()) return;
    const int64_t ms = promql::ParseDurationText(text);
    if (ms < 0) {
      problems_->Add(
          n, where + ": not a valid duration string: " + Quote(text) + " (e.g. 1m, 1h30m, 0)");
      return;
    }
    *out = std::chrono::milliseconds(ms);
  }

  void StringList(const YAML::Node& n, const std::string& where, std::vector<std::string>* out) {
    List(n, where, [&](const YAML::Node& item, const std::string& at) {
      std::string s;
      String(item, at, &s);
      out->push_back(std::move(s));
    });
  }

  // A map of strings to strings (yaml.v2 reads any scalar as a string, null as "").
  void StringMap(const YAML::Node& n, const std::string& where, StringPairs* out) {
    if (n.IsNull()) return;
    if (!n.IsMap()) {
      problems_->Add(n, where + " must be a map of names to strings, not " + KindOf(n));
      return;
    }
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!problems_->Spend(it->first)) return;
      if (!it->first.IsScalar()) {
        problems_->Add(it->first, where + ": a name must be a string, not " + KindOf(it->first));
        continue;
      }
      const std::string name = it->first.Scalar();
      if (!seen.insert(name).second) {
        problems_->Add(it->first, where + ": " + Quote(name) + " given twice");
        continue;
      }
      std::string value;
      String(it->second, where + "." + name, &value);
      out->emplace_back(name, std::move(value));
    }
    std::sort(out->begin(), out->end());
  }

  // A number as yaml.v2 reads one into a float64: a plain (unquoted) integer in Go's base-0
  // syntax or a decimal float, .inf or .nan; a quoted string is an error there.
  void Float(const YAML::Node& n, const std::string& where, double* out) {
    if (n.IsNull()) return;
    if (!n.IsScalar() || n.Tag() == "!") {
      problems_->Add(n, where + " must be a number, not " +
                            (n.IsScalar() ? "the string " + Quote(n.Scalar()) : KindOf(n)));
      return;
    }
    std::optional<double> v = YamlFloat(n.Scalar());
    if (!v) {
      problems_->Add(n, where + " must be a number, not " + Quote(n.Scalar()));
      return;
    }
    *out = *v;
  }

  // Each item of a list by `item`, with its index in `where`.
  void List(const YAML::Node& n, const std::string& where,
            const std::function<void(const YAML::Node&, const std::string&)>& item) {
    if (n.IsNull()) return;
    if (!n.IsSequence()) {
      problems_->Add(n, where + " must be a list, not " + KindOf(n));
      return;
    }
    for (size_t i = 0; i < n.size(); ++i) {
      if (!problems_->Spend(n[i])) return;
      item(n[i], where + "[" + std::to_string(i) + "]");
    }
  }

  Problems* problems() { return problems_; }

 private:
  static std::optional<double> YamlFloat(std::string text) {
    static const std::pair<std::string_view, double> kSpecial[] = {
        {".inf", INFINITY},   {".Inf", INFINITY},  {".INF", INFINITY},   {"+.inf", INFINITY},
        {"+.Inf", INFINITY},  {"+.INF", INFINITY}, {"-.inf", -INFINITY}, {"-.Inf", -INFINITY},
        {"-.INF", -INFINITY}, {".nan", NAN},       {".NaN", NAN},        {".NAN", NAN}};
    for (const auto& [spelling, value] : kSpecial) {
      if (text == spelling) return value;
    }
    // YAML 1.1 allows _ between digits.
    text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
    std::string_view s = text;
    bool negative = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
      negative = s[0] == '-';
      s.remove_prefix(1);
    }
    if (s.empty()) return std::nullopt;
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      base = 16;
    } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
      base = 8;
    } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
      base = 2;
    }
    std::string_view digits = base == 10 ? s : s.substr(2);
    if (base == 10 && s.size() > 1 && s[0] == '0' &&
        std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '7'; })) {
      base = 8, digits = s.substr(1);
    }
    uint64_t whole = 0;
    auto [int_end, int_ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), whole, base);
    if (int_ec == std::errc() && int_end == digits.data() + digits.size()) {
      return negative ? -static_cast<double>(whole) : static_cast<double>(whole);
    }
    if (base != 10 && base != 8) return std::nullopt;
    // A decimal float: digits with an optional fraction and exponent, nothing else.
    size_t i = 0;
    auto digit_run = [&] {
      const size_t from = i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      return i - from;
    };
    size_t mantissa = digit_run();
    if (i < s.size() && s[i] == '.') {
      ++i;
      mantissa += digit_run();
    }
    if (mantissa == 0) return std::nullopt;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
      if (digit_run() == 0) return std::nullopt;
    }
    if (i != s.size()) return std::nullopt;
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range) return std::nullopt;
    if (ec != std::errc() || end != s.data() + s.size()) {
      // from_chars does not take "1." or ".5" everywhere: add the missing zero.
      std::string fixed(s);
      if (fixed.front() == '.') fixed.insert(fixed.begin(), '0');
      const size_t dot = fixed.find('.');
      if (dot != std::string::npos &&
          (dot + 1 == fixed.size() || !std::isdigit(static_cast<unsigned char>(fixed[dot + 1])))) {
        fixed.insert(dot + 1, "0");
      }
      auto [end2, ec2] = std::from_chars(fixed.data(), fixed.data() + fixed.size(), v);
      if (ec2 != std::errc() || end2 != fixed.data() + fixed.size()) return std::nullopt;
    }
    return negative ? -v : v;
  }

  Problems* problems_;
};

void ReadAlertTest(Reader& r, const YAML::Node& n, const std::string& where, AlertTestCase* out) {
  Fields(n, where, r.problems())
      .On("eval_time",
          [&](const YAML::Node& v, const std::string& at) { r.Duration(v, at, &out->eval_time); })
      .On("alertname",
          [&](const YAML::Node& v, const std::string& at) { r.String(v, at, &out->alertname); })
      .On("exp_alerts",
          [&](const YAML::Node& v, const std::string& at) {
            r.List(v, at, [&](const YAML::Node& item, const std::string& item_at) {
              ExpectedAlert a;
              Fields(item, item_at, r.problems())
                  .On("exp_labels",
                      [&](const YAML::Node& f, const std::string& f_at) {
                        r.StringMap(f, f_at, &a.labels);
                      })
                  .On("exp_annotations",
                      [&](const YAML::Node& f, const std::string& f_at) {
                        r.StringMap(f, f_at, &a.annotations);
                      })
                  .Read();
              out->exp_alerts.push_back(std::move(a));
            });
          })
      .Read();
}

void ReadPromqlTest(Reader& r, const YAML::Node& n, const std::string& where, PromqlTestCase* out) {
  Fields(n, where, r.problems())
      .On("expr", [&](const YAML::Node& v, const std::string& at) { r.String(v, at, &out->expr); })
      .On("eval_time",
          [&](const YAML::Node& v, const std::string& at) { r.Duration(v, at, &out->eval_time); })
      .On("exp_samples",
          [&](const YAML::Node& v, const std::string& at) {
            r.List(v, at, [&](const YAML::Node& item, const std::string& item_at) {
              ExpectedSample s;
              Fields(item, item_at, r.problems())
                  .On("labels", [&](const YAML::Node& f,
                                    const std::string& f_at) { r.String(f, f_at, &s.labels); })
                  .On("value", [&](const YAML::Node& f,
                                   const std::string& f_at) { r.Float(f, f_at, &s.value); })
                  .Read();
              out->exp_samples.push_back(std::move(s));
            });
          })
      .Read();
}

void ReadTestGroup(Reader& r, const YAML::Node& n, const std::string& where, TestGroup* out) {
  Fields(n, where, r.problems())
      .On("interval",
          [&](const YAML::Node& v, const std::string& at) { r.Duration(v, at, &out->interval); })
      .On("input_series",
          [&](const YAML::Node& v, const std::string& at) {
            r.List(v, at, [&](const YAML::Node& item, const std::string& item_at) {
              InputSeries s;
              s.line = item.Mark().line + 1;
              Fields(item, item_at, r.problems())
                  .On("series", [&](const YAML::Node& f,
                                    const std::string& f_at) { r.String(f, f_at, &s.series); })
                  .On("values", [&](const YAML::Node& f,
                                    const std::string& f_at) { r.String(f, f_at, &s.values); })
                  .Read();
              out->input_series.push_back(std::move(s));
            });
          })
      .On("alert_rule_test",
          [&](const YAML::Node& v, const std::string& at) {
            r.List(v, at, [&](const YAML::Node& item, const std::string& item_at) {
              out->alert_rule_test.emplace_back();
              ReadAlertTest(r, item, item_at, &out->alert_rule_test.back());
            });
          })
      .On("promql_expr_test",
          [&](const YAML::Node& v, const std::string& at) {
            r.List(v, at, [&](const YAML::Node& item, const std::string& item_at) {
              out->promql_expr_test.emplace_back();
              ReadPromqlTest(r, item, item_at, &out->promql_expr_test.back());
            });
          })
      .On("external_labels",
          [&](const YAML::Node& v, const std::string& at) {
            r.StringMap(v, at, &out->external_labels);
          })
      .On("external_url",
          [&](const YAML::Node& v, const std::string& at) { r.String(v, at, &out->external_url); })
      .On("name", [&](const YAML::Node& v, const std::string& at) { r.String(v, at, &out->name); })
      .Read();
}

core::Result<UnitTestFile> ReadUnitTestFile(const YAML::Node& root, const std::string& file) {
  Problems problems(file);
  Reader r(&problems);
  UnitTestFile out;
  Fields(root, "the test file", &problems)
      .On("rule_files",
          [&](const YAML::Node& v, const std::string& at) { r.StringList(v, at, &out.rule_files); })
      .On("evaluation_interval",
          [&](const YAML::Node& v, const std::string& at) {
            r.Duration(v, at, &out.evaluation_interval);
          })
      .On("group_eval_order",
          [&](const YAML::Node& v, const std::string& at) {
            r.StringList(v, at, &out.group_eval_order);
          })
      .On("tests",
          [&](const YAML::Node& v, const std::string&) {
            r.List(v, "tests", [&](const YAML::Node& item, const std::string& item_at) {
              out.tests.emplace_back();
              ReadTestGroup(r, item, item_at, &out.tests.back());
            });
          })
      .Read();
  if (!problems.empty()) return core::InvalidArgumentError(problems.Joined());
  return out;
}

}  // namespace

core::Result<UnitTestFile> ParseUnitTestFile(std::string_view text, const std::string& file) {
  // yaml-cpp reports malformed YAML by throwing: caught here, in the one function of this
  // file that runs it (the file is built with exceptions on for it, as rule_file.cc is).
  try {
    return ReadUnitTestFile(YAML::Load(std::string(text)), file);
  } catch (const YAML::Exception& e) {
    std::string where = file + ":";
    if (e.mark.line >= 0)
      where += std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ":";
    return core::InvalidArgumentError(where + " yaml: " + e.msg);
  }
}

}  // namespace vigil::rules
