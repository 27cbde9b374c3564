#include "collectors/collector.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

namespace vigil::collectors {

core::Result<std::string> ReadFile(const std::string& root, std::string_view relative,
                                   size_t max_bytes) {
  const std::string path = JoinPath(root, relative);
  core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return core::ErrnoError(errno, "open " + path);
  return ReadFrom(fd.get(), path, max_bytes, Reading::kWhole);
}

core::Result<FsStats> StatFs(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return core::ErrnoError(errno, "statfs " + path);
  // node_exporter counts in f_bsize units, as the Go statfs structure gives them.
  return FsStats{st.f_bsize, st.f_blocks, st.f_bfree, st.f_bavail, st.f_files, st.f_ffree};
}

void MetricSet::Add(std::string_view name, std::string_view help, core::MetricType type,
                    double value, std::vector<core::Label> labels) {
  // Samples of a family mostly come one after another: try the last family first.
  core::MetricFamily* family = nullptr;
  if (!families_.empty() && families_.back().name == name) {
    family = &families_.back();
  } else {
    for (auto& f : families_) {
      if (f.name == name) family = &f;
    }
  }
  if (family == nullptr) {
    families_.push_back({std::string(name), std::string(help), type, {}});
    family = &families_.back();
  }
  family->samples.push_back({std::string(name), std::move(labels), value, std::nullopt});
}

namespace {
class ProcFileCollector final : public Collector {
 public:
  ProcFileCollector(std::string name, const Roots& roots, std::string relative, Parser parse)
      : name_(std::move(name)),
        roots_(roots),
        relative_(std::move(relative)),
        parse_(std::move(parse)) {}
  std::string_view name() const override { return name_; }
  core::Status Collect(MetricSet* out) override {
    auto text = roots_.files->Read(roots_.procfs, relative_);
    if (!text.ok()) return text.status();
    return parse_(*text, out);
  }

 private:
  std::string name_;
  Roots roots_;
  std::string relative_;
  Parser parse_;
};
}  // namespace

std::unique_ptr<Collector> NewProcFileCollector(std::string name, const Roots& roots,
                                                std::string relative, Parser parse) {
  return std::make_unique<ProcFileCollector>(std::move(name), roots, std::move(relative),
                                             std::move(parse));
}

}  // namespace vigil::collectors
