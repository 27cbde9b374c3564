// promtool's rule unit-test files (yaml-cpp behind unit_test_file.cc's wall): any text is a
// test file or InvalidArgument.
#include "fuzz/fuzz_input.h"
#include "server/rules/unit_test_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = vigil::rules::ParseUnitTestFile(text, "fuzz_test.yml");
  if (!file.ok()) FUZZ_CHECK(!file.status().message().empty());
  return 0;
}
