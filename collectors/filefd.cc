// node_exporter's filefd collector: allocated and maximum file handles, /proc/sys/fs/file-nr.
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

core::Status ParseFilefd(std::string_view text, MetricSet* out) {
  std::vector<std::string_view> f = Fields(TrimSpace(text));
  if (f.size() != 3) return core::InvalidArgumentError("/proc/sys/fs/file-nr: expected 3 fields");
  VIGIL_ASSIGN_OR_RETURN(double allocated, Number(f[0], "file-nr allocated"));
  VIGIL_ASSIGN_OR_RETURN(double maximum, Number(f[2], "file-nr maximum"));
  out->Add("node_filefd_allocated", "File descriptor statistics: allocated.",
           core::MetricType::kGauge, allocated);
  out->Add("node_filefd_maximum", "File descriptor statistics: maximum.", core::MetricType::kGauge,
           maximum);
  return core::OkStatus();
}

}  // namespace vigil::collectors
