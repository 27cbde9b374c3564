#include "server/storage/head.h"

#include <algorithm>
#include <bit>
#include <mutex>

namespace vigil::storage {
namespace {

bool SameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

// Merges sorted `extra` into sorted `*out`; `extra` wins nothing: timestamps are unique.
void MergeSorted(std::vector<core::Sample>* out, size_t from, std::span<const core::Sample> extra) {
  if (extra.empty()) return;
  const size_t mid = out->size();
  out->insert(out->end(), extra.begin(), extra.end());
  std::inplace_merge(
      out->begin() + static_cast<ptrdiff_t>(from), out->begin() + static_cast<ptrdiff_t>(mid),
      out->end(),
      [](const core::Sample& a, const core::Sample& b) { return a.timestamp_ms < b.timestamp_ms; });
}

void DecodeInRange(std::string_view bytes, int64_t mint, int64_t maxt,
                   std::vector<core::Sample>* out) {
  const size_t start = out->size();
  (void)DecodeChunk(bytes, out);  // head chunks are ours and whole
  auto first =
      std::lower_bound(out->begin() + static_cast<ptrdiff_t>(start), out->end(), mint,
                       [](const core::Sample& s, int64_t t) { return s.timestamp_ms < t; });
  out->erase(out->begin() + static_cast<ptrdiff_t>(start), first);
  auto last = std::upper_bound(out->begin() + static_cast<ptrdiff_t>(start), out->end(), maxt,
                               [](int64_t t, const core::Sample& s) { return t < s.timestamp_ms; });
  out->erase(last, out->end());
}

}  // namespace

// ---- MemSeries ----

std::optional<double> MemSeries::ValueAt(int64_t t) const {
  auto it = std::lower_bound(out_of_order.begin(), out_of_order.end(), t,
                             [](const core::Sample& s, int64_t x) { return s.timestamp_ms < x; });
  if (it != out_of_order.end() && it->timestamp_ms == t) return it->value;
  std::vector<core::Sample> found;
  for (const MemChunk& c : chunks) {
    if (t >= c.min_time && t <= c.max_time) DecodeInRange(c.bytes, t, t, &found);
  }
  if (open.count() > 0 && t >= open.min_time() && t <= open.max_time())
    DecodeInRange(open.bytes(), t, t, &found);
  if (found.empty()) return std::nullopt;
  return found.front().value;
}

void MemSeries::SamplesIn(int64_t mint, int64_t maxt, std::vector<core::Sample>* out) const {
  const size_t start = out->size();
  for (const MemChunk& c : chunks) {
    if (c.max_time >= mint && c.min_time <= maxt) DecodeInRange(c.bytes, mint, maxt, out);
  }
  if (open.count() > 0 && open.max_time() >= mint && open.min_time() <= maxt)
    DecodeInRange(open.bytes(), mint, maxt, out);
  auto lo = std::lower_bound(out_of_order.begin(), out_of_order.end(), mint,
                             [](const core::Sample& s, int64_t t) { return s.timestamp_ms < t; });
  auto hi = std::upper_bound(lo, out_of_order.end(), maxt,
                             [](int64_t t, const core::Sample& s) { return t < s.timestamp_ms; });
  MergeSorted(out, start, std::span(lo, hi));
}

bool MemSeries::HasDataIn(int64_t mint, int64_t maxt) const {
  for (const MemChunk& c : chunks) {
    if (c.max_time >= mint && c.min_time <= maxt) return true;
  }
  if (open.count() > 0 && open.max_time() >= mint && open.min_time() <= maxt) return true;
  auto it = std::lower_bound(out_of_order.begin(), out_of_order.end(), mint,
                             [](const core::Sample& s, int64_t t) { return s.timestamp_ms < t; });
  return it != out_of_order.end() && it->timestamp_ms <= maxt;
}

// ---- Head ----

HeadStats Head::stats() const {
  std::shared_lock lock(mu_);
  return {live_series_, chunk_count_, ooo_count_, min_time_, max_time()};
}

namespace {

// Label sets held as core::Labels or as views, compared pair by pair.
template <class A, class B>
bool SameLabels(const A& a, const B& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.value == y.value && x.name == y.name;
  });
}

}  // namespace

template <class LabelRange>
std::optional<SeriesId> Head::Find(uint64_t hash, const LabelRange& labels) const {
  return by_hash_.Find(hash, [&](SeriesId id) { return SameLabels(series_[id]->labels, labels); });
}

SeriesId Head::Create(core::Labels labels, uint64_t hash) {
  SeriesId id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
    series_[id] = std::make_unique<MemSeries>(labels, hash);
  } else {
    id = static_cast<SeriesId>(series_.size());
    series_.push_back(std::make_unique<MemSeries>(labels, hash));
  }
  by_hash_.Insert(hash, id);
  AddPostings(id, labels);
  ++live_series_;
  return id;
}

void Head::ReuseDroppedIds() {
  free_ids_.insert(free_ids_.end(), dropped_ids_.begin(), dropped_ids_.end());
  dropped_ids_.clear();
  // The smallest given out first: the numbering stays as compact as the head.
  std::sort(free_ids_.begin(), free_ids_.end(), std::greater<>());
}

void Head::AddPostings(SeriesId id, const core::Labels& labels) {
  for (const core::Label& l : labels) {
    auto name = postings_.find(l.name);
    if (name == postings_.end()) name = postings_.emplace(l.name, ValuePostings{}).first;
    auto value = name->second.find(l.value);
    if (value == name->second.end()) value = name->second.emplace(l.value, PostingsList{}).first;
    PostingsList& list = value->second;
    if (!list.ids.empty() && id < list.ids.back()) list.sorted = false;  // an id given out again
    list.ids.push_back(id);
  }
}

void Head::AppendInOrder(MemSeries& s, int64_t t, double v) {
  if (s.open.count() > 0 && (s.open.count() >= kSamplesPerChunk || t >= s.open_limit)) {
    // Closed for good: stored in the smaller encoding, and without the append slack.
    s.chunks.push_back({s.open.min_time(), s.open.max_time(), CloseChunk(s.open.bytes())});
    s.chunks.back().bytes.shrink_to_fit();
    s.open = ChunkAppender();
  }
  if (s.open.count() == 0) {
    const int64_t range = options_.chunk_range_ms;
    const int64_t floor = t >= 0 ? t / range * range : -((-t + range - 1) / range) * range;
    s.open_limit = floor + range;
    ++chunk_count_;
  }
  s.open.Append(t, v);
  s.max_time = t;
  s.last_value = v;
}

void Head::InsertOutOfOrder(MemSeries& s, int64_t t, double v) {
  auto it = std::lower_bound(s.out_of_order.begin(), s.out_of_order.end(), t,
                             [](const core::Sample& x, int64_t tt) { return x.timestamp_ms < tt; });
  s.out_of_order.insert(it, {t, v});
}

namespace {

// The head's series, in label order: which series was settled at Select (under the lock), their
// samples are read one series at a time, each under the shared lock, so appends go on between.
class HeadSeriesSet final : public SeriesSet {
 public:
  struct Entry {
    SeriesId id;
    uint64_t hash;  // a series truncated away meanwhile is not read
    core::Labels labels;
  };
  HeadSeriesSet(const Head& head, std::vector<Entry> entries, int64_t mint, int64_t maxt,
                bool labels_only)
      : head_(head),
        entries_(std::move(entries)),
        mint_(mint),
        maxt_(maxt),
        labels_only_(labels_only) {}

  bool Next() override {
    while (next_ < entries_.size()) {
      Entry& e = entries_[next_++];
      samples_.clear();
      auto lock = head_.ReadLock();
      const MemSeries* s = head_.series(e.id);
      // Dropped by a cut meanwhile, its id perhaps given to another series since.
      if (s == nullptr || s->hash != e.hash || s->labels != e.labels) continue;
      if (labels_only_) {
        if (!s->HasDataIn(mint_, maxt_)) continue;
      } else {
        s->SamplesIn(mint_, maxt_, &samples_);
        if (samples_.empty()) continue;
      }
      labels_ = std::move(e.labels);
      return true;
    }
    return false;
  }
  const core::Labels& labels() const override { return labels_; }
  std::vector<core::Sample>& samples() override { return samples_; }
  core::Status status() const override { return core::OkStatus(); }

 private:
  const Head& head_;
  std::vector<Entry> entries_;
  const int64_t mint_, maxt_;
  const bool labels_only_;
  size_t next_ = 0;
  core::Labels labels_;
  std::vector<core::Sample> samples_;
};

}  // namespace

std::unique_ptr<SeriesSet> Head::Select(const Matchers& matchers, int64_t mint, int64_t maxt,
                                        bool labels_only) const {
  std::vector<HeadSeriesSet::Entry> entries;
  {
    std::shared_lock lock(mu_);
    for (SeriesId id : PostingsForMatchers(*this, matchers)) {
      const MemSeries* s = series_[id].get();
      if (s != nullptr) entries.push_back({id, s->hash, s->labels});
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.labels < b.labels; });
  return std::make_unique<HeadSeriesSet>(*this, std::move(entries), mint, maxt, labels_only);
}

std::vector<std::string_view> Head::LabelNames() const {
  std::vector<std::string_view> out;
  for (const auto& [name, values] : postings_) out.push_back(name);
  return out;
}

std::vector<std::string_view> Head::LabelValues(std::string_view name) const {
  std::vector<std::string_view> out;
  auto it = postings_.find(name);
  if (it == postings_.end()) return out;
  for (const auto& [value, list] : it->second) out.push_back(value);
  return out;
}

Postings Head::PostingsFor(std::string_view name, std::string_view value) const {
  auto n = postings_.find(name);
  if (n == postings_.end()) return {};
  auto v = n->second.find(value);
  if (v == n->second.end()) return {};
  Postings out = v->second.ids;
  if (!v->second.sorted) std::sort(out.begin(), out.end());
  return out;
}

size_t Head::PostingsSize(std::string_view name, std::string_view value) const {
  auto n = postings_.find(name);
  if (n == postings_.end()) return 0;
  auto v = n->second.find(value);
  return v == n->second.end() ? 0 : v->second.ids.size();
}

Postings Head::AllPostings() const {
  Postings out;
  out.reserve(live_series_);
  for (SeriesId id = 0; id < series_.size(); ++id) {
    if (series_[id]) out.push_back(id);
  }
  return out;
}

std::vector<SeriesId> Head::SeriesIn(int64_t from, int64_t to) const {
  std::shared_lock lock(mu_);
  std::vector<SeriesId> ids;
  for (SeriesId id = 0; id < series_.size(); ++id) {
    const MemSeries* s = series_[id].get();
    if (s != nullptr && s->HasDataIn(from, to - 1)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end(),
            [this](SeriesId a, SeriesId b) { return series_[a]->labels < series_[b]->labels; });
  return ids;
}

core::Labels Head::LabelsAndChunksIn(SeriesId id, int64_t from, int64_t to,
                                     std::vector<EncodedChunk>* chunks) const {
  // Encoded again rather than copied: a block's chunks are bigger than the head's, and the
  // out-of-order samples of the range merge in.
  std::vector<core::Sample> samples;
  std::shared_lock lock(mu_);
  const MemSeries& s = *series_[id];
  s.SamplesIn(from, to - 1, &samples);
  core::Labels labels = s.labels;
  lock.unlock();
  *chunks = EncodeChunks(samples, kSamplesPerBlockChunk);
  return labels;
}

void Head::Truncate(int64_t t) {
  std::unique_lock lock(mu_);
  bool dropped_series = false;
  int64_t min_time = INT64_MAX;
  chunk_count_ = 0;
  ooo_count_ = 0;
  for (SeriesId id = 0; id < series_.size(); ++id) {
    MemSeries* s = series_[id].get();
    if (s == nullptr) continue;
    std::erase_if(s->chunks, [t](const MemChunk& c) { return c.max_time < t; });
    if (s->open.count() > 0 && s->open.max_time() < t) s->open = ChunkAppender();
    std::erase_if(s->out_of_order, [t](const core::Sample& x) { return x.timestamp_ms < t; });
    if (s->Empty()) {
      series_[id].reset();
      dropped_ids_.push_back(id);
      --live_series_;
      dropped_series = true;
      continue;
    }
    chunk_count_ += s->chunks.size() + (s->open.count() > 0 ? 1 : 0);
    ooo_count_ += s->out_of_order.size();
    if (!s->chunks.empty()) min_time = std::min(min_time, s->chunks.front().min_time);
    if (s->open.count() > 0) min_time = std::min(min_time, s->open.min_time());
    if (!s->out_of_order.empty())
      min_time = std::min(min_time, s->out_of_order.front().timestamp_ms);
  }
  min_time_ = min_time;
  if (dropped_series) {
    postings_.clear();
    by_hash_.Clear();
    for (SeriesId id = 0; id < series_.size(); ++id) {
      if (!series_[id]) continue;
      AddPostings(id, series_[id]->labels);
      by_hash_.Insert(series_[id]->hash, id);
    }
  }
}

// ---- HeadAppender ----

void HeadAppender::Reset() {
  const int64_t newest = head_.max_time();
  // The window is behind the head's newest sample, whatever the series' own.
  min_valid_ = newest == INT64_MIN ? INT64_MIN : newest - head_.options().out_of_order_window_ms;
  slots_.clear();
  new_slots_.clear();
  pending_.clear();
  out_of_order_ = 0;
  duplicates_ = 0;
}

template <class LabelRange>
size_t HeadAppender::SlotFor(const LabelRange& labels) {
  const uint64_t hash = SeriesHash(labels);
  const size_t next = slots_.size();
  if (auto id = head_.Find(hash, labels)) {
    MemSeries* series = head_.series_[*id].get();
    const size_t mine = series->appender_slot;
    if (mine < next && slots_[mine].series == series) return mine;  // sent twice
    series->appender_slot = static_cast<uint32_t>(next);
    Slot& slot = slots_.emplace_back();
    slot.series = series;
    slot.id = *id;
    slot.max_time = series->max_time;
    slot.last_value = series->last_value;
    return next;
  }
  auto [lo, hi] = new_slots_.equal_range(hash);
  for (auto it = lo; it != hi; ++it) {
    const Slot& slot = slots_[it->second];
    if (slot.labels != nullptr ? SameLabels(*slot.labels, labels) : SameLabels(labels, slot.views))
      return it->second;
  }
  Slot& slot = slots_.emplace_back();
  if constexpr (std::is_same_v<LabelRange, core::Labels>) {
    slot.labels = &labels;
  } else {
    slot.views = labels;
  }
  slot.hash = hash;
  new_slots_.emplace(hash, next);
  return next;
}

core::Status HeadAppender::Add(std::span<const core::LabelView> labels,
                               std::span<const core::Sample> samples) {
  return AddSeries(labels, samples);
}

core::Status HeadAppender::Add(const core::Labels& labels, std::span<const core::Sample> samples) {
  return AddSeries(labels, samples);
}

template <class LabelRange>
core::Status HeadAppender::AddSeries(const LabelRange& labels,
                                     std::span<const core::Sample> samples) {
  if (samples.empty()) return core::OkStatus();  // nothing to store, no series to make
  const size_t slots_before = slots_.size();
  const size_t index = SlotFor(labels);
  const Slot& slot = slots_[index];
  const Undo undo{slots_before,  pending_.size(),     out_of_order_,  duplicates_,
                  slot.max_time, slot.first_in_order, slot.last_value};
  core::Status st = AddSamples(index, samples);
  if (!st.ok()) Rollback(index, undo);
  return st;
}

void HeadAppender::Rollback(size_t index, const Undo& undo) {
  Slot& slot = slots_[index];
  for (size_t i = undo.pending; i < pending_.size(); ++i) {
    if (!pending_[i].in_order) {
      slot.out_of_order.erase(pending_[i].t);
    } else if (slot.in_order_indexed) {
      slot.in_order.erase(pending_[i].t);
    }
  }
  slot.first_in_order = undo.first_in_order;
  pending_.resize(undo.pending);
  out_of_order_ = undo.out_of_order;
  duplicates_ = undo.duplicates;
  slot.max_time = undo.max_time;
  slot.last_value = undo.last_value;
  if (slots_.size() == undo.slots) return;
  // The slot was made for this call: it goes, so no empty series is made for it. A stale
  // appender_slot in an existing series points past the end and is not believed.
  if (slot.series == nullptr) {
    auto [lo, hi] = new_slots_.equal_range(slot.hash);
    for (auto it = lo; it != hi; ++it) {
      if (it->second == index) {
        new_slots_.erase(it);
        break;
      }
    }
  }
  slots_.pop_back();
}

std::string HeadAppender::SeriesString(const Slot& slot) const {
  if (slot.series != nullptr) return slot.series->labels.ToString();
  if (slot.labels != nullptr) return slot.labels->ToString();
  return core::ToString(slot.views);
}

core::Status HeadAppender::AddSamples(size_t slot_index, std::span<const core::Sample> samples) {
  Slot& slot = slots_[slot_index];
  for (const core::Sample& s : samples) {
    const int64_t t = s.timestamp_ms;
    auto refuse = [&](const char* what) {
      return core::InvalidArgumentError(std::string(what) + " for series " + SeriesString(slot) +
                                        " at timestamp " + std::to_string(t));
    };
    if (t < min_valid_) return refuse("too old sample");
    if (t > slot.max_time) {
      slot.max_time = t;
      slot.last_value = s.value;
      slot.first_in_order = std::min(slot.first_in_order, t);
      if (slot.in_order_indexed) slot.in_order.emplace(t, s.value);
      pending_.push_back({static_cast<SeriesId>(slot_index), true, t, s.value});
      continue;
    }
    if (t == slot.max_time) {
      if (!SameBits(slot.last_value, s.value)) return refuse("duplicate sample for timestamp");
      ++duplicates_;
      continue;
    }
    std::optional<double> existing;
    if (auto it = slot.out_of_order.find(t); it != slot.out_of_order.end()) {
      existing = it->second;
    } else if (t >= slot.first_in_order) {  // among this batch's in-order samples
      if (!slot.in_order_indexed) IndexInOrder(slot_index);
      if (auto in = slot.in_order.find(t); in != slot.in_order.end()) existing = in->second;
    } else if (slot.series != nullptr) {
      existing = slot.series->ValueAt(t);
    }
    if (existing) {
      if (!SameBits(*existing, s.value)) return refuse("duplicate sample for timestamp");
      ++duplicates_;
      continue;
    }
    slot.out_of_order.emplace(t, s.value);
    pending_.push_back({static_cast<SeriesId>(slot_index), false, t, s.value});
    ++out_of_order_;
  }
  return core::OkStatus();
}

void HeadAppender::IndexInOrder(size_t slot_index) {
  Slot& slot = slots_[slot_index];
  for (const Pending& p : pending_) {
    if (p.in_order && p.id == slot_index) slot.in_order.emplace(p.t, p.v);
  }
  slot.in_order_indexed = true;
}

std::vector<std::pair<SeriesId, const core::Labels*>> HeadAppender::CreateSeries() {
  std::vector<std::pair<SeriesId, const core::Labels*>> created;
  if (!new_slots_.empty()) {
    std::unique_lock lock(head_.mu_);
    for (Slot& slot : slots_) {
      if (slot.series != nullptr) continue;
      core::Labels labels;
      if (slot.labels != nullptr) {
        labels = *slot.labels;
      } else {
        std::vector<core::Label> pairs;
        pairs.reserve(slot.views.size());
        for (const core::LabelView& l : slot.views)
          pairs.push_back({std::string(l.name), std::string(l.value)});
        // Valid already (the caller's promise); Create only sorts what is sorted.
        labels = core::Labels::Create(std::move(pairs)).value();
      }
      slot.id = head_.Create(std::move(labels), slot.hash);
      slot.series = head_.series_[slot.id].get();
      created.emplace_back(slot.id, &slot.series->labels);
    }
  }
  for (Pending& p : pending_) p.id = slots_[p.id].id;
  return created;
}

void HeadAppender::Commit() {
  std::unique_lock lock(head_.mu_);
  int64_t newest = head_.max_time();
  for (const Pending& p : pending_) {
    MemSeries& s = *head_.series_[p.id];
    if (p.in_order) {
      head_.AppendInOrder(s, p.t, p.v);
      newest = std::max(newest, p.t);
    } else {
      Head::InsertOutOfOrder(s, p.t, p.v);
      ++head_.ooo_count_;
    }
    head_.min_time_ = std::min(head_.min_time_, p.t);
    if (p.t < head_.watch_before_) ++head_.watched_appends_;
  }
  head_.max_time_.store(newest, std::memory_order_relaxed);
}

}  // namespace vigil::storage
