#include "server/storage/index.h"

#include <algorithm>

namespace vigil::storage {

Postings Intersect(const Postings& a, const Postings& b) {
  Postings out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Postings Subtract(const Postings& a, const Postings& b) {
  Postings out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Postings Merge(std::vector<Postings> lists) {
  if (lists.empty()) return {};
  if (lists.size() == 1) return std::move(lists[0]);
  Postings out;
  size_t total = 0;
  for (const Postings& l : lists) total += l.size();
  out.reserve(total);
  for (const Postings& l : lists) out.insert(out.end(), l.begin(), l.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

// The union of the postings of every value of the matcher's label for which `want` holds.
Postings ValuesWhere(const IndexReader& index, const Matcher& m, bool want) {
  std::vector<Postings> lists;
  if (m.type() == MatchType::kEqual && want) {
    lists.push_back(index.PostingsFor(m.name(), m.value()));
  } else {
    for (std::string_view v : index.LabelValues(m.name())) {
      if (m.Matches(v) == want) lists.push_back(index.PostingsFor(m.name(), v));
    }
  }
  return Merge(std::move(lists));
}

}  // namespace

Postings PostingsForMatchers(const IndexReader& index, const Matchers& matchers) {
  std::vector<const Matcher*> positive, negative;
  for (const Matcher& m : matchers) (m.Matches("") ? negative : positive).push_back(&m);
  Postings result;
  if (positive.empty()) {
    result = index.AllPostings();
  } else {
    result = ValuesWhere(index, *positive[0], true);
    for (size_t i = 1; i < positive.size() && !result.empty(); ++i) {
      result = Intersect(result, ValuesWhere(index, *positive[i], true));
    }
  }
  for (const Matcher* m : negative) {
    if (result.empty()) break;
    result = Subtract(result, ValuesWhere(index, *m, false));
  }
  return result;
}

}  // namespace vigil::storage
