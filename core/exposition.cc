#include "core/exposition.h"

#include <unordered_map>

#include "core/number.h"

namespace vigil::core {

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kUntyped:
      return "untyped";
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kSummary:
      return "summary";
  }
  return "untyped";
}

void AppendSample(std::string* out, const ExpositionSample& s) {
  out->append(s.name);
  if (!s.labels.empty()) {
    out->push_back('{');
    for (size_t i = 0; i < s.labels.size(); ++i) {
      if (i > 0) out->push_back(',');
      out->append(s.labels[i].name);
      out->append("=\"");
      AppendEscaped(out, s.labels[i].value, true);
      out->push_back('"');
    }
    out->push_back('}');
  }
  out->push_back(' ');
  AppendFloatG(out, s.value);
  if (s.timestamp_ms) {
    out->push_back(' ');
    out->append(std::to_string(*s.timestamp_ms));
  }
  out->push_back('\n');
}

void AppendFamily(std::string* out, const MetricFamily& f) {
  if (!f.help.empty()) {
    out->append("# HELP ");
    out->append(f.name);
    out->push_back(' ');
    AppendEscaped(out, f.help, false);
    out->push_back('\n');
  }
  out->append("# TYPE ");
  out->append(f.name);
  out->push_back(' ');
  out->append(MetricTypeName(f.type));
  out->push_back('\n');
  for (const ExpositionSample& s : f.samples) AppendSample(out, s);
}

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsNameChar(char c, bool first, bool colon_ok) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon_ok && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

// Reads one line of the page, left to right. Each method consumes what it reads.
class LineParser {
 public:
  explicit LineParser(std::string_view line) : rest_(line) {}

  void SkipBlanks() {
    while (!rest_.empty() && IsBlank(rest_.front())) rest_.remove_prefix(1);
  }
  bool AtEnd() const { return rest_.empty(); }
  bool Consume(char c) {
    if (rest_.empty() || rest_.front() != c) return false;
    rest_.remove_prefix(1);
    return true;
  }
  std::string_view Name(bool colon_ok) {
    size_t n = 0;
    while (n < rest_.size() && IsNameChar(rest_[n], n == 0, colon_ok)) ++n;
    std::string_view name = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return name;
  }
  // A token up to the next blank.
  std::string_view Token() {
    size_t n = 0;
    while (n < rest_.size() && !IsBlank(rest_[n])) ++n;
    std::string_view t = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return t;
  }
  std::string_view Rest() const { return rest_; }

  // A quoted label value; the opening quote is already consumed. Escapes \\ \" \n are
  // decoded; any other backslash pair is kept as written, as Prometheus does.
  bool QuotedValue(std::string* out) {
    while (!rest_.empty()) {
      char c = rest_.front();
      rest_.remove_prefix(1);
      if (c == '"') return true;
      if (c == '\\') {
        if (rest_.empty()) return false;
        char e = rest_.front();
        rest_.remove_prefix(1);
        if (e == 'n') {
          out->push_back('\n');
        } else if (e == '\\' || e == '"') {
          out->push_back(e);
        } else {
          out->push_back('\\');
          out->push_back(e);
        }
        continue;
      }
      out->push_back(c);
    }
    return false;
  }

 private:
  std::string_view rest_;
};

std::string UnescapeHelp(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      if (text[i + 1] == 'n') {
        out.push_back('\n');
        ++i;
        continue;
      }
      if (text[i + 1] == '\\') {
        out.push_back('\\');
        ++i;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::optional<MetricType> ParseType(std::string_view t) {
  for (MetricType m : {MetricType::kUntyped, MetricType::kCounter, MetricType::kGauge,
                       MetricType::kHistogram, MetricType::kSummary}) {
    if (t == MetricTypeName(m)) return m;
  }
  return std::nullopt;
}

class PageParser {
 public:
  Result<ParsedExposition> Parse(std::string_view text) {
    size_t line_no = 0;
    while (!text.empty()) {
      ++line_no;
      size_t nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      Status s = ParseLine(line);
      if (!s.ok()) return s.WithContext("line " + std::to_string(line_no));
    }
    return std::move(page_);
  }

 private:
  Status ParseLine(std::string_view line) {
    LineParser p(line);
    p.SkipBlanks();
    if (p.AtEnd()) return OkStatus();
    if (p.Consume('#')) return ParseComment(p);
    return ParseSampleLine(p);
  }

  Status ParseComment(LineParser& p) {
    p.SkipBlanks();
    std::string_view keyword = p.Token();
    if (keyword != "HELP" && keyword != "TYPE") return OkStatus();  // a plain comment
    p.SkipBlanks();
    std::string_view name = p.Name(true);
    if (name.empty())
      return InvalidArgumentError("expected a metric name after # " + std::string(keyword));
    if (!p.AtEnd() && !IsBlank(p.Rest().front())) {
      return InvalidArgumentError("invalid character in metric name after # " +
                                  std::string(keyword));
    }
    p.SkipBlanks();
    FamilyMetadata& meta = Metadata(name);
    if (keyword == "HELP") {
      meta.help = UnescapeHelp(p.Rest());
      return OkStatus();
    }
    std::string_view type = p.Token();
    p.SkipBlanks();
    std::optional<MetricType> parsed = ParseType(type);
    if (!parsed || !p.AtEnd()) {
      return InvalidArgumentError("invalid metric type \"" + std::string(type) + "\"");
    }
    meta.type = *parsed;
    return OkStatus();
  }

  Status ParseSampleLine(LineParser& p) {
    std::string_view name = p.Name(true);
    if (name.empty()) {
      return InvalidArgumentError("expected a metric name, found \"" +
                                  std::string(p.Rest().substr(0, 16)) + "\"");
    }
    std::vector<Label> labels;
    labels.push_back({std::string(kMetricNameLabel), std::string(name)});
    p.SkipBlanks();
    if (p.Consume('{')) VIGIL_RETURN_IF_ERROR(ParseLabels(p, &labels));
    p.SkipBlanks();
    std::string_view value_text = p.Token();
    if (value_text.empty()) return InvalidArgumentError("expected a value after the series");
    std::optional<double> value = ParseFloat(value_text);
    if (!value) {
      return InvalidArgumentError("invalid value \"" + std::string(value_text) + "\"");
    }
    ParsedSample sample;
    sample.value = *value;
    p.SkipBlanks();
    if (!p.AtEnd()) {
      std::string_view ts_text = p.Token();
      std::optional<int64_t> ts = ParseInt64(ts_text);
      if (!ts) {
        return InvalidArgumentError("invalid timestamp \"" + std::string(ts_text) + "\"");
      }
      sample.timestamp_ms = *ts;
      p.SkipBlanks();
      if (!p.AtEnd()) {
        return InvalidArgumentError("unexpected text after the timestamp: \"" +
                                    std::string(p.Rest().substr(0, 16)) + "\"");
      }
    }
    Result<Labels> built = Labels::Create(std::move(labels));
    if (!built.ok()) return built.status();
    sample.labels = std::move(built).value();
    page_.samples.push_back(std::move(sample));
    return OkStatus();
  }

  Status ParseLabels(LineParser& p, std::vector<Label>* labels) {
    for (;;) {
      p.SkipBlanks();
      if (p.Consume('}')) return OkStatus();
      std::string_view name = p.Name(false);
      if (name.empty()) return InvalidArgumentError("expected a label name or '}'");
      if (name == kMetricNameLabel) {
        return InvalidArgumentError("label name \"__name__\" is reserved");
      }
      p.SkipBlanks();
      if (!p.Consume('=')) {
        return InvalidArgumentError("expected '=' after label name \"" + std::string(name) + "\"");
      }
      p.SkipBlanks();
      if (!p.Consume('"')) {
        return InvalidArgumentError("expected a quoted value for label \"" + std::string(name) +
                                    "\"");
      }
      std::string value;
      if (!p.QuotedValue(&value)) {
        return InvalidArgumentError("unterminated value for label \"" + std::string(name) + "\"");
      }
      labels->push_back({std::string(name), std::move(value)});
      p.SkipBlanks();
      if (p.Consume(',')) continue;
      if (p.Consume('}')) return OkStatus();
      return InvalidArgumentError("expected ',' or '}' after label \"" + std::string(name) + "\"");
    }
  }

  FamilyMetadata& Metadata(std::string_view name) {
    auto [it, inserted] = index_.try_emplace(std::string(name), page_.metadata.size());
    if (inserted) page_.metadata.push_back({std::string(name), MetricType::kUntyped, ""});
    return page_.metadata[it->second];
  }

  ParsedExposition page_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace

Result<ParsedExposition> ParseExposition(std::string_view text) { return PageParser().Parse(text); }

}  // namespace vigil::core
