#pragma once
// How the head finds a series from the labels of an incoming sample: a hash of the label set
// and an open-addressing table from that hash to series ids. Every sample of every request
// goes through here, so both are built for it: the hash reads 8 bytes at a time, and a lookup
// touches one slot array instead of a chain of nodes.
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "server/storage/index.h"

namespace vigil::storage {

namespace series_hash_internal {
inline uint64_t Mix(uint64_t h, uint64_t word) {
  h = (h ^ word) * 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 29);
}
inline uint64_t Load(const char* p, size_t n) {  // n <= 8, little-endian order
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  return w;
}
inline uint64_t MixString(uint64_t h, std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) h = Mix(h, Load(s.data() + i, 8));
  // The length goes in with the tail, so "a"+"bc" and "ab"+"c" differ.
  return Mix(h, Load(s.data() + i, s.size() - i) ^ (static_cast<uint64_t>(s.size()) << 56));
}
}  // namespace series_hash_internal

// The same value for a label set held as core::Labels or as core::LabelView pairs. Not
// Labels::Hash: that one must not change across versions and platforms (it shards), this one
// only lives in memory.
template <class LabelRange>
uint64_t SeriesHash(const LabelRange& labels) {
  uint64_t h = 0x243f6a8885a308d3ULL;
  for (const auto& l : labels) {
    h = series_hash_internal::MixString(h, l.name);
    h = series_hash_internal::MixString(h, l.value);
  }
  // A final avalanche (murmur3's), since the table indexes by the low bits.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

// Hash -> series id, linear probing, at most half full. Full-hash collisions are possible, so
// Find asks the caller whether a candidate is the series. No removal: the head rebuilds the
// table when it drops series.
class SeriesTable {
 public:
  template <class IsSeries>
  std::optional<SeriesId> Find(uint64_t hash, IsSeries is_series) const {
    if (slots_.empty()) return std::nullopt;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == kEmpty) return std::nullopt;
      if (s.hash == hash && is_series(s.id)) return s.id;
    }
  }

  void Insert(uint64_t hash, SeriesId id) {
    if ((used_ + 1) * 2 > slots_.size()) Grow();
    Place(hash, id);
    ++used_;
  }

  void Clear() {
    slots_.clear();
    mask_ = 0;
    used_ = 0;
  }

  size_t memory() const { return slots_.capacity() * sizeof(Slot); }

 private:
  static constexpr SeriesId kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t hash = 0;
    SeriesId id = kEmpty;
  };

  void Place(uint64_t hash, SeriesId id) {
    size_t i = hash & mask_;
    while (slots_[i].id != kEmpty) i = (i + 1) & mask_;
    slots_[i] = {hash, id};
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.id != kEmpty) Place(s.hash, s.id);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t used_ = 0;
};

}  // namespace vigil::storage
