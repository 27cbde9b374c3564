#pragma once
// A label matcher as PromQL writes them: =, !=, =~, !~. Regular expressions are RE2 and fully
// anchored, as Prometheus anchors them; a label that is absent has the value "".
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace re2 {
class RE2;
}

namespace vigil::storage {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

class Matcher {
 public:
  // InvalidArgument for a regular expression RE2 does not accept.
  static core::Result<Matcher> Create(MatchType type, std::string name, std::string value);
  bool Matches(std::string_view value) const;
  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }
  // name="value", as PromQL prints it.
  std::string ToString() const;

 private:
  Matcher(MatchType type, std::string name, std::string value)
      : type_(type), name_(std::move(name)), value_(std::move(value)) {}
  MatchType type_;
  std::string name_;
  std::string value_;
  // Shared: matchers are copied into every query plan and the compiled program is immutable.
  std::shared_ptr<const re2::RE2> re_;
};

using Matchers = std::vector<Matcher>;

// Whether a whole label set passes every matcher (absent labels read as "").
template <typename LabelSet>
bool MatchesAll(const Matchers& matchers, const LabelSet& labels) {
  for (const Matcher& m : matchers) {
    if (!m.Matches(labels.Get(m.name()))) return false;
  }
  return true;
}

}  // namespace vigil::storage
