#pragma once
// What the fuzz targets share: an input read as a few choices at its front and the bytes to
// parse after them, a check that turns a broken property into a crash libFuzzer keeps, and a
// scratch directory for the parsers that read files.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace vigil::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  // The next byte, or 0 once the input is used up: every input is a valid choice.
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{Byte()} << (8 * i);
    return v;
  }
  // Up to n bytes from the front.
  std::string_view Take(size_t n) {
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(out.size());
    return out;
  }
  std::string_view Rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// Split sizes that depend only on a seed, so a finding replays exactly: mostly small pieces
// (1 to 16 bytes, where a boundary falls inside every token), sometimes large ones.
class Splitter {
 public:
  explicit Splitter(uint32_t seed) : state_(seed * 2654435761u + 1) {}
  size_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return (state_ & 0x70) == 0 ? 1 + state_ % 4096 : 1 + (state_ >> 8) % 16;
  }

 private:
  uint32_t state_;
};

[[noreturn]] inline void Fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz check failed: %s at %s:%d\n", what, file, line);
  std::abort();
}

// A scratch directory made once per process, for targets that read what they parse from files.
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/vigil-fuzz-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) Fail("mkdtemp", __FILE__, __LINE__);
    return std::string(tmpl);
  }();
  return dir;
}

}  // namespace vigil::fuzz

// A property of the parser under test; when it does not hold, the input is a finding.
#define FUZZ_CHECK(cond)                                         \
  do {                                                           \
    if (!(cond)) ::vigil::fuzz::Fail(#cond, __FILE__, __LINE__); \
  } while (0)
