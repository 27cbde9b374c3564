// node_exporter's uname collector. The live node answers uname(2); a fixture tree under a
// procfs other than /proc answers through /proc/sys/kernel files instead, so tests are
// independent of the machine they run on.
#include <sys/utsname.h>

#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

void AddUname(const Uname& u, MetricSet* out) {
  out->Add("node_uname_info", "Labeled system information as provided by the uname system call.",
           core::MetricType::kGauge, 1,
           {{"domainname", u.domainname},
            {"machine", u.machine},
            {"nodename", u.nodename},
            {"release", u.release},
            {"sysname", u.sysname},
            {"version", u.version}});
}

core::Status CollectUname(const Roots& roots, MetricSet* out) {
  Uname u;
  if (roots.live()) {
    utsname un{};
    if (::uname(&un) != 0) return core::ErrnoError(errno, "uname");
    u = {un.sysname, un.nodename, un.release, un.version, un.machine, un.domainname};
  } else {
    const std::pair<std::string*, const char*> files[] = {
        {&u.sysname, "sys/kernel/ostype"},    {&u.nodename, "sys/kernel/hostname"},
        {&u.release, "sys/kernel/osrelease"}, {&u.version, "sys/kernel/version"},
        {&u.machine, "sys/kernel/arch"},      {&u.domainname, "sys/kernel/domainname"}};
    for (const auto& [field, path] : files) {
      auto text = roots.files->Read(roots.procfs, path);
      if (!text.ok()) return text.status();
      *field = std::string(TrimSpace(*text));
    }
  }
  AddUname(u, out);
  return core::OkStatus();
}

}  // namespace vigil::collectors
