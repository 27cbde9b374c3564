// The text exposition format parser (scraped /metrics pages, textfile collector files). A page
// it accepts, written out again sample by sample, must parse to the same samples.
#include <cmath>
#include <cstring>

#include "core/exposition.h"
#include "fuzz/fuzz_input.h"

namespace {

bool SameValue(double a, double b) {
  // NaN payloads matter: a stale marker is a NaN with particular bits.
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::core;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<ParsedExposition> page = ParseExposition(text);
  if (!page.ok()) return 0;
  std::string again;
  for (const ParsedSample& s : page->samples) {
    ExpositionSample out{.name = std::string(s.labels.MetricName()),
                         .value = s.value,
                         .timestamp_ms = s.timestamp_ms};
    for (const Label& l : s.labels)
      if (l.name != kMetricNameLabel) out.labels.push_back(l);
    AppendSample(&again, out);
  }
  Result<ParsedExposition> reparsed = ParseExposition(again);
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(reparsed->samples.size() == page->samples.size());
  for (size_t i = 0; i < page->samples.size(); ++i) {
    FUZZ_CHECK(reparsed->samples[i].labels == page->samples[i].labels);
    FUZZ_CHECK(SameValue(reparsed->samples[i].value, page->samples[i].value));
    FUZZ_CHECK(reparsed->samples[i].timestamp_ms == page->samples[i].timestamp_ms);
  }
  return 0;
}
