// Alert label and annotation templates (Go's text/template as Prometheus runs it): any text
// parses or is refused, and one that parses expands with fixed data, bounded in output and
// work, or fails with an error.
#include "fuzz/fuzz_input.h"
#include "server/rules/template.h"

namespace {

const vigil::rules::TemplateData& Data() {
  using vigil::core::Labels;
  static const vigil::rules::TemplateData data = [] {
    vigil::rules::TemplateData d;
    d.labels = Labels::FromLiteral(
        {{"__name__", "up"}, {"instance", "node-1:9100"}, {"job", "node"}, {"severity", "page"}});
    d.external_labels = Labels::FromLiteral({{"cluster", "eu-1"}});
    d.external_url = "http://vigil.example:9090";
    d.value = 0.25;
    // `query` answers without storage: two samples for any expression.
    d.query = [](std::string_view) -> vigil::core::Result<std::vector<vigil::rules::QuerySample>> {
      return std::vector<vigil::rules::QuerySample>{
          {Labels::FromLiteral({{"__name__", "up"}, {"instance", "a"}}), 1},
          {Labels::FromLiteral({{"__name__", "up"}, {"instance", "b"}}), 0}};
    };
    return d;
  }();
  return data;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = vigil::rules::Template::Parse("__alert_Fuzz", text);
  if (!t.ok()) return 0;
  (void)(*t)->Expand(Data());
  return 0;
}
