#pragma once
// CRC-32C (Castagnoli), the checksum of the WAL and block files. Uses the SSE4.2 instruction
// when the CPU has it and a table-driven loop (slicing by 8) everywhere else; both give the
// same values, which are those of RFC 3720 and of LevelDB's crc32c.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigil::core::crc32c {

// The CRC of concat(A, data) where init_crc is the CRC of A.
uint32_t Extend(uint32_t init_crc, const void* data, size_t n);

inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

// The portable path, exposed so tests can check it against the hardware path.
uint32_t ExtendPortable(uint32_t init_crc, const void* data, size_t n);

}  // namespace vigil::core::crc32c
