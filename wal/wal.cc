#include "wal/wal.h"

#include <algorithm>
#include <climits>
#include <filesystem>

#include "core/fs.h"
#include "core/log.h"

namespace vigil::wal {
namespace {

constexpr uint64_t kMinSegmentSize = 64 * 1024;

}  // namespace

Wal::Wal(WalOptions options, const core::Clock& clock, std::unique_ptr<SegmentSet> segments)
    : options_(std::move(options)), clock_(clock), segments_(std::move(segments)) {}

Wal::~Wal() {
  std::lock_guard lock(append_mu_);
  WriteEnd();
}

void Wal::WriteEnd() {
  if (end_written_ || !segments_->writing() || segment_samples_ == 0) return;
  // Not retried when it fails: the end record is optional (a writer that crashed wrote none),
  // and no append may follow it into this segment.
  end_written_ = true;
  std::string payload;
  EncodeEnd(segment_samples_, &payload);
  const Record end{RecordType::kEnd, payload};
  core::Status s = segments_->Append({&end, 1});
  if (!s.ok())
    core::LogWarn("cannot write the end record of a WAL segment", {{"err", s.message()}});
}

core::Result<std::unique_ptr<Wal>> Wal::Open(WalOptions options, const core::Clock& clock) {
  // The current segment grows to segment_size while the others stay under the cap, so a
  // segment is at most a quarter of the cap.
  options.segment_size =
      std::max(kMinSegmentSize, std::min(options.segment_size, options.max_size / 4));
  std::error_code ec;
  std::filesystem::create_directories(options.dir + "/cursors", ec);
  if (ec) return core::ErrnoError(ec.value(), "create WAL directory " + options.dir);
  VIGIL_ASSIGN_OR_RETURN(auto segments, SegmentSet::Open(options.dir));
  std::unique_ptr<Wal> wal(new Wal(std::move(options), clock, std::move(segments)));
  {
    std::lock_guard lock(wal->append_mu_);
    VIGIL_RETURN_IF_ERROR(wal->Rotate());
  }
  return wal;
}

core::Status Wal::Rotate() {
  rotate_before_append_ = true;
  WriteEnd();
  const uint32_t next = segments_->NextIndex();
  VIGIL_RETURN_IF_ERROR(segments_->FinishSegment());
  {
    // Held until the next segment exists, so a deletion never sees the log without one.
    std::lock_guard lock(drop_mu_);
    EnforceSizeCap(options_.segment_size);
    VIGIL_RETURN_IF_ERROR(segments_->StartSegment(next));
  }
  (void)core::SyncDir(
      options_.dir);  // the new name survives a power loss with what is written to it
  codec_.Reset();
  named_in_previous_ = named_in_segment_;
  std::fill(named_in_segment_.begin(), named_in_segment_.end(), false);
  named_count_ = 0;
  segment_samples_ = 0;
  samples_since_key_ = 0;
  end_written_ = false;
  rotate_before_append_ = false;
  return core::OkStatus();
}

SeriesRef Wal::Ref(const core::Labels& labels) {
  std::lock_guard lock(append_mu_);
  if (labels_by_ref_.empty()) labels_by_ref_.push_back(nullptr);  // refs start at 1
  auto it = refs_.find(labels);
  if (it != refs_.end()) return it->second;
  SeriesRef ref;
  if (!free_refs_.empty()) {
    ref = free_refs_.back();
    free_refs_.pop_back();
  } else {
    ref = labels_by_ref_.size();
    labels_by_ref_.push_back(nullptr);
    named_in_segment_.resize(labels_by_ref_.size(), false);
  }
  it = refs_.emplace(labels, ref).first;
  labels_by_ref_[ref] = &it->first;
  return ref;
}

void Wal::ForgetUnusedRefs() {
  std::lock_guard lock(append_mu_);
  const std::optional<uint32_t> segment = segments_->writing();
  if (!segment || *segment == forgot_in_segment_) return;
  forgot_in_segment_ = *segment;
  named_in_previous_.resize(named_in_segment_.size(), false);
  for (auto it = refs_.begin(); it != refs_.end();) {
    const SeriesRef ref = it->second;
    if (named_in_segment_[ref] || named_in_previous_[ref]) {
      ++it;
      continue;
    }
    labels_by_ref_[ref] = nullptr;
    free_refs_.push_back(ref);
    it = refs_.erase(it);
  }
}

size_t Wal::remembered_refs() const {
  std::lock_guard lock(append_mu_);
  return refs_.size();
}

void Wal::SetSeries(SeriesRef ref, const core::Labels* labels) {
  std::lock_guard lock(append_mu_);
  if (labels_by_ref_.size() <= ref) labels_by_ref_.resize(ref + 1, nullptr);
  if (named_in_segment_.size() <= ref) named_in_segment_.resize(ref + 1, false);
  labels_by_ref_[ref] = labels;
  if (named_in_segment_[ref]) --named_count_;
  named_in_segment_[ref] = false;
}

core::Result<uint32_t> Wal::Cut() {
  std::lock_guard lock(append_mu_);
  VIGIL_RETURN_IF_ERROR(Rotate());
  return *segments_->writing();
}

core::Status Wal::Append(std::span<const RefSample> samples) {
  std::lock_guard lock(append_mu_);
  if (samples.empty()) return core::OkStatus();
  if (rotate_before_append_ || !segments_->writing()) VIGIL_RETURN_IF_ERROR(Rotate());
  if (named_in_segment_.size() < labels_by_ref_.size())
    named_in_segment_.resize(labels_by_ref_.size());

  bool key = false;
  auto encode = [&](std::vector<SeriesRef>* named) {
    series_buf_.clear();
    samples_buf_.clear();
    std::vector<std::pair<SeriesRef, const core::Labels*>> fresh;
    for (const RefSample& s : samples) {
      if (!named_in_segment_[s.ref]) {
        named_in_segment_[s.ref] = true;
        ++named_count_;
        named->push_back(s.ref);
        fresh.emplace_back(s.ref, labels_by_ref_[s.ref]);
      }
    }
    if (!fresh.empty()) EncodeSeries(fresh, &series_buf_);
    // The first samples record of a segment is a key as well: the state is fresh anyway.
    key =
        segment_samples_ == 0 || samples_since_key_ >= uint64_t{options_.key_every} * named_count_;
    codec_.Encode(samples, key, segment_samples_, &samples_buf_);
  };
  auto forget = [this](const std::vector<SeriesRef>& named) {
    for (SeriesRef r : named) named_in_segment_[r] = false;
    named_count_ -= named.size();
  };

  std::vector<SeriesRef> named;
  encode(&named);
  const uint64_t bytes = series_buf_.size() + samples_buf_.size() + 2 * kRecordHeaderSize;
  const uint64_t size = segments_->appended_size();
  if (size > kSegmentHeaderSize && size + bytes > options_.segment_size) {
    // Too big for this segment: start the next and encode again against its fresh state.
    core::Status rotated = Rotate();
    if (!rotated.ok()) {
      rotate_before_append_ = true;
      ++append_failures_;
      return rotated;
    }
    named.clear();
    encode(&named);
  }

  std::vector<Record> records;
  if (!series_buf_.empty()) records.push_back({RecordType::kSeries, series_buf_});
  records.push_back({key ? RecordType::kSamplesKey : RecordType::kSamplesDelta, samples_buf_});
  core::Status s = segments_->Append(records);
  if (!s.ok()) {
    // The codec moved on while the log did not: continue in a fresh segment.
    forget(named);
    rotate_before_append_ = true;
    ++append_failures_;
    return s;
  }
  samples_appended_ += samples.size();
  segment_samples_ += samples.size();
  samples_since_key_ = (key ? 0 : samples_since_key_) + samples.size();
  if (options_.fsync == FsyncPolicy::kAlways) return segments_->SyncAppended();
  return core::OkStatus();
}

core::Status Wal::Sync() { return segments_->Sync(); }

Position Wal::Oldest() const { return StartOf(segments_->oldest()); }

WalStats Wal::stats() const {
  const SegmentSetStats s = segments_->stats();
  WalStats out;
  out.segments = s.segments;
  out.bytes = s.bytes;
  out.samples_appended = samples_appended_;
  out.corruptions = s.corruptions;
  out.corrupted_bytes = s.corrupted_bytes;
  out.torn_tail_bytes = s.torn_tail_bytes;
  out.append_failures = append_failures_;
  out.cursor_resets = cursor_resets_;
  return out;
}

core::Result<Cursor*> Wal::OpenCursor(const std::string& name, CursorLimits limits) {
  {
    std::lock_guard lock(drop_mu_);
    limits_[name] = limits;
  }
  return OpenCursor(name);
}

core::Result<Cursor*> Wal::OpenCursor(const std::string& name) {
  std::lock_guard lock(drop_mu_);
  auto it = cursors_.find(name);
  if (it != cursors_.end()) return it->second.get();
  bool reset = false;
  std::unique_ptr<Cursor> c =
      Cursor::Open(*segments_, name, options_.dir + "/cursors/" + name, &reset);
  if (reset) ++cursor_resets_;
  Cursor* raw = c.get();
  cursors_[name] = std::move(c);
  return raw;
}

std::vector<const Cursor*> Wal::cursors() const {
  std::lock_guard lock(drop_mu_);
  std::vector<const Cursor*> out;
  for (const auto& [name, cursor] : cursors_) out.push_back(cursor.get());
  return out;
}

std::vector<std::string> Wal::SavedCursorNames() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.dir + "/cursors", ec)) {
    const std::string name = entry.path().filename().string();
    // A cursor being saved is written beside its file first, under a name with a dot.
    if (entry.is_regular_file(ec) && name.find('.') == std::string::npos) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

core::Status Wal::DeleteCursor(const std::string& name) {
  std::lock_guard lock(drop_mu_);
  cursors_.erase(name);
  limits_.erase(name);
  std::error_code ec;
  std::filesystem::remove(options_.dir + "/cursors/" + name, ec);
  if (ec) return core::ErrnoError(ec.value(), "delete WAL cursor " + name);
  return core::OkStatus();
}

void Wal::DropSegment(uint32_t index) {
  for (auto& [name, cursor] : cursors_) cursor->SkipSegment(index, "the log's size or age cap");
  segments_->Delete(index);
  max_time_.erase(index);
}

void Wal::EnforceSizeCap(uint64_t room) {
  for (;;) {
    const std::optional<uint32_t> oldest = segments_->OldestFinished();
    // Never the one being written.
    if (!oldest || segments_->stats().bytes + room <= options_.max_size) return;
    DropSegment(*oldest);
  }
}

std::map<uint32_t, int64_t> Wal::SegmentMaxTimes() {
  std::lock_guard lock(drop_mu_);
  std::map<uint32_t, int64_t> out;
  for (uint32_t index : segments_->Finished()) out[index] = MaxTime(index);
  return out;
}

int64_t Wal::MaxTime(uint32_t index) {
  auto it = max_time_.find(index);
  if (it != max_time_.end()) return it->second;
  int64_t max_t = INT64_MIN;
  auto reader = segments_->OpenReader(index, false);
  if (reader.ok()) {
    RecordType type;
    std::string payload;
    uint64_t offset = 0;
    while ((*reader)->Next(segments_->ReadableSize(index), &type, &payload, &offset)) {
      if (!IsSamples(type)) continue;
      auto h = PeekSamplesHeader(type, payload);
      if (h.ok()) max_t = std::max(max_t, h->max_t);
    }
  }
  max_time_[index] = max_t;
  return max_t;
}

void Wal::EnforceAgeCap() {
  if (options_.max_age.count() <= 0) return;
  const int64_t horizon = clock_.NowUnixMillis() - options_.max_age.count();
  for (;;) {
    const std::optional<uint32_t> oldest = segments_->OldestFinished();
    if (!oldest || MaxTime(*oldest) >= horizon) return;
    DropSegment(*oldest);
  }
}

uint32_t Wal::HeldByUnbounded() const {
  uint32_t held = segments_->writing().value_or(UINT32_MAX);
  for (const auto& [name, cursor] : cursors_) {
    if (limits_.count(name) == 0) held = std::min(held, cursor->committed().segment);
  }
  return held;
}

void Wal::EnforceCursorLimits() {
  const uint32_t held = HeldByUnbounded();
  const int64_t now = clock_.NowUnixMillis();
  for (const auto& [name, limits] : limits_) {
    auto it = cursors_.find(name);
    if (it == cursors_.end()) continue;
    Cursor& cursor = *it->second;
    for (;;) {
      const Position p = cursor.committed();
      if (p.segment >= held || !segments_->Contains(p.segment)) break;
      const bool too_big =
          limits.max_bytes > 0 && segments_->BytesFrom(p.segment, p.offset) > limits.max_bytes;
      const bool too_old =
          limits.max_age.count() > 0 && MaxTime(p.segment) < now - limits.max_age.count();
      if (!too_big && !too_old) break;
      cursor.SkipSegment(p.segment, too_big ? "wal_max_size" : "wal_max_age");
    }
  }
}

void Wal::ShedBounded(uint64_t bytes) {
  std::lock_guard lock(drop_mu_);
  const uint32_t held = HeldByUnbounded();
  uint64_t freed = 0;
  for (uint32_t index : segments_->Finished()) {
    if (freed >= bytes || index >= held) break;
    for (const auto& [name, limits] : limits_) {
      auto it = cursors_.find(name);
      if (it != cursors_.end() && it->second->committed().segment <= index)
        it->second->SkipSegment(index, "the disk is short of room");
    }
    freed += segments_->ReadableSize(index);
  }
}

void Wal::DeleteOldSegments() {
  std::lock_guard lock(drop_mu_);
  EnforceCursorLimits();
  uint32_t keep_from = segments_->writing().value_or(UINT32_MAX);
  for (const auto& [name, cursor] : cursors_)
    keep_from = std::min(keep_from, cursor->committed().segment);
  for (;;) {
    const std::optional<uint32_t> oldest = segments_->OldestFinished();
    if (!oldest || *oldest >= keep_from) break;
    DropSegment(*oldest);  // every cursor has passed it: nothing is counted
  }
  EnforceAgeCap();
  EnforceSizeCap(0);
}

}  // namespace vigil::wal
