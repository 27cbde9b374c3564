#pragma once
// KernelFiles: the files of /proc, /sys and the cgroup file systems, kept open from one
// collection to the next. The kernel writes such a file afresh whenever it is read from offset
// 0, so a pread(2) at 0 answers what a new open would; and opening and closing a small /proc or
// /sys file costs several times what reading it does (this machine, 87 netclass and /proc files:
// 690 us a round with open/read/close, 108 us with pread). Files on any other file system
// (fixture trees, /etc, a textfile directory) are opened and closed on every read, so what they
// hold is never read stale.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/fs.h"
#include "core/status.h"

namespace vigil::collectors {

// The most a collector reads of one file: /proc files are small, a bigger one is damage.
inline constexpr size_t kMaxFileBytes = 4u << 20;

// How a file is read: to its end, or with one read call (a sysfs attribute is produced whole,
// at most a page, by one read: a quarter fewer system calls for the many small files).
enum class Reading { kWhole, kOneRead };

// root + "/" + relative, with one slash between them.
std::string JoinPath(const std::string& root, std::string_view relative);

// An open file read from offset 0; more than max_bytes is an error. `path` is for messages.
core::Result<std::string> ReadFrom(int fd, const std::string& path, size_t max_bytes, Reading how);

// Not thread-safe: the collectors of a node run one after another.
class KernelFiles {
 public:
  // Beyond this many, files are read without being kept open, so that a node with many
  // containers stays well inside the usual limit of 1024 descriptors.
  static constexpr size_t kDefaultMaxOpen = 512;

  explicit KernelFiles(size_t max_open = kDefaultMaxOpen) : max_open_(max_open) {}
  KernelFiles(const KernelFiles&) = delete;
  KernelFiles& operator=(const KernelFiles&) = delete;

  // `root` joined with `relative`, read whole (at most max_bytes); NotFound when absent.
  // Not for /proc/<pid>/ files: a file kept open there would hold a dead process's namespaces.
  core::Result<std::string> Read(const std::string& root, std::string_view relative,
                                 size_t max_bytes = kMaxFileBytes);
  // A sysfs attribute, in one read. `identity` is what the caller knows the path to name now (a
  // network device's inode in /sys/class/net): a file kept open under another identity is opened
  // again, so that a renamed device is never read under the name it had.
  core::Result<std::string> ReadAttribute(const std::string& root, std::string_view relative,
                                          uint64_t identity = 0);

  // Closes the files not read since the last call: what vanished (a device, a container) is
  // let go of one collection later.
  void CloseUnread();
  size_t open_files() const { return open_.size(); }
  // Files opened so far, kept or not: what keeping them open saves.
  uint64_t opens() const { return opens_; }

 private:
  core::Result<std::string> Get(std::string path, size_t max_bytes, Reading how, uint64_t identity);

  struct OpenFile {
    core::UniqueFd fd;
    uint64_t identity = 0;
    bool read = true;
  };
  const size_t max_open_;
  std::unordered_map<std::string, OpenFile> open_;
  uint64_t opens_ = 0;
};

}  // namespace vigil::collectors
