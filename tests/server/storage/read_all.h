#pragma once
// A series set read to its end: how tests look at what a Select found.
#include <memory>
#include <vector>

#include "server/storage/querier.h"

namespace vigil::testing {

inline core::Result<std::vector<storage::Series>> ReadAll(std::unique_ptr<storage::SeriesSet> set) {
  std::vector<storage::Series> out;
  while (set->Next()) out.push_back({set->labels(), std::move(set->samples())});
  if (!set->status().ok()) return set->status();
  return out;
}

}  // namespace vigil::testing
