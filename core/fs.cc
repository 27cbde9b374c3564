#include "core/fs.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace vigil::core {

Status WriteAll(int fd, std::span<const std::string_view> parts, std::string_view what) {
  // A few parts in practice (a WAL append is two records, header and payload each): their
  // iovecs stay on the stack.
  constexpr size_t kOnStack = 8;
  iovec on_stack[kOnStack];
  std::vector<iovec> on_heap;
  iovec* iov = on_stack;
  if (parts.size() > kOnStack) {
    on_heap.resize(parts.size());
    iov = on_heap.data();
  }
  size_t count = 0;
  for (std::string_view p : parts) {
    if (!p.empty()) iov[count++] = {const_cast<char*>(p.data()), p.size()};
  }
  size_t first = 0;
  while (first < count) {
    const auto n_iov = static_cast<int>(std::min<size_t>(count - first, IOV_MAX));
    const ssize_t n = ::writev(fd, iov + first, n_iov);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoError(n < 0 ? errno : ENOSPC, what);
    auto written = static_cast<size_t>(n);
    while (first < count && written >= iov[first].iov_len) written -= iov[first++].iov_len;
    if (written > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + written;
      iov[first].iov_len -= written;
    }
  }
  return OkStatus();
}

Status SyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    return ErrnoError(err, "open directory " + dir);
  }
  if (::fsync(fd.get()) != 0) {
    const int err = errno;
    return ErrnoError(err, "sync directory " + dir);
  }
  return OkStatus();
}

Status WriteFileAtomic(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) {
      const int err = errno;
      return ErrnoError(err, "create " + tmp);
    }
    VIGIL_RETURN_IF_ERROR(WriteAll(fd.get(), data, "write " + tmp));
    if (::fdatasync(fd.get()) != 0) {
      const int err = errno;
      return ErrnoError(err, "sync " + tmp);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    return ErrnoError(err, "rename " + tmp);
  }
  const size_t slash = path.rfind('/');
  return SyncDir(slash == std::string::npos ? "." : path.substr(0, slash));
}

}  // namespace vigil::core
