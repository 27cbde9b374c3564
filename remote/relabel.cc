#include "remote/relabel.h"

#include <re2/re2.h>

namespace vigil::remote {
namespace {

core::Result<std::shared_ptr<const re2::RE2>> Compile(std::string_view regex) {
  // Prometheus anchors relabel regexes: "node_.*" must match the whole value.
  auto re = std::make_shared<const re2::RE2>("^(?:" + std::string(regex) + ")$", re2::RE2::Quiet);
  if (!re->ok())
    return core::InvalidArgumentError("invalid regular expression \"" + std::string(regex) +
                                      "\": " + re->error());
  return re;
}

}  // namespace

core::Result<WriteRelabel::Match> WriteRelabel::ParseRule(std::string_view rule) {
  size_t op = rule.find("=~");
  if (op == std::string_view::npos)
    return core::InvalidArgumentError("expected LABEL=~REGEX, got \"" + std::string(rule) + "\"");
  Match m;
  m.label = std::string(rule.substr(0, op));
  if (!core::IsValidLabelName(m.label))
    return core::InvalidArgumentError("invalid label name \"" + m.label + "\"");
  VIGIL_ASSIGN_OR_RETURN(m.regex, Compile(rule.substr(op + 2)));
  return m;
}

core::Status WriteRelabel::SetKeep(std::string_view rule) {
  VIGIL_ASSIGN_OR_RETURN(keep_, ParseRule(rule));
  return core::OkStatus();
}

core::Status WriteRelabel::SetDrop(std::string_view rule) {
  VIGIL_ASSIGN_OR_RETURN(drop_, ParseRule(rule));
  return core::OkStatus();
}

core::Status WriteRelabel::SetLabelDrop(std::string_view regex) {
  VIGIL_ASSIGN_OR_RETURN(labeldrop_, Compile(regex));
  if (re2::RE2::FullMatch(std::string(core::kMetricNameLabel), *labeldrop_)) {
    return core::InvalidArgumentError("labeldrop would remove __name__");
  }
  return core::OkStatus();
}

bool WriteRelabel::Apply(const core::Labels& in, core::Labels* out, bool* changed) const {
  *changed = false;
  if (keep_ && !re2::RE2::FullMatch(in.Get(keep_->label), *keep_->regex)) return false;
  if (drop_ && re2::RE2::FullMatch(in.Get(drop_->label), *drop_->regex)) return false;
  if (!labeldrop_) return true;
  core::LabelsBuilder b(in);
  for (const core::Label& l : in) {
    if (re2::RE2::FullMatch(l.name, *labeldrop_)) {
      b.Del(l.name);
      *changed = true;
    }
  }
  if (!*changed) return true;
  auto built = b.Build();
  if (!built.ok()) return false;
  *out = std::move(built).value();
  return true;
}

}  // namespace vigil::remote
