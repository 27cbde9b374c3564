// What the agent reads of container runtimes' state files (Docker's config.v2.json, OCI
// bundles' config.json) and the container id in a cgroup path: any bytes, nothing but
// strings or nothing out.
#include "collectors/container_identity.h"
#include "collectors/json_path.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::collectors;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ParseDockerConfig(text);
  (void)ParseOciConfig(text);
  (void)JsonStringAt(text, {"Config", "Labels", "io.kubernetes.pod.name"});
  (void)JsonStringAt(text, {"a"});
  (void)JsonStringAt(text, {});
  const std::string id = ContainerIdFromCgroup(text);
  FUZZ_CHECK(id.empty() || id.size() == 64);
  return 0;
}
