#pragma once
// Write relabelling for one destination, the subset of Prometheus's write_relabel_configs an
// edge agent needs, with RE2 regular expressions anchored at both ends as Prometheus does:
//   keep = LABEL=~REGEX       send only series whose LABEL matches (a missing label is "")
//   drop = LABEL=~REGEX       do not send series whose LABEL matches
//   labeldrop = REGEX         remove the labels whose names match
// applied in that order.
#include <memory>
#include <optional>
#include <string>

#include "core/labels.h"
#include "core/status.h"

namespace re2 {
class RE2;
}

namespace vigil::remote {

class WriteRelabel {
 public:
  // "LABEL=~REGEX" for keep and drop.
  core::Status SetKeep(std::string_view rule);
  core::Status SetDrop(std::string_view rule);
  core::Status SetLabelDrop(std::string_view regex);

  bool empty() const { return !keep_ && !drop_ && !labeldrop_; }
  // False when the series is not to be sent; otherwise *out is what to send (only written
  // when labels were removed: *changed says so).
  bool Apply(const core::Labels& in, core::Labels* out, bool* changed) const;

 private:
  struct Match {
    std::string label;
    std::shared_ptr<const re2::RE2> regex;  // shared: configs are copied, the compiled regex is not
  };
  static core::Result<Match> ParseRule(std::string_view rule);
  std::optional<Match> keep_, drop_;
  std::shared_ptr<const re2::RE2> labeldrop_;
};

}  // namespace vigil::remote
