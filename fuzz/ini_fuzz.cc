// The INI loader as the binaries use it: the document, then the agent's and the server's
// readers over it, which check every key, value and section the file names.
#include "agent/config.h"
#include "core/ini.h"
#include "fuzz/fuzz_input.h"
#include "server/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const core::IniDocument doc = core::IniDocument::Parse(text, "fuzz.ini");
  for (const core::ConfigError& e : doc.errors()) FUZZ_CHECK(!e.ToString().empty());
  std::vector<core::ConfigError> errors;
  (void)agent::ReadAgentConfig(doc, &errors);
  (void)core::JoinConfigErrors(errors);
  errors.clear();
  (void)server::ReadServerConfig(doc, &errors);
  (void)core::JoinConfigErrors(errors);
  return 0;
}
