#include "server/rules/rule_file.h"

#include <glob.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "server/promql/lexer.h"
#include "server/promql/parser.h"
#include "server/rules/template.h"
#include "server/rules/yaml_problems.h"

namespace vigil::rules {
namespace {

std::string Quote(std::string_view s) { return promql::QuoteString(s); }

// A field that was written with a value (a default Node is a null one, as is `for:` alone).
bool Present(const YAML::Node& n) { return n.IsDefined() && !n.IsNull(); }

using Problems = YamlProblems;

// A map's entries by key, refusing keys that are not scalars, not among `known`, or given
// twice (Go's strict YAML decoding refuses both).
std::vector<std::pair<std::string, YAML::Node>> Fields(const YAML::Node& map,
                                                       const std::set<std::string>& known,
                                                       const std::string& where,
                                                       Problems* problems) {
  std::vector<std::pair<std::string, YAML::Node>> out;
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) {
      problems->Add(it->first, where, "a field name must be a string");
      continue;
    }
    const std::string key = it->first.Scalar();
    if (!known.count(key)) {
      problems->Add(it->first, where, "unknown field " + Quote(key));
    } else if (!seen.insert(key).second) {
      problems->Add(it->first, where, "field " + Quote(key) + " given twice");
    } else {
      out.emplace_back(key, it->second);
    }
  }
  return out;
}

std::optional<std::string> ScalarOf(const YAML::Node& n, const std::string& field,
                                    const std::string& where, Problems* problems) {
  if (n.IsNull()) return std::string();
  if (!n.IsScalar()) {
    problems->Add(n, where, "field " + Quote(field) + " must be a string");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<std::chrono::milliseconds> DurationOf(const YAML::Node& n, const std::string& field,
                                                    const std::string& where, Problems* problems) {
  auto text = ScalarOf(n, field, where, problems);
  if (!text) return std::nullopt;
  const int64_t ms = promql::ParseDurationText(*text);
  if (ms < 0) {
    problems->Add(n, where, "not a valid duration string: " + Quote(*text));
    return std::nullopt;
  }
  return std::chrono::milliseconds(ms);
}

// labels: or annotations: a map of strings to strings, sorted by name.
std::vector<std::pair<std::string, std::string>> StringMap(const YAML::Node& n,
                                                           const std::string& field,
                                                           const std::string& where,
                                                           Problems* problems) {
  std::vector<std::pair<std::string, std::string>> out;
  if (n.IsNull()) return out;
  if (!n.IsMap()) {
    problems->Add(n, where, "field " + Quote(field) + " must be a map of strings");
    return out;
  }
  std::set<std::string> seen;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar() || !(it->second.IsScalar() || it->second.IsNull())) {
      problems->Add(it->first, where, "field " + Quote(field) + " must be a map of strings");
      continue;
    }
    if (!seen.insert(it->first.Scalar()).second) {
      problems->Add(it->first, where, field + " " + Quote(it->first.Scalar()) + " given twice");
      continue;
    }
    out.emplace_back(it->first.Scalar(), it->second.IsNull() ? "" : it->second.Scalar());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The value node of `key` in a map already read by StringMap, for where a problem is.
YAML::Node ValueNode(const YAML::Node& map, const std::string& key) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return map;
}

// An alerting rule's label and annotation values are templates, parsed now so that a bad one
// is a load error, as promtool reports it: `label "severity": template: __alert_X:1: ...`.
// (The rule parses them again when it is made; a file that loaded has none that fail.)
void CheckTemplates(const YAML::Node& labels_node, const YAML::Node& annotations_node,
                    const std::string& alert, const std::string& where, const RuleSpec& rule,
                    Problems* problems) {
  const std::string name = "__alert_" + alert;
  for (const core::Label& l : rule.labels) {
    auto t = Template::Parse(name, l.value);
    if (!t.ok()) {
      problems->Add(ValueNode(labels_node, l.name), where,
                    "label " + Quote(l.name) + ": " + t.status().message());
    }
  }
  for (const auto& [key, value] : rule.annotations) {
    auto t = Template::Parse(name, value);
    if (!t.ok()) {
      problems->Add(ValueNode(annotations_node, key), where,
                    "annotation " + Quote(key) + ": " + t.status().message());
    }
  }
}

void ReadRule(const YAML::Node& node, const std::string& group, size_t index, GroupSpec* out,
              Problems* problems) {
  const std::string position = "group " + Quote(group) + ", rule " + std::to_string(index);
  if (!node.IsMap()) {
    problems->Add(node, position, "a rule must be a map");
    return;
  }
  RuleSpec rule;
  rule.line = node.Mark().line + 1;
  YAML::Node record, alert, expr, for_node, keep_node, labels_node, annotations_node;
  std::string record_name, alert_name;
  std::vector<std::pair<std::string, std::string>> labels, annotations;
  // Names first: the rule's own name goes into every later message about it.
  for (const auto& [key, value] :
       Fields(node, {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"},
              position, problems)) {
    if (key == "record") {
      record = value;
      record_name = ScalarOf(value, key, position, problems).value_or("");
    } else if (key == "alert") {
      alert = value;
      alert_name = ScalarOf(value, key, position, problems).value_or("");
    } else if (key == "expr") {
      expr = value;
    } else if (key == "for") {
      for_node = value;
    } else if (key == "keep_firing_for") {
      keep_node = value;
    } else if (key == "labels") {
      labels_node = value;
      labels = StringMap(value, key, position, problems);
    } else {
      annotations_node = value;
      annotations = StringMap(value, key, position, problems);
    }
  }
  const bool recording = !record_name.empty();
  rule.kind = recording ? RuleSpec::Kind::kRecording : RuleSpec::Kind::kAlerting;
  rule.name = recording ? record_name : alert_name;
  const std::string where = position + ", " + Quote(rule.name);
  const YAML::Node& name_node = recording ? record : alert;
  if (recording && !alert_name.empty()) {
    problems->Add(name_node, where, "only one of 'record' and 'alert' must be set");
  } else if (record_name.empty() && alert_name.empty()) {
    problems->Add(node, where, "one of 'record' or 'alert' must be set");
  }
  if (Present(expr)) rule.expr = ScalarOf(expr, "expr", where, problems).value_or("");
  if (rule.expr.empty()) {
    problems->Add(Present(expr) ? expr : node, where, "field 'expr' must be set in rule");
  } else if (auto parsed = promql::ParseExpr(rule.expr); !parsed.ok()) {
    problems->Add(expr, where, "could not parse expression: " + parsed.status().message());
  } else {
    rule.parsed = std::shared_ptr<const promql::Expr>(std::move(parsed).value());
  }
  if (Present(for_node))
    rule.for_duration = DurationOf(for_node, "for", where, problems).value_or(rule.for_duration);
  if (Present(keep_node)) {
    rule.keep_firing_for =
        DurationOf(keep_node, "keep_firing_for", where, problems).value_or(rule.keep_firing_for);
  }
  if (recording) {
    if (!annotations.empty()) {
      problems->Add(name_node, where, "invalid field 'annotations' in recording rule");
    }
    if (rule.for_duration.count() != 0)
      problems->Add(name_node, where, "invalid field 'for' in recording rule");
    if (rule.keep_firing_for.count() != 0) {
      problems->Add(name_node, where, "invalid field 'keep_firing_for' in recording rule");
    }
    if (!core::IsValidMetricName(rule.name))
      problems->Add(name_node, where, "invalid recording rule name: " + rule.name);
  } else if (!alert_name.empty() && !core::IsValidUtf8(alert_name)) {
    problems->Add(name_node, where, "invalid alert name: " + Quote(alert_name));
  }
  std::vector<core::Label> pairs;
  for (auto& [name, value] : labels) {
    if (!core::IsValidLabelName(name) || name == core::kMetricNameLabel) {
      problems->Add(labels_node, where, "invalid label name: " + name);
    } else if (!core::IsValidUtf8(value)) {
      problems->Add(labels_node, where, "invalid label value: " + Quote(value));
    } else {
      pairs.push_back({name, value});
    }
  }
  if (auto l = core::Labels::Create(std::move(pairs)); l.ok()) rule.labels = std::move(*l);
  for (const auto& [name, value] : annotations) {
    if (!core::IsValidLabelName(name))
      problems->Add(annotations_node, where, "invalid annotation name: " + name);
  }
  rule.annotations = std::move(annotations);
  if (!recording && !alert_name.empty())
    CheckTemplates(labels_node, annotations_node, alert_name, where, rule, problems);
  out->rules.push_back(std::move(rule));
}

void ReadGroup(const YAML::Node& node, std::set<std::string>* names, GroupSpec* out,
               Problems* problems) {
  if (!node.IsMap()) {
    problems->Add(node, "", "a group must be a map");
    return;
  }
  YAML::Node rules, name_node;
  // The name first, so that problems with the group's other fields can name it.
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == "name" && it->second.IsScalar()) {
      out->name = it->second.Scalar();
    }
  }
  for (const auto& [key, value] :
       Fields(node, {"name", "interval", "limit", "query_offset", "rules"},
              "group " + Quote(out->name), problems)) {
    const std::string where = "group " + Quote(out->name);
    if (key == "name") {
      name_node = value;
      out->name = ScalarOf(value, key, "", problems).value_or("");
    } else if (key == "interval") {
      out->interval = DurationOf(value, key, where, problems);
      if (out->interval && out->interval->count() == 0) out->interval.reset();
    } else if (key == "query_offset") {
      out->query_offset = DurationOf(value, key, where, problems);
    } else if (key == "limit") {
      const std::string text = ScalarOf(value, key, where, problems).value_or("0");
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out->limit);
      if (ec != std::errc() || end != text.data() + text.size() || out->limit < 0) {
        problems->Add(value, where, "limit must be a whole number, 0 or more: " + Quote(text));
      }
    } else {
      rules = value;
    }
  }
  if (out->name.empty()) {
    problems->Add(Present(name_node) ? name_node : node, "", "group name must not be empty");
  } else if (!names->insert(out->name).second) {
    problems->Add(node, "", "groupname: " + Quote(out->name) + " is repeated in the same file");
  }
  if (!Present(rules)) return;
  if (!rules.IsSequence()) {
    problems->Add(rules, "group " + Quote(out->name), "field \"rules\" must be a list");
    return;
  }
  for (size_t i = 0; i < rules.size(); ++i) ReadRule(rules[i], out->name, i + 1, out, problems);
}

core::Result<std::vector<GroupSpec>> ReadRuleFile(const YAML::Node& root, const std::string& file) {
  Problems problems(file);
  std::vector<GroupSpec> groups;
  if (!Present(root)) return groups;  // an empty file holds no groups
  if (!root.IsMap())
    return core::InvalidArgumentError(file + ": a rule file must be a map with \"groups\"");
  YAML::Node list;
  for (const auto& [key, value] : Fields(root, {"groups"}, "", &problems)) list = value;
  std::set<std::string> names;
  if (Present(list)) {
    if (!list.IsSequence()) {
      problems.Add(list, "", "field \"groups\" must be a list");
    } else {
      for (size_t i = 0; i < list.size(); ++i) {
        GroupSpec g;
        g.file = file;
        ReadGroup(list[i], &names, &g, &problems);
        groups.push_back(std::move(g));
      }
    }
  }
  if (!problems.empty()) return core::InvalidArgumentError(problems.Joined());
  return groups;
}

}  // namespace

core::Result<std::vector<GroupSpec>> ParseRuleFile(std::string_view text, const std::string& file) {
  // yaml-cpp reports malformed YAML, and a walk that reaches where a document has no node, by
  // throwing: the one place Vigil catches (this file is built with exceptions on for it).
  try {
    return ReadRuleFile(YAML::Load(std::string(text)), file);
  } catch (const YAML::Exception& e) {
    std::string where = file + ":";
    if (e.mark.line >= 0)
      where += std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ":";
    return core::InvalidArgumentError(where + " yaml: " + e.msg);
  }
}

std::vector<std::string> ExpandRuleFilePatterns(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& pattern : patterns) {
    glob_t g{};
    if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        if (seen.insert(g.gl_pathv[i]).second) out.emplace_back(g.gl_pathv[i]);
      }
    }
    globfree(&g);
  }
  return out;
}

core::Result<std::vector<GroupSpec>> LoadRuleFiles(const std::vector<std::string>& paths) {
  std::vector<GroupSpec> all;
  std::string problems;
  for (const std::string& path : paths) {
    auto groups = LoadRuleFile(path);
    if (!groups.ok()) {
      problems += (problems.empty() ? "" : "\n") + groups.status().message();
      continue;
    }
    for (GroupSpec& g : *groups) all.push_back(std::move(g));
  }
  if (!problems.empty()) return core::InvalidArgumentError(problems);
  return all;
}

bool CheckRuleFiles(const std::vector<std::string>& paths, std::string* report) {
  bool good = true;
  for (const std::string& path : paths) {
    *report += "Checking " + path + "\n";
    auto groups = LoadRuleFile(path);
    if (!groups.ok()) {
      *report += "  FAILED:\n" + groups.status().message() + "\n\n";
      good = false;
      continue;
    }
    size_t rules = 0;
    for (const GroupSpec& g : *groups) rules += g.rules.size();
    *report += "  SUCCESS: " + std::to_string(rules) + " rules found\n\n";
  }
  return good;
}

core::Result<std::vector<GroupSpec>> LoadRuleFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::NotFoundError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return ParseRuleFile(text.str(), path);
}

}  // namespace vigil::rules
