#include "collectors/kernel_files.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>

namespace vigil::collectors {
namespace {

// A read that went past max_bytes; no errno of a read means this.
constexpr int kTooLarge = -1;

// Reads from offset 0 into *out; 0, an errno, or kTooLarge.
int ReadAt0(int fd, size_t max_bytes, Reading how, std::string* out) {
  out->clear();
  char buf[8192];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out->size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (out->size() + static_cast<size_t>(n) > max_bytes) return kTooLarge;
    out->append(buf, static_cast<size_t>(n));
    if (n == 0 || how == Reading::kOneRead) return 0;
  }
}

core::Status ReadError(int err, const std::string& path, size_t max_bytes) {
  if (err == kTooLarge) {
    return core::InvalidArgumentError(path + " is larger than " + std::to_string(max_bytes) +
                                      " bytes");
  }
  return core::ErrnoError(err, "read " + path);
}

// File systems whose files the kernel generates on every read from offset 0.
bool Regenerated(int fd) {
  struct statfs st {};
  if (::fstatfs(fd, &st) != 0) return false;
  switch (static_cast<uint64_t>(st.f_type)) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string JoinPath(const std::string& root, std::string_view relative) {
  std::string path = root;
  if (!path.empty() && path.back() != '/') path += '/';
  path += relative;
  return path;
}

core::Result<std::string> ReadFrom(int fd, const std::string& path, size_t max_bytes, Reading how) {
  std::string out;
  if (int err = ReadAt0(fd, max_bytes, how, &out); err != 0) {
    return ReadError(err, path, max_bytes);
  }
  return out;
}

core::Result<std::string> KernelFiles::Read(const std::string& root, std::string_view relative,
                                            size_t max_bytes) {
  return Get(JoinPath(root, relative), max_bytes, Reading::kWhole, 0);
}

core::Result<std::string> KernelFiles::ReadAttribute(const std::string& root,
                                                     std::string_view relative, uint64_t identity) {
  return Get(JoinPath(root, relative), kMaxFileBytes, Reading::kOneRead, identity);
}

core::Result<std::string> KernelFiles::Get(std::string path, size_t max_bytes, Reading how,
                                           uint64_t identity) {
  std::string out;
  auto kept = open_.find(path);
  if (kept != open_.end()) {
    OpenFile& f = kept->second;
    if (f.identity == identity) {
      f.read = true;
      const int err = ReadAt0(f.fd.get(), max_bytes, how, &out);
      if (err == 0) return out;
      // What the file named is gone (kernfs answers ENODEV, a removed /proc entry EIO): the
      // path may name something new, so it is opened again. Any other error is the file's own
      // answer (the speed of a device that is down is EINVAL) and would come again.
      if (err != ENODEV && err != EIO) return ReadError(err, path, max_bytes);
    }
    open_.erase(kept);
  }
  core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return core::ErrnoError(errno, "open " + path);
  ++opens_;
  const int err = ReadAt0(fd.get(), max_bytes, how, &out);
  core::Result<std::string> result = std::move(out);
  if (err != 0) result = ReadError(err, path, max_bytes);
  if (open_.size() < max_open_ && Regenerated(fd.get())) {
    open_.emplace(std::move(path), OpenFile{std::move(fd), identity, true});
  }
  return result;
}

void KernelFiles::CloseUnread() {
  std::erase_if(open_, [](const auto& kv) { return !kv.second.read; });
  for (auto& [path, f] : open_) f.read = false;
}

}  // namespace vigil::collectors
