#pragma once
// What the head and every block answer about their series, and the postings algebra that turns
// matchers into the series they select. Postings are sorted series ids of one index.
#include <cstdint>
#include <string_view>
#include <vector>

#include "server/storage/matcher.h"

namespace vigil::storage {

using SeriesId = uint32_t;
using Postings = std::vector<SeriesId>;

class IndexReader {
 public:
  virtual ~IndexReader() = default;
  // Every label name, sorted.
  virtual std::vector<std::string_view> LabelNames() const = 0;
  // Every value `name` has, sorted; valid while the reader is.
  virtual std::vector<std::string_view> LabelValues(std::string_view name) const = 0;
  virtual Postings PostingsFor(std::string_view name, std::string_view value) const = 0;
  virtual Postings AllPostings() const = 0;
};

Postings Intersect(const Postings& a, const Postings& b);
Postings Subtract(const Postings& a, const Postings& b);
Postings Merge(std::vector<Postings> lists);

// The series that pass every matcher, as Prometheus's PostingsForMatchers: a matcher that
// matches "" also selects series without the label, so it subtracts what it refuses.
Postings PostingsForMatchers(const IndexReader& index, const Matchers& matchers);

}  // namespace vigil::storage
