#include "collectors/collector.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <array>
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

namespace {

// Each invalid byte as U+FFFD: the smallest prefix at each byte
// that is valid UTF-8 is that character; a byte that starts none is replaced.
std::string ToValidUtf8(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t n = 1;
    while (n <= 4 && i + n <= text.size() && !core::IsValidUtf8(text.substr(i, n))) ++n;
    if (n <= 4 && i + n <= text.size()) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      core::AppendUtf8(&out, 0xFFFD);
      ++i;
    }
  }
  return out;
}

}  // namespace

void MetricSet::Add(std::string_view name, std::string_view help, core::MetricType type,
                    double value, std::vector<core::Label> labels) {
  // Label values come from the node's files (device names, mount points), which may hold any
  // bytes; one that is not UTF-8 would make the agent's whole page unparsable for its
  // scrapers (found by fuzz_procfs in diskstats), so it is kept, readable, with U+FFFD.
  for (core::Label& l : labels)
    if (!core::IsValidUtf8(l.value)) l.value = ToValidUtf8(l.value);
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

FileSource::FileSource(NodeFile file, Parser one, Presence if_missing)
    : files{std::move(file)},
      parse([one = std::move(one)](std::span<const std::string> texts, MetricSet* out) {
        return one(texts[0], out);
      }),
      presence(if_missing) {}

FileSource::FileSource(NodeFile first, NodeFile second, PairParser pair)
    : files{std::move(first), std::move(second)},
      parse([pair = std::move(pair)](std::span<const std::string> texts, MetricSet* out) {
        return pair(texts[0], texts[1], out);
      }) {}

namespace {

class FileCollector final : public Collector {
 public:
  FileCollector(std::string name, const Roots& roots, std::vector<FileSource> sources)
      : name_(std::move(name)), roots_(roots), sources_(std::move(sources)) {}
  std::string_view name() const override { return name_; }
  core::Status Collect(MetricSet* out) override {
    for (const FileSource& source : sources_) {
      std::array<std::string, 2> texts;  // a source has one file or two
      bool read = true;
      for (size_t i = 0; i < source.files.size() && read; ++i) {
        auto text = Read(source.files[i]);
        if (text.ok()) {
          texts[i] = std::move(text).value();
        } else if (source.presence == Presence::kRequired) {
          return text.status();
        } else {
          read = false;
        }
      }
      if (read) VIGIL_RETURN_IF_ERROR(source.parse({texts.data(), source.files.size()}, out));
    }
    return core::OkStatus();
  }

 private:
  core::Result<std::string> Read(const NodeFile& file) const {
    auto read = [this, &file](const std::string& path) {
      return file.root == Root::kProcfs ? roots_.files->Read(roots_.procfs, path)
                                        : ReadFile(roots_.rootfs, path);
    };
    auto text = read(file.path);
    if (!text.ok() && !file.or_else.empty()) text = read(file.or_else);
    return text;
  }

  std::string name_;
  Roots roots_;
  std::vector<FileSource> sources_;
};

class FunctionCollector final : public Collector {
 public:
  FunctionCollector(std::string name, const Roots& roots, CollectFunction collect)
      : name_(std::move(name)), roots_(roots), collect_(std::move(collect)) {}
  std::string_view name() const override { return name_; }
  core::Status Collect(MetricSet* out) override { return collect_(roots_, out); }

 private:
  std::string name_;
  Roots roots_;
  CollectFunction collect_;
};

}  // namespace

std::unique_ptr<Collector> NewFileCollector(std::string name, const Roots& roots,
                                            std::vector<FileSource> sources) {
  return std::make_unique<FileCollector>(std::move(name), roots, std::move(sources));
}

std::unique_ptr<Collector> NewCollector(std::string name, const Roots& roots,
                                        CollectFunction collect) {
  return std::make_unique<FunctionCollector>(std::move(name), roots, std::move(collect));
}

}  // namespace vigil::collectors
