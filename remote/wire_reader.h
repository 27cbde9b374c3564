#pragma once
// Protobuf's wire format read by hand, for the remote-write and remote-read decoders: the
// messages are few and small, and the generated classes would allocate a string per label.
// Every read checks the end first; unknown fields are stepped over, as protobuf parsers do.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace vigil::remote::wire {

enum WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kBytes = 2,
  kGroupStart = 3,
  kGroupEnd = 4,
  kFixed32 = 5
};

// Protobuf's own limit on nesting, which groups of unknown fields can reach.
inline constexpr int kMaxDepth = 100;

// One message's bytes, read front to back.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}
  bool done() const { return p_ == end_; }

  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && p_ != end_; shift += 7) {
      const uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) {
        *out = v;
        return true;
      }
    }
    return false;  // truncated, or longer than ten bytes
  }
  bool Fixed64(uint64_t* out) {
    if (end_ - p_ < 8) return false;
    std::memcpy(out, p_, 8);
    if constexpr (std::endian::native == std::endian::big) *out = __builtin_bswap64(*out);
    p_ += 8;
    return true;
  }
  bool Bytes(std::string_view* out) {
    uint64_t n = 0;
    if (!Varint(&n) || n > static_cast<uint64_t>(end_ - p_)) return false;
    *out = std::string_view(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }
  // Reads a field's key; false at a malformed one.
  bool Key(uint32_t* field, WireType* type) {
    uint64_t key = 0;
    if (!Varint(&key) || (key >> 3) == 0 || (key >> 3) > 0x1fffffff || (key & 7) > 5) return false;
    *field = static_cast<uint32_t>(key >> 3);
    *type = static_cast<WireType>(key & 7);
    return true;
  }
  // Steps over the value of a field this reader does not use (a newer sender's exemplars,
  // histograms, ...), as protobuf parsers keep going past unknown fields.
  bool Skip(uint32_t field, WireType type, int depth = 0) {
    uint64_t ignored = 0;
    std::string_view bytes;
    switch (type) {
      case kVarint:
        return Varint(&ignored);
      case kFixed64:
        return Fixed64(&ignored);
      case kBytes:
        return Bytes(&bytes);
      case kFixed32:
        if (end_ - p_ < 4) return false;
        p_ += 4;
        return true;
      case kGroupStart:
        if (depth >= kMaxDepth) return false;
        for (;;) {
          uint32_t f = 0;
          WireType t{};
          if (!Key(&f, &t)) return false;
          if (t == kGroupEnd) return f == field;
          if (!Skip(f, t, depth + 1)) return false;
        }
      case kGroupEnd:
        return false;  // an end without its start
    }
    return false;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

inline std::string WireTypeError(const char* message, uint32_t field, WireType type) {
  return "field " + std::to_string(field) + " of " + message + " has wire type " +
         std::to_string(type);
}

}  // namespace vigil::remote::wire
