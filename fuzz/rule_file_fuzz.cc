// Rule files in Prometheus's format (yaml-cpp, whose exceptions rule_file.cc catches): any
// text is groups or InvalidArgument, never an exception out or a crash.
#include "fuzz/fuzz_input.h"
#include "server/rules/rule_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto groups = vigil::rules::ParseRuleFile(text, "fuzz.yml");
  if (!groups.ok()) FUZZ_CHECK(!groups.status().message().empty());
  return 0;
}
