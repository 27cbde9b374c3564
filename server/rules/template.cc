#include "server/rules/template.h"

#include "server/rules/template_exec.h"
#include "server/rules/template_parser.h"

namespace vigil::rules {
namespace {

// What Prometheus puts before every label and annotation template of an alerting rule
// (rules/alerting.go), so that $labels, $externalLabels, $externalURL and $value exist. It has
// no newline: an error's column on line 1 counts these characters, as Prometheus's does.
constexpr std::string_view kDefinitions =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := "
    ".ExternalURL}}{{$value := "
    ".Value}}";

class TextTemplate final : public Template {
 public:
  explicit TextTemplate(std::unique_ptr<gotemplate::ParsedTemplate> parsed)
      : parsed_(std::move(parsed)) {}

  core::Result<std::string> Expand(const TemplateData& data) const override {
    auto out = gotemplate::Execute(*parsed_, data);
    // Prometheus's Expander wraps text/template's error so.
    if (!out.ok()) return out.status().WithContext("error executing template " + parsed_->name);
    return out;
  }

 private:
  std::unique_ptr<gotemplate::ParsedTemplate> parsed_;
};

}  // namespace

core::Result<std::shared_ptr<const Template>> Template::Parse(std::string_view name,
                                                              std::string_view text) {
  std::string full(kDefinitions);
  full += text;
  auto parsed = gotemplate::ParseTemplateText(name, std::move(full));
  if (!parsed.ok()) return parsed.status();
  return std::shared_ptr<const Template>(std::make_shared<TextTemplate>(std::move(parsed).value()));
}

std::string ExpandOrError(const Template& t, const TemplateData& data) {
  auto out = t.Expand(data);
  if (out.ok()) return std::move(out).value();
  return "<error expanding template: " + out.status().message() + ">";
}

}  // namespace vigil::rules
