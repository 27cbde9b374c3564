#include "server/storage/storage.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/fs.h"
#include "core/log.h"
#include "core/memory.h"
#include "server/storage/series_set.h"
#include "wal/format.h"

namespace vigil::storage {
namespace {

constexpr char kHeadCursor[] = "head";
constexpr char kCheckpointFile[] = "head.checkpoint";

// What the last block cut persisted: every sample logged in a segment before `segment` with a
// timestamp before `before` is in a block.
struct Checkpoint {
  uint32_t segment = 0;
  int64_t before = INT64_MIN;
};

std::string FormatCheckpoint(const Checkpoint& c) {
  return "v1 " + std::to_string(c.segment) + " " + std::to_string(c.before) + "\n";
}

// No checkpoint (no block cut yet) or an unreadable one: the whole WAL is replayed. That costs
// only time, since samples already in blocks merge with them, but an unreadable one is said.
Checkpoint LoadCheckpoint(const std::string& path) {
  std::ifstream in(path);
  if (!in.is_open()) return {};
  std::string version;
  Checkpoint c;
  if (!(in >> version >> c.segment >> c.before) || version != "v1") {
    core::LogWarn("head checkpoint unreadable: replaying the whole WAL", {{"path", path}});
    return {};
  }
  return c;
}

int64_t FloorTo(int64_t t, int64_t range) {
  return t >= 0 ? t / range * range : -((-t + range - 1) / range) * range;
}

// Renamed first, so a crash mid-way never leaves a block without some of its files under a
// name that looks whole. Open mappings stay readable after the files are gone.
void DeleteBlockDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::rename(dir, dir + ".deleting", ec);
  std::filesystem::remove_all(ec ? dir : dir + ".deleting", ec);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class StorageQuerier final : public Querier {
 public:
  StorageQuerier(const Head& head, std::vector<std::shared_ptr<Block>> blocks)
      : head_(head), blocks_(std::move(blocks)) {}

  std::unique_ptr<SeriesSet> Select(const Matchers& matchers, int64_t mint, int64_t maxt,
                                    SelectHints hints) const override {
    // Oldest blocks first, the head last: where they overlap, the earlier source's sample wins.
    std::vector<std::unique_ptr<SeriesSet>> sources;
    for (const auto& b : blocks_) {
      if (b->meta().max_time < mint || b->meta().min_time > maxt) continue;
      sources.push_back(b->Select(matchers, mint, maxt, hints.labels_only));
    }
    sources.push_back(head_.Select(matchers, mint, maxt, hints.labels_only));
    return MergeSeriesSets(std::move(sources), hints);
  }

  core::Result<std::vector<std::string>> LabelNames(const Matchers& matchers, int64_t mint,
                                                    int64_t maxt) const override {
    std::vector<std::string> out;
    if (matchers.empty()) {
      for (const auto& b : blocks_) {
        if (b->meta().max_time < mint || b->meta().min_time > maxt) continue;
        for (std::string_view n : b->LabelNames()) out.emplace_back(n);
      }
      auto lock = head_.ReadLock();
      for (std::string_view n : head_.LabelNames()) out.emplace_back(n);
    } else {
      auto set = Select(matchers, mint, maxt, {.labels_only = true});
      while (set->Next()) {
        for (const core::Label& l : set->labels()) out.push_back(l.name);
      }
      VIGIL_RETURN_IF_ERROR(set->status());
    }
    return SortedUnique(std::move(out));
  }

  core::Result<std::vector<std::string>> LabelValues(const std::string& name,
                                                     const Matchers& matchers, int64_t mint,
                                                     int64_t maxt) const override {
    std::vector<std::string> out;
    if (matchers.empty()) {
      for (const auto& b : blocks_) {
        if (b->meta().max_time < mint || b->meta().min_time > maxt) continue;
        for (std::string_view v : b->LabelValues(name)) out.emplace_back(v);
      }
      auto lock = head_.ReadLock();
      for (std::string_view v : head_.LabelValues(name)) out.emplace_back(v);
    } else {
      auto set = Select(matchers, mint, maxt, {.labels_only = true});
      while (set->Next()) {
        std::string_view v = set->labels().Get(name);
        if (!v.empty()) out.emplace_back(v);
      }
      VIGIL_RETURN_IF_ERROR(set->status());
    }
    return SortedUnique(std::move(out));
  }

 private:
  static std::vector<std::string> SortedUnique(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }
  const Head& head_;
  std::vector<std::shared_ptr<Block>> blocks_;
};

}  // namespace

Storage::Storage(StorageOptions options, const core::Clock& clock, core::MetricsRegistry& m)
    : options_(std::move(options)), clock_(clock) {
  samples_appended_ = m.Counter("vigil_tsdb_head_samples_appended_total",
                                "Samples stored from remote-write requests.")
                          .Get();
  out_of_order_ = m.Counter("vigil_tsdb_out_of_order_samples_appended_total",
                            "Samples stored that were older than their series' newest.")
                      .Get();
  duplicates_ = m.Counter("vigil_tsdb_duplicate_samples_total",
                          "Samples ignored: same timestamp and value as already stored.")
                    .Get();
  rejected_ =
      m.Counter("vigil_tsdb_rejected_requests_total",
                "Write batches (remote-write requests) refused by storage, nothing of them kept.")
          .Get();
  head_series_ = m.Gauge("vigil_tsdb_head_series", "Series in the head.").Get();
  head_chunks_ = m.Gauge("vigil_tsdb_head_chunks", "Chunks in the head.").Get();
  wal_bytes_ = m.Gauge("vigil_tsdb_wal_size_bytes", "Size of the server's WAL.").Get();
  block_count_ = m.Gauge("vigil_tsdb_blocks_loaded", "Blocks on disk.").Get();
  block_bytes_ = m.Gauge("vigil_tsdb_storage_blocks_bytes", "Bytes of all blocks.").Get();
  compactions_ = m.Counter("vigil_tsdb_compactions_total", "Block compactions done.").Get();
  compaction_seconds_ =
      m.Counter("vigil_tsdb_compaction_duration_seconds_total", "Time spent compacting blocks.")
          .Get();
  head_cuts_ = m.Counter("vigil_tsdb_head_cuts_total", "Blocks cut from the head.").Get();
  head_cuts_locked_ = m.Counter("vigil_tsdb_head_cuts_locked_total",
                                "Head cuts written again with appends held back, because samples "
                                "for their ranges arrived while they were written.")
                          .Get();
  retention_deleted_ = m.Counter("vigil_tsdb_retention_deleted_blocks_total",
                                 "Blocks deleted by time or size retention.")
                           .Get();
  replay_seconds_ =
      m.Gauge("vigil_tsdb_wal_replay_duration_seconds", "How long the WAL replay took at start.")
          .Get();
  replay_damaged_ = m.Counter("vigil_tsdb_wal_replay_damaged_samples_total",
                              "Samples the WAL replay at start dropped because the log was "
                              "damaged: they are not in the head.")
                        .Get();
  // The agent's names, so that one alert serves both.
  wal_corruptions_ = m.Counter("vigil_wal_corruptions_total",
                               "Damaged ranges of the write-ahead log skipped by readers.")
                         .Get();
  wal_corrupted_bytes_ = m.Counter("vigil_wal_corrupted_bytes_total",
                                   "Bytes of the write-ahead log dropped as damaged.")
                             .Get();
}

Storage::~Storage() = default;

core::Result<std::unique_ptr<Storage>> Storage::Open(StorageOptions options,
                                                     const core::Clock& clock,
                                                     core::MetricsRegistry& metrics) {
  std::unique_ptr<Storage> s(new Storage(std::move(options), clock, metrics));
  std::error_code ec;
  std::filesystem::create_directories(s->options_.dir + "/blocks", ec);
  if (ec) return core::ErrnoError(ec.value(), "create " + s->options_.dir + "/blocks");
  VIGIL_RETURN_IF_ERROR(s->LoadBlocks());
  wal::WalOptions wo;
  wo.dir = s->options_.dir + "/wal";
  wo.segment_size = 64u << 20;
  // The head's data lives only here until a block is cut: no cap may delete it.
  wo.max_size = UINT64_MAX / 2;
  VIGIL_ASSIGN_OR_RETURN(s->wal_, wal::Wal::Open(wo, clock));
  VIGIL_ASSIGN_OR_RETURN(s->head_cursor_, s->wal_->OpenCursor(kHeadCursor));
  s->head_ = std::make_unique<Head>(
      HeadOptions{s->options_.block_range_ms, s->options_.out_of_order_window_ms});
  s->appender_ = std::make_unique<HeadAppender>(*s->head_);
  VIGIL_RETURN_IF_ERROR(s->Replay());
  return s;
}

core::Status Storage::LoadBlocks() {
  const std::string dir = options_.dir + "/blocks";
  std::error_code list_error;
  std::filesystem::directory_iterator entries(dir, list_error), end;
  for (; !list_error && entries != end; entries.increment(list_error)) {
    const std::filesystem::directory_entry& entry = *entries;
    const std::string path = entry.path().string();
    const std::string ext = entry.path().extension().string();
    if (ext == ".tmp" || ext == ".deleting") {
      // A cut or compaction that did not finish (its inputs are all still here), or a block
      // whose deletion was cut short.
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
      continue;
    }
    if (ext == ".damaged") continue;
    auto block = Block::Open(path);
    if (!block.ok()) {
      core::LogError("block unreadable, set aside",
                     {{"block", path}, {"err", block.status().ToString()}});
      std::error_code ec;
      std::filesystem::rename(path, path + ".damaged", ec);
      continue;
    }
    blocks_.push_back(std::move(block).value());
  }
  if (list_error) return core::ErrnoError(list_error.value(), "list " + dir);
  std::sort(blocks_.begin(), blocks_.end(),
            [](const auto& a, const auto& b) { return a->meta().min_time < b->meta().min_time; });
  return core::OkStatus();
}

core::Status Storage::Replay() {
  const auto start = std::chrono::steady_clock::now();
  const Checkpoint checkpoint = LoadCheckpoint(options_.dir + "/" + kCheckpointFile);
  std::vector<wal::Cursor::Sample> batch;
  uint64_t replayed = 0, skipped = 0, refused = 0;
  for (;;) {
    batch.clear();
    VIGIL_RETURN_IF_ERROR(head_cursor_->Read(8192, &batch));
    if (batch.empty()) break;
    // A batch comes from one segment, the one the read position is in.
    const bool before_checkpoint = head_cursor_->read_position().segment < checkpoint.segment;
    HeadAppender& app = *appender_;
    app.Reset();
    for (const wal::Cursor::Sample& s : batch) {
      if (before_checkpoint && s.timestamp_ms < checkpoint.before) {
        ++skipped;
        continue;
      }
      const core::Sample sample{s.timestamp_ms, s.value};
      if (!app.Add(*s.labels, std::span(&sample, 1)).ok()) ++refused;
    }
    for (auto [id, labels] : app.CreateSeries()) wal_->SetSeries(id + 1, labels);
    replayed += app.appended();
    app.Commit();
  }
  const double seconds = SecondsSince(start);
  replay_seconds_->Set(seconds);
  const HeadStats hs = head_->stats();
  head_series_->Set(static_cast<double>(hs.series));
  const uint64_t damaged = head_cursor_->damaged_samples();
  replay_damaged_->Set(static_cast<double>(damaged));
  ReportWalDamage();
  core::LogInfo("WAL replayed", {{"samples", replayed},
                                 {"series", hs.series},
                                 {"already_in_blocks", skipped},
                                 {"refused", refused},
                                 {"damaged", damaged},
                                 {"seconds", seconds}});
  if (damaged > 0) {
    core::LogError("the WAL was damaged: samples that were acknowledged are not in the head",
                   {{"samples", damaged}, {"corruptions", wal_->stats().corruptions}});
  }
  return core::OkStatus();
}

// The storage's Appender: the head's appender under the append lock, and on Commit the
// WAL first, then the head.
class Storage::Batch final : public Appender {
 public:
  explicit Batch(Storage& storage)
      : storage_(storage), lock_(storage.append_mu_), app_(*storage.appender_) {
    app_.Reset();
  }
  ~Batch() override {
    if (!ended_ && refused_) storage_.rejected_->Inc();
  }

  core::Status Add(std::span<const core::LabelView> labels,
                   std::span<const core::Sample> samples) override {
    return Refused(ended_ ? Ended() : app_.Add(labels, samples));
  }
  core::Status Add(const core::Labels& labels, std::span<const core::Sample> samples) override {
    return Refused(ended_ ? Ended() : app_.Add(labels, samples));
  }

  core::Result<AppendResult> Commit() override {
    if (ended_) return Ended();
    ended_ = true;
    auto created = app_.CreateSeries();
    SeriesId highest = 0;
    for (const auto& c : created) highest = std::max(highest, c.first);
    if (!created.empty() && highest + 1 > wal::kMaxSeriesRef) {
      storage_.rejected_->Inc();
      return core::ResourceExhaustedError("the head holds the most series it can number");
    }
    wal::Wal& wal = *storage_.wal_;
    for (auto [id, labels] : created) wal.SetSeries(id + 1, labels);
    std::vector<wal::RefSample>& refs = storage_.refs_;
    refs.clear();
    for (const HeadAppender::Pending& p : app_.pending()) refs.push_back({p.id + 1, p.t, p.v});
    core::Status logged = wal.Append(refs);
    if (!logged.ok()) {
      storage_.rejected_->Inc();
      return core::UnavailableError("cannot write the WAL: " + logged.message());
    }
    app_.Commit();
    storage_.samples_appended_->Inc(static_cast<double>(app_.appended()));
    storage_.out_of_order_->Inc(static_cast<double>(app_.out_of_order()));
    storage_.duplicates_->Inc(static_cast<double>(app_.duplicates()));
    if (!created.empty()) storage_.head_series_->Inc(static_cast<double>(created.size()));
    return AppendResult{app_.appended(), app_.out_of_order(), app_.duplicates()};
  }

 private:
  static core::Status Ended() {
    return core::FailedPreconditionError("the batch was committed already");
  }
  core::Status Refused(core::Status s) {
    refused_ |= !s.ok();
    return s;
  }

  Storage& storage_;
  std::lock_guard<std::mutex> lock_;
  HeadAppender& app_;
  bool ended_ = false;    // committed, or failed to
  bool refused_ = false;  // an Add was refused: a batch dropped after one counts as rejected
};

std::unique_ptr<Appender> Storage::OpenAppender() { return std::make_unique<Batch>(*this); }

std::unique_ptr<Querier> Storage::OpenQuerier() const {
  return std::make_unique<StorageQuerier>(*head_, blocks());
}

std::vector<std::shared_ptr<Block>> Storage::blocks() const {
  std::lock_guard lock(blocks_mu_);
  return blocks_;
}

std::string Storage::NewBlockDir(int64_t min_time) const {
  // Random bits as a ULID has: a restarted process (or a clock set back) must not meet the
  // name of a block it made before.
  char name[80];
  std::snprintf(name, sizeof name, "b%013lld-%012llx-%08x", static_cast<long long>(min_time),
                static_cast<unsigned long long>(clock_.NowUnixMillis()),
                static_cast<unsigned>(block_random_()));
  return options_.dir + "/blocks/" + name;
}

core::Status Storage::Maintain() {
  std::lock_guard maintain(maintain_mu_);
  const int64_t range = options_.block_range_ms;
  for (;;) {
    const HeadStats hs = head_->stats();
    // A head of series without samples (all cut into blocks) has max_time < min_time.
    if (hs.series == 0 || hs.max_time < hs.min_time || hs.max_time - hs.min_time <= range * 3 / 2)
      break;
    VIGIL_RETURN_IF_ERROR(CutHead(FloorTo(hs.min_time, range) + range));
  }
  VIGIL_RETURN_IF_ERROR(Compact());
  VIGIL_RETURN_IF_ERROR(ApplyRetention());
  // A cut or compaction frees what it built (the block's series, samples decoded and encoded
  // again) and the head's truncated chunks. Once a pass (30 s) costs little.
  core::GiveBackFreeMemory();
  TrimWal();
  ReportWalDamage();
  const HeadStats hs = head_->stats();
  head_series_->Set(static_cast<double>(hs.series));
  head_chunks_->Set(static_cast<double>(hs.chunks));
  wal_bytes_->Set(static_cast<double>(wal_->stats().bytes));
  uint64_t bytes = 0;
  auto list = blocks();
  for (const auto& b : list) bytes += b->size_bytes();
  block_count_->Set(static_cast<double>(list.size()));
  block_bytes_->Set(static_cast<double>(bytes));
  return core::OkStatus();
}

void Storage::TrimWal() {
  wal_->DeleteOldSegments();
  std::error_code ec;
  const std::filesystem::space_info space = std::filesystem::space(options_.dir, ec);
  if (ec) return;
  const uint64_t reserve = options_.disk_reserve > 0
                               ? options_.disk_reserve
                               : std::max<uint64_t>(space.capacity / 20, kMinDiskReserve);
  if (space.available >= reserve) return;
  core::LogWarn("disk short of room: forwarding destinations give up their oldest backlog",
                {{"available", space.available}, {"reserve", reserve}});
  wal_->ShedBounded(reserve - space.available);
  wal_->DeleteOldSegments();
}

void Storage::ReportWalDamage() {
  const wal::WalStats ws = wal_->stats();
  wal_corruptions_->Set(static_cast<double>(ws.corruptions));
  wal_corrupted_bytes_->Set(static_cast<double>(ws.corrupted_bytes));
}

core::Result<Storage::CutBlocks> Storage::WriteHeadBlocks(int64_t before) {
  CutBlocks out;
  // One block per block range with data: late out-of-order samples for a range already cut
  // make a small block of their own, which compaction folds into that range's block.
  const int64_t range = options_.block_range_ms;
  for (int64_t from = FloorTo(head_->stats().min_time, range); from < before; from += range) {
    const std::vector<SeriesId> ids = head_->SeriesIn(from, from + range);
    if (ids.empty()) continue;
    const std::string dir = NewBlockDir(from);
    const std::string tmp = dir + ".tmp";
    VIGIL_ASSIGN_OR_RETURN(auto writer, BlockWriter::Create(tmp));
    for (SeriesId id : ids) {
      std::vector<EncodedChunk> chunks;
      core::Labels labels = head_->LabelsAndChunksIn(id, from, from + range, &chunks);
      VIGIL_RETURN_IF_ERROR(writer->AddSeries(labels, chunks));
    }
    VIGIL_RETURN_IF_ERROR(writer->Finish(1).status());
    std::error_code ec;
    std::filesystem::rename(tmp, dir, ec);
    if (ec) return core::ErrnoError(ec.value(), "rename " + tmp);
    VIGIL_RETURN_IF_ERROR(core::SyncDir(options_.dir + "/blocks"));
    VIGIL_ASSIGN_OR_RETURN(auto block, Block::Open(dir));
    out.series += block->meta().series;
    out.samples += block->meta().samples;
    out.blocks.push_back(std::move(block));
  }
  return out;
}

// As LevelDB builds a table with its mutex released: the blocks are written (encoding, fsync,
// rename) while requests go on being appended, and the append lock is taken only around the
// WAL's cut and the swap. Samples before `before` appended meanwhile are in no block yet; if
// there were any, the blocks are written again with the lock held (an agent sending a backlog
// hours old makes that happen; the data is right either way).
core::Status Storage::CutHead(int64_t before) {
  const auto start = std::chrono::steady_clock::now();
  uint32_t segment = 0;
  {
    std::lock_guard lock(append_mu_);
    VIGIL_ASSIGN_OR_RETURN(segment, wal_->Cut());
    head_->WatchAppendsBefore(before);
  }
  core::Result<CutBlocks> cut = WriteHeadBlocks(before);
  if (options_.while_cutting_unlocked) options_.while_cutting_unlocked();
  std::lock_guard lock(append_mu_);
  const uint64_t late = head_->watched_appends();
  head_->WatchAppendsBefore(INT64_MIN);
  if (!cut.ok()) return cut.status();
  if (late > 0) {
    for (const auto& b : cut->blocks) DeleteBlockDir(b->dir());
    cut = WriteHeadBlocks(before);
    if (!cut.ok()) return cut.status();
    head_cuts_locked_->Inc();
  }
  for (auto& block : cut->blocks) ReplaceBlocks({}, std::move(block));
  VIGIL_RETURN_IF_ERROR(core::WriteFileAtomic(options_.dir + "/" + kCheckpointFile,
                                              FormatCheckpoint({segment, before})));
  head_->Truncate(before);
  // The dropped series' ids (their WAL refs) may name other series from the next segment on.
  // Without a new segment (a full disk), they wait for the next cut.
  if (wal_->Cut().ok()) head_->ReuseDroppedIds();
  // Segments whose samples are all in blocks are no longer the head's to keep.
  wal::Position keep{segment, wal::kSegmentHeaderSize, 0};
  for (const auto& [index, max_time] : wal_->SegmentMaxTimes()) {
    if (index < segment && max_time >= before) {
      keep = {index, wal::kSegmentHeaderSize, 0};
      break;
    }
  }
  VIGIL_RETURN_IF_ERROR(head_cursor_->Commit(keep));
  head_cuts_->Inc();
  core::LogInfo("head cut into blocks", {{"series", cut->series},
                                         {"samples", cut->samples},
                                         {"before", before},
                                         {"late_samples", late},
                                         {"seconds", SecondsSince(start)}});
  return core::OkStatus();
}

void Storage::ReplaceBlocks(const std::vector<std::shared_ptr<Block>>& old,
                            std::shared_ptr<Block> replacement) {
  std::lock_guard lock(blocks_mu_);
  std::erase_if(blocks_,
                [&](const auto& b) { return std::find(old.begin(), old.end(), b) != old.end(); });
  if (replacement) blocks_.push_back(std::move(replacement));
  std::sort(blocks_.begin(), blocks_.end(),
            [](const auto& a, const auto& b) { return a->meta().min_time < b->meta().min_time; });
}

core::Result<std::shared_ptr<Block>> Storage::WriteMerged(
    const std::vector<std::shared_ptr<Block>>& in) {
  int64_t min_time = INT64_MAX;
  int level = 1;
  for (const auto& b : in) {
    min_time = std::min(min_time, b->meta().min_time);
    level = std::max(level, b->meta().level + 1);
  }
  const std::string dir = NewBlockDir(min_time);
  const std::string tmp = dir + ".tmp";
  VIGIL_ASSIGN_OR_RETURN(auto writer, BlockWriter::Create(tmp));
  // A k-way merge by labels: every block lists its series in label order.
  struct Cursor {
    const Block* block;
    SeriesId next = 0;
    core::Labels labels;
    std::vector<Block::ChunkView> chunks;
  };
  std::vector<Cursor> cursors;
  for (const auto& b : in) {
    Cursor c{b.get()};
    if (b->series_count() > 0) {
      VIGIL_RETURN_IF_ERROR(b->SeriesAt(0, &c.labels, &c.chunks));
      cursors.push_back(std::move(c));
    }
  }
  std::vector<EncodedChunk> chunks;
  while (!cursors.empty()) {
    const core::Labels* smallest = &cursors[0].labels;
    for (const Cursor& c : cursors) {
      if (c.labels < *smallest) smallest = &c.labels;
    }
    const core::Labels labels = *smallest;
    std::vector<Block::ChunkView> views;
    for (Cursor& c : cursors) {
      if (c.labels == labels) views.insert(views.end(), c.chunks.begin(), c.chunks.end());
    }
    std::sort(views.begin(), views.end(),
              [](const auto& a, const auto& b) { return a.min_time < b.min_time; });
    bool overlap = false;
    for (size_t i = 1; i < views.size(); ++i) overlap |= views[i].min_time <= views[i - 1].max_time;
    chunks.clear();
    if (!overlap) {
      for (const auto& v : views) chunks.push_back({v.min_time, v.max_time, std::string(v.bytes)});
    } else {
      std::vector<core::Sample> samples;
      for (const auto& v : views) VIGIL_RETURN_IF_ERROR(DecodeChunk(v.bytes, &samples));
      SortUniqueByTime(&samples);
      chunks = EncodeChunks(samples, kSamplesPerBlockChunk);
    }
    VIGIL_RETURN_IF_ERROR(writer->AddSeries(labels, chunks));
    for (size_t i = 0; i < cursors.size();) {
      Cursor& c = cursors[i];
      if (c.labels == labels) {
        if (++c.next == c.block->series_count()) {
          cursors.erase(cursors.begin() + static_cast<ptrdiff_t>(i));
          continue;
        }
        VIGIL_RETURN_IF_ERROR(c.block->SeriesAt(c.next, &c.labels, &c.chunks));
      }
      ++i;
    }
  }
  VIGIL_RETURN_IF_ERROR(writer->Finish(level).status());
  std::error_code ec;
  std::filesystem::rename(tmp, dir, ec);
  if (ec) return core::ErrnoError(ec.value(), "rename " + tmp);
  VIGIL_RETURN_IF_ERROR(core::SyncDir(options_.dir + "/blocks"));
  return Block::Open(dir);
}

core::Status Storage::Compact() {
  for (;;) {
    const auto list = blocks();
    if (list.size() < 2) return core::OkStatus();
    std::vector<std::shared_ptr<Block>> group;
    // Overlapping blocks first (a cut that repeated after a crash, late out-of-order data):
    // queries merge them, but every query pays for it until they are one.
    for (size_t i = 0; i + 1 < list.size() && group.empty(); ++i) {
      int64_t end = list[i]->meta().max_time;
      std::vector<std::shared_ptr<Block>> g{list[i]};
      for (size_t j = i + 1; j < list.size() && list[j]->meta().min_time <= end; ++j) {
        g.push_back(list[j]);
        end = std::max(end, list[j]->meta().max_time);
      }
      if (g.size() > 1) group = std::move(g);
    }
    // Then ranges of 3x the one below (6h, 18h, ...) up to a tenth of the retention, each
    // compacted once a newer block exists. As Prometheus, the newest block is left alone for
    // a block range, so it can be backed up before it is merged away.
    const int64_t newest = list.back()->meta().min_time;
    const int64_t limit = options_.retention_ms > 0
                              ? std::min<int64_t>(options_.retention_ms / 10, 31ll * 86400000)
                              : 31ll * 86400000;
    for (int64_t r = options_.block_range_ms * 3; group.empty() && r <= limit; r *= 3) {
      std::map<int64_t, std::vector<std::shared_ptr<Block>>> windows;
      for (size_t i = 0; i + 1 < list.size(); ++i) {
        const auto& b = list[i];
        const int64_t w = FloorTo(b->meta().min_time, r);
        if (b->meta().max_time < w + r && w + r <= newest) windows[w].push_back(b);
      }
      for (auto& [w, g] : windows) {
        if (g.size() > 1) {
          group = std::move(g);
          break;
        }
      }
    }
    if (group.empty()) return core::OkStatus();
    const auto start = std::chrono::steady_clock::now();
    VIGIL_ASSIGN_OR_RETURN(auto merged, WriteMerged(group));
    ReplaceBlocks(group, merged);
    for (const auto& b : group) DeleteBlockDir(b->dir());
    const double seconds = SecondsSince(start);
    compactions_->Inc();
    compaction_seconds_->Inc(seconds);
    core::LogInfo("blocks compacted", {{"blocks", group.size()},
                                       {"into", merged->dir()},
                                       {"series", merged->meta().series},
                                       {"seconds", seconds}});
  }
}

core::Status Storage::ApplyRetention() {
  auto list = blocks();
  if (list.empty()) return core::OkStatus();
  int64_t newest = head_->max_time();
  for (const auto& b : list) newest = std::max(newest, b->meta().max_time);
  uint64_t total = 0;
  for (const auto& b : list) total += b->size_bytes();
  std::vector<std::shared_ptr<Block>> doomed;
  for (const auto& b : list) {  // oldest first
    const bool too_old =
        options_.retention_ms > 0 && b->meta().max_time < newest - options_.retention_ms;
    const bool too_big = options_.retention_bytes > 0 && total > options_.retention_bytes;
    if (!too_old && !too_big) break;
    doomed.push_back(b);
    total -= b->size_bytes();
  }
  if (doomed.empty()) return core::OkStatus();
  ReplaceBlocks(doomed, nullptr);
  for (const auto& b : doomed) {
    core::LogInfo("retention deleted a block",
                  {{"block", b->dir()}, {"max_time", b->meta().max_time}});
    DeleteBlockDir(b->dir());
    retention_deleted_->Inc();
  }
  return core::OkStatus();
}

TsdbStatus Storage::Stats(size_t top) const {
  TsdbStatus st;
  st.head = head_->stats();
  for (const auto& b : blocks()) {
    ++st.blocks;
    st.block_bytes += b->size_bytes();
  }
  st.wal_bytes = wal_->stats().bytes;
  std::vector<std::pair<std::string, uint64_t>> metric, pair, values, memory;
  {
    auto lock = head_->ReadLock();
    for (std::string_view name : head_->LabelNames()) {
      uint64_t bytes = 0, n = 0;
      for (std::string_view v : head_->LabelValues(name)) {
        const uint64_t count = head_->PostingsSize(name, v);
        if (name == core::kMetricNameLabel) metric.emplace_back(std::string(v), count);
        pair.emplace_back(std::string(name) + "=" + std::string(v), count);
        bytes += v.size() * count;
        ++n;
      }
      values.emplace_back(std::string(name), n);
      memory.emplace_back(std::string(name), bytes);
    }
  }
  auto top_of = [top](std::vector<std::pair<std::string, uint64_t>> v) {
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (v.size() > top) v.resize(top);
    return v;
  };
  st.series_by_metric = top_of(std::move(metric));
  st.series_by_label_pair = top_of(std::move(pair));
  st.values_by_label_name = top_of(std::move(values));
  st.memory_by_label_name = top_of(std::move(memory));
  return st;
}

}  // namespace vigil::storage
