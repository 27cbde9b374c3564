// Runs the PromQL scripts in testdata/: series are loaded into a real Storage, expressions
// evaluated by the engine, results compared. The notation:
//
//   load 1m                              samples every minute from time 0
//     up{job="a"} 0+10x5 _ stale 7 NaN   0 10 .. 50, a gap, a staleness marker, 7, NaN
//   clear                                a fresh, empty storage
//   eval instant at 5m EXPR              then the expected elements, one a line:
//     {job="a"} 50                       a series and its value
//     42                                 a scalar (or a series without labels)
//   eval_ordered instant at 5m EXPR      the same, and the order must match
//   eval range from 0 to 10m step 1m EXPR
//     {job="a"} 1 _ 3                    a value per step, _ where there is none
//   eval_fail instant at 5m EXPR         the query must fail;
//     error: text                        optional: with a message containing this text
//
// Values are equal when both are NaN or they agree within 1e-9 relative.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/metrics.h"
#include "core/number.h"
#include "remote/codec.h"
#include "server/promql/engine.h"
#include "server/promql/lexer.h"
#include "server/promql/parser.h"
#include "server/storage/storage.h"
#include "tests/core/temp_dir.h"
#include "tests/server/storage/append_request.h"

namespace vigil::promql {
namespace {

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// "5m", "0", "90s", or plain seconds.
int64_t ParseTime(const std::string& s) {
  const int64_t d = ParseDurationText(s);
  if (d >= 0) return d;
  return static_cast<int64_t>(*core::ParseFloat(s) * 1000);
}

// Splits `metric{a="b"} rest` into the label set and the rest.
core::Labels ParseSeries(const std::string& line, std::string* rest) {
  size_t end = line.find('}');
  if (end == std::string::npos)
    end = line.find(' ');
  else
    ++end;
  if (end == std::string::npos) end = line.size();
  std::string selector = line.substr(0, end);
  *rest = Trim(line.substr(end));
  if (selector == "{}") return core::Labels();
  auto matchers = ParseMetricSelector(selector);
  EXPECT_TRUE(matchers.ok()) << selector << ": " << matchers.status().ToString();
  std::vector<core::Label> labels;
  if (matchers.ok()) {
    for (const auto& m : *matchers) labels.push_back({m.name(), m.value()});
  }
  return *core::Labels::Create(labels);
}

// Values in the load notation; nullopt for `_`.
std::vector<std::optional<double>> ParseValues(const std::string& text) {
  std::vector<std::optional<double>> out;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    size_t x = word.find('x');
    const bool number_like =
        word.find("Inf") == std::string::npos && word.find("NaN") == std::string::npos;
    if (x != std::string::npos && number_like) {
      const int times = std::stoi(word.substr(x + 1));
      std::string head = word.substr(0, x);
      if (head == "_") {
        for (int i = 0; i < times; ++i) out.push_back(std::nullopt);
        continue;
      }
      // a+bxN or a-bxN: the sign that is not the leading one splits start and increment.
      size_t sign = head.find_first_of("+-", 1);
      while (sign != std::string::npos && (head[sign - 1] == 'e' || head[sign - 1] == 'E'))
        sign = head.find_first_of("+-", sign + 1);
      const double start = *core::ParseFloat(head.substr(0, sign));
      const double inc = sign == std::string::npos ? 0 : *core::ParseFloat(head.substr(sign));
      for (int i = 0; i <= times; ++i) out.push_back(start + inc * i);
      continue;
    }
    if (word == "_")
      out.push_back(std::nullopt);
    else if (word == "stale")
      out.push_back(core::StaleNaN());
    else
      out.push_back(*core::ParseFloat(word));
  }
  return out;
}

bool Close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

std::string Show(double v) { return core::FormatFloatG(v); }

class Script {
 public:
  explicit Script(std::string name) : name_(std::move(name)) { Clear(); }

  void Run(std::istream& in) {
    std::string line;
    std::vector<std::string> lines;
    while (std::getline(in, line)) lines.push_back(line);
    for (size_t i = 0; i < lines.size();) {
      const std::string cmd = Trim(lines[i]);
      const size_t at = i + 1;
      ++i;
      if (cmd.empty() || cmd[0] == '#') continue;
      std::vector<std::string> body;
      while (i < lines.size() && !lines[i].empty() && (lines[i][0] == ' ' || lines[i][0] == '\t')) {
        body.push_back(Trim(lines[i++]));
      }
      SCOPED_TRACE(name_ + ":" + std::to_string(at) + ": " + cmd);
      if (cmd.rfind("load ", 0) == 0)
        Load(ParseTime(Trim(cmd.substr(5))), body);
      else if (cmd == "clear")
        Clear();
      else if (cmd.rfind("eval", 0) == 0)
        Eval(cmd, body);
      else
        ADD_FAILURE() << "unknown command";
    }
  }

 private:
  void Clear() {
    storage_.reset();
    dir_ = testing::FreshTempDir(std::to_string(++clears_));
    storage::StorageOptions o;
    o.dir = dir_;
    metrics_ = std::make_unique<core::MetricsRegistry>();
    auto s = storage::Storage::Open(o, clock_, *metrics_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    storage_ = std::move(s).value();
    engine_ = std::make_unique<Engine>(*storage_, EngineOptions{});
  }

  void Load(int64_t step, const std::vector<std::string>& body) {
    remote::WriteRequest req;
    for (const std::string& line : body) {
      std::string rest;
      remote::SeriesSamples s{ParseSeries(line, &rest), {}};
      const auto values = ParseValues(rest);
      for (size_t k = 0; k < values.size(); ++k) {
        if (values[k]) s.samples.push_back({static_cast<int64_t>(k) * step, *values[k]});
      }
      req.series.push_back(std::move(s));
    }
    auto r = testing::AppendRequest(*storage_, req);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  void Eval(const std::string& cmd, const std::vector<std::string>& body) {
    std::istringstream words(cmd);
    std::string verb, kind, word;
    words >> verb >> kind;
    int64_t start = 0, end = 0, step = 1;
    if (kind == "instant") {
      words >> word >> word;  // at T
      start = end = ParseTime(word);
    } else {
      std::string from, to, st;
      words >> word >> from >> word >> to >> word >> st;
      start = ParseTime(from);
      end = ParseTime(to);
      step = ParseTime(st);
    }
    std::string query;
    std::getline(words, query);
    query = Trim(query);
    auto expr = ParseExpr(query);
    core::Result<QueryResult> result = core::InvalidArgumentError("not run");
    if (expr.ok()) {
      result = kind == "instant" ? engine_->InstantQuery(**expr, start)
                                 : engine_->RangeQuery(**expr, start, end, step);
    } else {
      result = expr.status();
    }
    if (verb == "eval_fail") {
      ASSERT_FALSE(result.ok()) << "expected an error";
      if (!body.empty() && body[0].rfind("error: ", 0) == 0) {
        EXPECT_NE(result.status().message().find(body[0].substr(7)), std::string::npos)
            << result.status().message();
      }
      return;
    }
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    if (kind == "instant") {
      ExpectInstant(*result, body, verb == "eval_ordered");
    } else {
      ExpectRange(*result, body, start, end, step);
    }
  }

  void ExpectInstant(const QueryResult& r, const std::vector<std::string>& body, bool ordered) {
    std::vector<std::pair<core::Labels, double>> got;
    if (r.type == ValueType::kScalar) got.push_back({core::Labels(), r.scalar});
    for (const Sample& s : r.vector) got.push_back({*s.metric, s.v});
    for (const Series& s : r.matrix) {  // a range vector: the last point of each series
      got.push_back({*s.metric, s.points.back().value});
    }
    ASSERT_EQ(got.size(), body.size()) << Describe(got);
    std::vector<bool> used(got.size());
    for (size_t i = 0; i < body.size(); ++i) {
      std::string rest;
      const bool bare = core::ParseFloat(body[i]).has_value();
      core::Labels want = bare ? core::Labels() : ParseSeries(body[i], &rest);
      const double value = *core::ParseFloat(bare ? body[i] : rest);
      bool found = false;
      for (size_t k = ordered ? i : 0; k < (ordered ? i + 1 : got.size()); ++k) {
        if (!used[k] && got[k].first == want && Close(got[k].second, value)) {
          used[k] = found = true;
          break;
        }
      }
      EXPECT_TRUE(found) << "expected " << want.ToString() << " " << Show(value) << ", got "
                         << Describe(got);
    }
  }

  void ExpectRange(const QueryResult& r, const std::vector<std::string>& body, int64_t start,
                   int64_t end, int64_t step) {
    ASSERT_EQ(r.matrix.size(), body.size());
    for (const std::string& line : body) {
      std::string rest;
      const core::Labels want = ParseSeries(line, &rest);
      const auto values = ParseValues(rest);
      const Series* series = nullptr;
      for (const Series& s : r.matrix) {
        if (*s.metric == want) series = &s;
      }
      ASSERT_NE(series, nullptr) << "no series " << want.ToString();
      size_t p = 0;
      for (int64_t ts = start, k = 0; ts <= end; ts += step, ++k) {
        const bool has = p < series->points.size() && series->points[p].timestamp_ms == ts;
        const bool want_has = static_cast<size_t>(k) < values.size() && values[k].has_value();
        ASSERT_EQ(has, want_has) << want.ToString() << " at " << ts;
        if (has) {
          EXPECT_TRUE(Close(series->points[p].value, *values[k]))
              << want.ToString() << " at " << ts << ": " << Show(series->points[p].value)
              << " != " << Show(*values[k]);
          ++p;
        }
      }
    }
  }

  static std::string Describe(const std::vector<std::pair<core::Labels, double>>& got) {
    std::string out;
    for (const auto& [labels, v] : got) out += "\n  " + labels.ToString() + " " + Show(v);
    return out;
  }

  std::string name_;
  int clears_ = 0;
  std::string dir_;
  core::ManualClock clock_{0};
  std::unique_ptr<core::MetricsRegistry> metrics_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<Engine> engine_;
};

class ScriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScriptTest, Passes) {
  std::ifstream in(std::string(VIGIL_PROMQL_TESTDATA) + "/" + GetParam());
  ASSERT_TRUE(in) << GetParam();
  Script(GetParam()).Run(in);
}

std::vector<std::string> Scripts() {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(VIGIL_PROMQL_TESTDATA)) {
    if (entry.path().extension() == ".test") out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Scripts, ScriptTest, ::testing::ValuesIn(Scripts()),
                         [](const auto& param_info) {
                           std::string name =
                               param_info.param.substr(0, param_info.param.find('.'));
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace vigil::promql
