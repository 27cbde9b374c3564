#pragma once
// The Collector interface: each collector reads one part of the node (node_exporter's
// collector of the same name) and reports families under node_exporter 1.5's names.
// Reading is split from parsing: every collector has a pure Parse over text, tested on
// literal input, and reads its files through Roots so tests can point it at fixture trees.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/kernel_files.h"
#include "core/exposition.h"
#include "core/status.h"

namespace vigil::collectors {

struct FsStats {
  uint64_t block_size = 0, blocks = 0, blocks_free = 0, blocks_available = 0, files = 0,
           files_free = 0;
};
// statfs(2) of a path.
core::Result<FsStats> StatFs(const std::string& path);

// Where the node is read from: node_exporter's --path.procfs, --path.sysfs, --path.rootfs.
// statfs is here too, so a fixture tree can answer for the filesystems it lists.
struct Roots {
  std::string procfs = "/proc";
  std::string sysfs = "/sys";
  std::string rootfs = "/";
  std::string cgroupfs = "/sys/fs/cgroup";
  std::function<core::Result<FsStats>(const std::string& path)> statfs = StatFs;
  // [collectors] textfile_directory: *.prom files to expose; empty for none.
  std::string textfile_directory;
  // [collectors] device_exclude: network devices (veth churn) netdev and netclass leave out.
  std::function<bool(std::string_view device)> exclude_device;
  // The live machine, where system calls (uname, adjtimex) answer for the node.
  bool live() const { return procfs == "/proc"; }
  // The kernel files read through these roots, kept open between collections. Shared: every
  // collector holds a copy of the roots, and CollectorSet closes what no collector read.
  std::shared_ptr<KernelFiles> files = std::make_shared<KernelFiles>();
};

// `root` joined with `relative`, opened, read whole (at most max_bytes) and closed. NotFound
// when absent, which collectors treat as "no data here", not as failure. Kernel files that are
// read every collection go through Roots::files instead.
core::Result<std::string> ReadFile(const std::string& root, std::string_view relative,
                                   size_t max_bytes = kMaxFileBytes);

// Families in the order first mentioned, samples in the order added.
class MetricSet {
 public:
  void Add(std::string_view name, std::string_view help, core::MetricType type, double value,
           std::vector<core::Label> labels = {});
  std::vector<core::MetricFamily>& families() { return families_; }

 private:
  std::vector<core::MetricFamily> families_;
};

class Collector {
 public:
  virtual ~Collector() = default;
  // As in node_scrape_collector_success{collector="cpu"}.
  virtual std::string_view name() const = 0;
  // Adds what it found. Missing data (no such file) is success with nothing added; text that
  // cannot be parsed is an error: that collector alone reports success 0.
  virtual core::Status Collect(MetricSet* out) = 0;
};

// The two kinds of collector most are: files read and parsed, or a function over the roots.

// Which root a collector's file is under. The kernel's files (procfs) are read through
// Roots::files and kept open between collections; the root filesystem's are opened on every
// read, so that an edited file is never read stale.
enum class Root { kProcfs, kRootfs };

// A file a collector reads: `path` under `root`, or, when that cannot be read, `or_else`
// (os-release is in /etc, or else in /usr/lib).
struct NodeFile {
  Root root = Root::kProcfs;
  std::string path;
  std::string or_else;
};
inline NodeFile ProcFile(std::string path) { return {Root::kProcfs, std::move(path), {}}; }
inline NodeFile RootfsFile(std::string path, std::string or_else = {}) {
  return {Root::kRootfs, std::move(path), std::move(or_else)};
}

// What a file holds, as metrics; and what two files hold that mean something only together
// (entropy's available bits and pool size).
using Parser = std::function<core::Status(std::string_view text, MetricSet* out)>;
using PairParser =
    std::function<core::Status(std::string_view first, std::string_view second, MetricSet* out)>;

// Whether a collection goes on without a source's files.
enum class Presence {
  // A file that cannot be read ends the collection with its status (NotFound: no data here).
  kRequired,
  // A file that cannot be read is passed over: sockstat6 on a node without IPv6.
  kOptional,
};

// One source of a collector's metrics: a file, or two read together, and their parser.
struct FileSource {
  FileSource(NodeFile file, Parser parse, Presence presence = Presence::kRequired);
  FileSource(NodeFile first, NodeFile second, PairParser parse);

  std::vector<NodeFile> files;
  std::function<core::Status(std::span<const std::string> texts, MetricSet* out)> parse;
  Presence presence = Presence::kRequired;
};

// A collector that reads its sources in order and parses each as soon as it is read, so that
// what one source added stays when a later required file turns out to be missing.
std::unique_ptr<Collector> NewFileCollector(std::string name, const Roots& roots,
                                            std::vector<FileSource> sources);

// A collector whose collection is a function of the roots: for the collectors that walk
// directories, make system calls or read files named by other files.
using CollectFunction = std::function<core::Status(const Roots& roots, MetricSet* out)>;
std::unique_ptr<Collector> NewCollector(std::string name, const Roots& roots,
                                        CollectFunction collect);

}  // namespace vigil::collectors
