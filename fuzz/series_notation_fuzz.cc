// promtool's series notation: the values (`1+2x3 _ stale`) and the label set of an input
// series. The input is labels, a newline, then values. Steps stay within kMaxSeriesSteps.
#include "fuzz/fuzz_input.h"
#include "server/rules/series_notation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::rules;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t nl = text.find('\n');
  (void)ParseSeriesLabels(text.substr(0, nl));
  const std::string_view values = nl == std::string_view::npos ? text : text.substr(nl + 1);
  auto steps = ParseSeriesValues(values);
  if (steps.ok()) FUZZ_CHECK(steps->size() <= kMaxSeriesSteps);
  return 0;
}
