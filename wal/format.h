#pragma once
// The constants of the log's format; FORMAT.md beside this file is its grammar.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigil::wal {

inline constexpr std::string_view kSegmentMagic = "VGWL";
// Version 2 added key records, sample sequence numbers and the end record; version 1
// segments (written before) are still read.
inline constexpr uint8_t kFormatVersion = 2;
inline constexpr uint8_t kOldestReadableVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 8;

// crc:u32 length:u32 type:u8
inline constexpr size_t kRecordHeaderSize = 9;
inline constexpr uint32_t kMaxRecordPayload = 16u << 20;

enum class RecordType : uint8_t {
  kSeries = 1,
  kSamplesV1 = 2,     // version 1 only: against the values before it, without a sequence number
  kSamplesKey = 3,    // version 2: the codec's state is reset before it
  kSamplesDelta = 4,  // version 2: against the values since the last key record
  kEnd = 5,           // version 2: the writer finished the segment; how many samples it holds
};

// Is `type` a record type that a segment of `version` may hold?
inline bool ValidRecordType(uint8_t version, uint8_t type) {
  if (type == static_cast<uint8_t>(RecordType::kSeries)) return true;
  if (version == 1) return type == static_cast<uint8_t>(RecordType::kSamplesV1);
  return type >= static_cast<uint8_t>(RecordType::kSamplesKey) &&
         type <= static_cast<uint8_t>(RecordType::kEnd);
}

inline bool IsSamples(RecordType type) {
  return type == RecordType::kSamplesV1 || type == RecordType::kSamplesKey ||
         type == RecordType::kSamplesDelta;
}

inline constexpr uint32_t kCrcMaskDelta = 0xa282ead8u;

// LevelDB's mask: a CRC of bytes that contain CRCs is a weak check unless it is masked.
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kCrcMaskDelta; }
inline uint32_t UnmaskCrc(uint32_t masked) {
  uint32_t rot = masked - kCrcMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace vigil::wal
