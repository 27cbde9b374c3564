#pragma once
// What is wrong with a YAML file (a rule file, a rule unit-test file): every problem, each
// "FILE:LINE:COL: [WHERE: ]WHAT" with the position of the node it is about, reported all at
// once as promtool does. It also counts the nodes read, so that a few lines of nested aliases
// that stand for billions of entries are refused rather than walked. For the translation units
// that call yaml-cpp (built with exceptions).
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace vigil::rules {

class YamlProblems {
 public:
  explicit YamlProblems(std::string file, size_t max_nodes = 1'000'000)
      : file_(std::move(file)), max_nodes_(max_nodes) {}

  // `where`: what the node belongs to ("group "g", rule 2, "name""), or "".
  void Add(const YAML::Node& at, const std::string& where, const std::string& what) {
    std::string line = file_ + ":";
    if (at.IsDefined() && at.Mark().line >= 0) {
      line += std::to_string(at.Mark().line + 1) + ":" + std::to_string(at.Mark().column + 1) + ":";
    }
    list_.push_back(line + " " + (where.empty() ? "" : where + ": ") + what);
  }
  void Add(const YAML::Node& at, const std::string& what) { Add(at, "", what); }

  // Counts one node; false once there were too many (said once, as a problem).
  bool Spend(const YAML::Node& at) {
    if (++nodes_ <= max_nodes_) return true;
    if (nodes_ == max_nodes_ + 1) {
      Add(at,
          "more than " + std::to_string(max_nodes_) + " entries with aliases expanded: refused");
    }
    return false;
  }

  bool empty() const { return list_.empty(); }
  // Every problem, one a line.
  std::string Joined() const {
    std::string out;
    for (const std::string& p : list_) out += (out.empty() ? "" : "\n") + p;
    return out;
  }

 private:
  std::string file_;
  size_t max_nodes_;
  size_t nodes_ = 0;
  std::vector<std::string> list_;
};

}  // namespace vigil::rules
