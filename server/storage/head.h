#pragma once
// The head: every series that received samples since the last block was cut, in memory, with
// Gorilla chunks, an inverted index and the out-of-order samples agents send after an outage.
// One appender at a time (the storage's append lock); queries read under a shared lock.
#include <atomic>
#include <climits>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/labels.h"
#include "core/status.h"
#include "server/storage/chunk.h"
#include "server/storage/index.h"
#include "server/storage/querier.h"
#include "server/storage/series_table.h"

namespace vigil::storage {

struct HeadOptions {
  // Chunks never cross a multiple of this, so a block cut at one never splits a chunk.
  int64_t chunk_range_ms = 2 * 3600 * 1000;
  // How far behind the newest sample a sample may be and still be taken.
  int64_t out_of_order_window_ms = 24 * 3600 * 1000;
};

struct MemChunk {
  int64_t min_time = 0;
  int64_t max_time = 0;
  std::string bytes;
};

struct MemSeries {
  MemSeries(core::Labels l, uint64_t h) : labels(std::move(l)), hash(h) {}
  core::Labels labels;
  uint64_t hash;                 // SeriesHash(labels)
  std::vector<MemChunk> chunks;  // closed in-order chunks, oldest first
  ChunkAppender open;            // the chunk being appended to; none while count() == 0
  int64_t open_limit = 0;        // the first timestamp that belongs in the next chunk
  int64_t max_time = INT64_MIN;  // of in-order samples
  double last_value = 0;
  std::vector<core::Sample> out_of_order;  // sorted, one per timestamp
  // The appender's slot for this series in the request being added, if it is one (the
  // appender checks): how a series sent twice in a request is found without a map. Only the
  // appender touches it, under the append lock.
  uint32_t appender_slot = 0;

  bool Empty() const { return chunks.empty() && open.count() == 0 && out_of_order.empty(); }
  // The value at `t`, if the series has a sample there.
  std::optional<double> ValueAt(int64_t t) const;
  // Samples in [mint, maxt], in order, with the out-of-order ones merged in.
  void SamplesIn(int64_t mint, int64_t maxt, std::vector<core::Sample>* out) const;
  bool HasDataIn(int64_t mint, int64_t maxt) const;
};

struct HeadStats {
  uint64_t series = 0;
  uint64_t chunks = 0;
  uint64_t out_of_order_samples = 0;  // held now
  int64_t min_time = INT64_MAX;
  int64_t max_time = INT64_MIN;
};

class Head final : public IndexReader {
 public:
  explicit Head(HeadOptions options) : options_(options) {}
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  const HeadOptions& options() const { return options_; }
  // The newest in-order timestamp of any series (INT64_MIN when empty).
  int64_t max_time() const { return max_time_.load(std::memory_order_relaxed); }
  HeadStats stats() const;
  // Ids numbered so far, live or free: what churn would grow without reuse.
  size_t numbered() const {
    std::shared_lock lock(mu_);
    return series_.size();
  }

  // Queries.
  // The series passing the matchers with data in [mint, maxt], read series by series.
  std::unique_ptr<SeriesSet> Select(const Matchers& matchers, int64_t mint, int64_t maxt,
                                    bool labels_only) const;
  std::vector<std::string_view> LabelNames() const override;
  std::vector<std::string_view> LabelValues(std::string_view name) const override;
  Postings PostingsFor(std::string_view name, std::string_view value) const override;
  Postings AllPostings() const override;
  // How many series have name=value (under ReadLock).
  size_t PostingsSize(std::string_view name, std::string_view value) const;
  // Shared lock for callers that use the IndexReader methods and series() together.
  std::shared_lock<std::shared_mutex> ReadLock() const { return std::shared_lock(mu_); }
  const MemSeries* series(SeriesId id) const {
    return id < series_.size() ? series_[id].get() : nullptr;
  }

  // Block cuts: the series with data in [from, to), sorted by labels, and their chunks there
  // (out-of-order samples merged in), each read under the shared lock as a query reads; then
  // dropping what is before `t` (under the append lock). [from, to) must be chunk ranges.
  std::vector<SeriesId> SeriesIn(int64_t from, int64_t to) const;
  core::Labels LabelsAndChunksIn(SeriesId id, int64_t from, int64_t to,
                                 std::vector<EncodedChunk>* chunks) const;
  void Truncate(int64_t t);
  // The ids of series Truncate dropped are numbered again, so that churn (pods that come and
  // go) never exhausts the numbering: they are also WAL refs, which a segment's readers map
  // to the labels named in that segment, so an id becomes free for a new series only once
  // the WAL has started a segment after the truncation. The owner calls this then (under the
  // append lock).
  void ReuseDroppedIds();
  // A cut writes its blocks without the append lock, so samples before its boundary may be
  // appended meanwhile (an agent's backlog) and would be in no block: from WatchAppendsBefore
  // on, commits count the samples they add before `t` (INT64_MIN: none). Both under the
  // append lock.
  void WatchAppendsBefore(int64_t t) {
    watch_before_ = t;
    watched_appends_ = 0;
  }
  uint64_t watched_appends() const { return watched_appends_; }

 private:
  friend class HeadAppender;
  template <class LabelRange>
  std::optional<SeriesId> Find(uint64_t hash, const LabelRange& labels) const;
  SeriesId Create(core::Labels labels, uint64_t hash);  // caller holds mu_ exclusively
  void AddPostings(SeriesId id, const core::Labels& labels);
  void AppendInOrder(MemSeries& s, int64_t t, double v);
  static void InsertOutOfOrder(MemSeries& s, int64_t t, double v);

  const HeadOptions options_;
  mutable std::shared_mutex mu_;                    // writers: the appender's commit and truncation
  std::vector<std::unique_ptr<MemSeries>> series_;  // by id; null once dropped
  std::vector<SeriesId> dropped_ids_;               // by Truncate; not to be given out yet
  std::vector<SeriesId> free_ids_;                  // to give out, the largest first
  SeriesTable by_hash_;
  // Ids in the order series were made: sorted, unless an id was given out again since the
  // last Truncate rebuilt the lists (then PostingsFor sorts its copy).
  struct PostingsList {
    Postings ids;
    bool sorted = true;
  };
  using ValuePostings = std::map<std::string, PostingsList, std::less<>>;
  std::map<std::string, ValuePostings, std::less<>> postings_;
  std::atomic<int64_t> max_time_{INT64_MIN};
  int64_t min_time_ = INT64_MAX;
  uint64_t chunk_count_ = 0;
  uint64_t ooo_count_ = 0;
  uint64_t live_series_ = 0;
  int64_t watch_before_ = INT64_MIN;  // under the append lock
  uint64_t watched_appends_ = 0;
};

// One batch's samples against the head. Add checks each series' samples against what the head
// holds and what the batch added before; a refused Add leaves no trace of itself, and nothing
// changes in the head until Commit. Used under the storage's append lock, one batch at a time;
// Reset starts the next batch and keeps the buffers.
class HeadAppender {
 public:
  explicit HeadAppender(Head& head) : head_(head) { Reset(); }
  HeadAppender(const HeadAppender&) = delete;
  HeadAppender& operator=(const HeadAppender&) = delete;
  void Reset();

  // InvalidArgument, as Prometheus words it, for a sample older than the window, or at a
  // timestamp the series already has with another value. The labels must be valid and stay
  // where they are until CreateSeries.
  core::Status Add(std::span<const core::LabelView> labels, std::span<const core::Sample> samples);
  core::Status Add(const core::Labels& labels, std::span<const core::Sample> samples);

  // Makes the request's new series (empty until Commit) and returns them with their ids,
  // which are also their refs in the WAL.
  std::vector<std::pair<SeriesId, const core::Labels*>> CreateSeries();
  // The samples to log: all but idempotent duplicates. Valid after CreateSeries.
  struct Pending {
    SeriesId id;  // the slot's index until CreateSeries
    bool in_order;
    int64_t t;
    double v;
  };
  const std::vector<Pending>& pending() const { return pending_; }
  void Commit();

  size_t appended() const { return pending_.size(); }
  size_t out_of_order() const { return out_of_order_; }
  size_t duplicates() const { return duplicates_; }

 private:
  struct Slot {
    MemSeries* series = nullptr;  // null: new in this request
    // A new series' labels, as the caller holds them: one of the two.
    std::span<const core::LabelView> views;
    const core::Labels* labels = nullptr;
    uint64_t hash = 0;
    SeriesId id = 0;
    int64_t max_time = INT64_MIN;
    double last_value = 0;
    std::map<int64_t, double> out_of_order;  // this batch's, for duplicate checks
    // The first sample this batch appended in order: a later sample before it is checked
    // against the series, one after it against the batch's own in-order samples. Those are
    // indexed only once a sample goes back among them, so the common path indexes nothing.
    int64_t first_in_order = INT64_MAX;
    bool in_order_indexed = false;
    std::map<int64_t, double> in_order;
  };
  // What an Add changes before it may be refused, to put back if it is.
  struct Undo {
    size_t slots, pending, out_of_order, duplicates;
    int64_t max_time, first_in_order;
    double last_value;
  };
  // Indexes the in-order samples the batch holds for the slot (see Slot::in_order).
  void IndexInOrder(size_t slot_index);
  template <class LabelRange>
  core::Status AddSeries(const LabelRange& labels, std::span<const core::Sample> samples);
  void Rollback(size_t index, const Undo& undo);
  template <class LabelRange>
  size_t SlotFor(const LabelRange& labels);
  core::Status AddSamples(size_t slot_index, std::span<const core::Sample> samples);
  std::string SeriesString(const Slot& slot) const;

  Head& head_;
  int64_t min_valid_ = INT64_MIN;
  std::vector<Slot> slots_;
  std::unordered_multimap<uint64_t, size_t> new_slots_;  // by hash, the series new here
  std::vector<Pending> pending_;
  size_t out_of_order_ = 0;
  size_t duplicates_ = 0;
};

}  // namespace vigil::storage
