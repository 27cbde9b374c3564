#pragma once
// Small file-system steps that keep data through a power loss.
#include <unistd.h>

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"

namespace vigil::core {

// A file descriptor that is closed with its owner.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() { Reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Writes every byte of `parts`, in order, with writev (one call when the kernel takes them all),
// going on after EINTR and short writes. On failure some of the bytes may be written; the error
// is ErrnoError(errno, what), ENOSPC when the kernel wrote nothing and gave no reason.
Status WriteAll(int fd, std::span<const std::string_view> parts, std::string_view what);
inline Status WriteAll(int fd, std::string_view data, std::string_view what) {
  return WriteAll(fd, std::span(&data, 1), what);
}

// fsync of a directory: names created or renamed in it survive a power loss.
Status SyncDir(const std::string& dir);
// Writes `data` to path.tmp, syncs it and renames it over `path`: readers see the old file or
// the new one, never a part.
Status WriteFileAtomic(const std::string& path, std::string_view data);

}  // namespace vigil::core
