// Stand-in until the template engine (branch `template`) is merged: the text as written,
// unexpanded. Deleted by that merge.
#include "server/rules/template.h"
namespace vigil::rules {
namespace {
class Stub : public Template {
 public:
  explicit Stub(std::string t) : text_(std::move(t)) {}
  core::Result<std::string> Expand(const TemplateData&) const override { return text_; }
  std::string text_;
};
}
core::Result<std::shared_ptr<const Template>> Template::Parse(std::string_view, std::string_view text) {
  return std::shared_ptr<const Template>(std::make_shared<Stub>(std::string(text)));
}
std::string ExpandOrError(const Template& t, const TemplateData& d) { auto r = t.Expand(d); return r.ok() ? *r : "<error expanding template: " + r.status().message() + ">"; }
}
