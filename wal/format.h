#pragma once
// The constants of the log's format; FORMAT.md beside this file is its grammar.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigil::wal {

inline constexpr std::string_view kSegmentMagic = "VGWL";
inline constexpr uint8_t kFormatVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 8;

// crc:u32 length:u32 type:u8
inline constexpr size_t kRecordHeaderSize = 9;
inline constexpr uint32_t kMaxRecordPayload = 16u << 20;

enum class RecordType : uint8_t {
  kSeries = 1,
  kSamples = 2,
};

inline constexpr uint32_t kCrcMaskDelta = 0xa282ead8u;

// LevelDB's mask: a CRC of bytes that contain CRCs is a weak check unless it is masked.
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kCrcMaskDelta; }
inline uint32_t UnmaskCrc(uint32_t masked) {
  uint32_t rot = masked - kCrcMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace vigil::wal
