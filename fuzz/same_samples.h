#pragma once
// Samples compared as the wire carries them: timestamps, and values bit for bit (not ==), so
// that a NaN (a stale marker) must come through as it was sent.
#include <cstring>
#include <span>

#include "core/labels.h"

namespace vigil::fuzz {

inline bool SameSamples(std::span<const core::Sample> a, std::span<const core::Sample> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].timestamp_ms != b[i].timestamp_ms ||
        std::memcmp(&a[i].value, &b[i].value, sizeof(double)) != 0)
      return false;
  }
  return true;
}

}  // namespace vigil::fuzz
