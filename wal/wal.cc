#include "wal/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crc32c.h"
#include "core/fs.h"
#include "core/log.h"

namespace vigil::wal {
namespace {

constexpr uint64_t kMinSegmentSize = 64 * 1024;

}  // namespace

Wal::Wal(WalOptions options, const core::Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

Wal::~Wal() {
  if (writer_) (void)writer_->Sync();
}

core::Result<std::unique_ptr<Wal>> Wal::Open(WalOptions options, const core::Clock& clock) {
  // The current segment grows to segment_size while the others stay under the cap, so a
  // segment is at most a quarter of the cap.
  options.segment_size =
      std::max(kMinSegmentSize, std::min(options.segment_size, options.max_size / 4));
  std::error_code ec;
  std::filesystem::create_directories(options.dir + "/cursors", ec);
  if (ec) return core::ErrnoError(ec.value(), "create WAL directory " + options.dir);
  std::unique_ptr<Wal> wal(new Wal(std::move(options), clock));
  const std::string& dir = wal->options_.dir;

  VIGIL_ASSIGN_OR_RETURN(std::vector<uint32_t> segments, ListSegments(dir));
  for (uint32_t index : segments) {
    wal->segment_sizes_[index] = std::filesystem::file_size(dir + "/" + SegmentName(index), ec);
  }
  if (!segments.empty()) {
    // The last segment is the only one a crash can leave torn: read it to its end.
    const uint32_t last = segments.back();
    Wal* w = wal.get();
    auto reader = SegmentReader::Open(dir, last, [w](const Corruption& c) { w->Corrupted(c); });
    if (!reader.ok()) {
      // A crash right after creating it can leave even the header short: nothing was in it.
      if (wal->segment_sizes_[last] < kSegmentHeaderSize) {
        core::LogWarn("removing a segment cut short before its header",
                      {{"segment", SegmentName(last)}, {"bytes", wal->segment_sizes_[last]}});
        std::filesystem::remove(dir + "/" + SegmentName(last), ec);
        wal->segment_sizes_.erase(last);
      } else {
        wal->Corrupted(
            {0, wal->segment_sizes_[last],
             "segment " + SegmentName(last) + " unreadable: " + reader.status().message()});
      }
    } else {
      RecordType type;
      std::string payload;
      uint64_t offset = 0;
      const uint64_t size = (*reader)->file_size();
      while ((*reader)->Next(size, &type, &payload, &offset)) {
      }
      if ((*reader)->torn_tail()) {
        const uint64_t good = (*reader)->position();
        core::LogWarn("cutting off the torn tail of the last segment",
                      {{"segment", SegmentName(last)}, {"offset", good}, {"bytes", size - good}});
        std::filesystem::resize_file(dir + "/" + SegmentName(last), good, ec);
        if (ec) return core::ErrnoError(ec.value(), "truncate torn segment " + SegmentName(last));
        wal->stats_.torn_tail_bytes += size - good;
        wal->segment_sizes_[last] = good;
      }
    }
  }
  VIGIL_RETURN_IF_ERROR(wal->Rotate());
  return wal;
}

void Wal::Corrupted(const Corruption& c) {
  core::LogWarn("damaged WAL record skipped",
                {{"offset", c.offset}, {"bytes", c.bytes}, {"reason", c.reason}});
  std::lock_guard lock(mu_);
  ++stats_.corruptions;
  stats_.corrupted_bytes += c.bytes;
}

uint64_t Wal::TotalBytes() const {
  uint64_t total = 0;
  for (const auto& [index, size] : segment_sizes_) total += size;
  return total;
}

core::Status Wal::Rotate() {
  uint32_t next = segment_sizes_.empty() ? 1 : segment_sizes_.rbegin()->first + 1;
  if (writer_) {
    VIGIL_RETURN_IF_ERROR(writer_->Sync());
    std::lock_guard lock(mu_);
    writer_.reset();
  }
  EnforceSizeCap(options_.segment_size);
  VIGIL_ASSIGN_OR_RETURN(auto writer, SegmentWriter::Create(options_.dir, next));
  {
    std::lock_guard lock(mu_);
    segment_sizes_[next] = writer->size();
    writer_ = std::move(writer);
  }
  (void)core::SyncDir(options_.dir);  // the new name survives a power loss with what is written to it
  codec_.Reset();
  std::fill(named_in_segment_.begin(), named_in_segment_.end(), false);
  rotate_before_append_ = false;
  return core::OkStatus();
}

SeriesRef Wal::Ref(const core::Labels& labels) {
  std::lock_guard op(op_mu_);
  if (labels_by_ref_.empty()) labels_by_ref_.push_back(nullptr);  // refs start at 1
  auto [it, inserted] = refs_.try_emplace(labels, labels_by_ref_.size());
  if (inserted) {
    labels_by_ref_.push_back(&it->first);
    named_in_segment_.resize(labels_by_ref_.size(), false);
  }
  return it->second;
}

void Wal::SetSeries(SeriesRef ref, const core::Labels* labels) {
  std::lock_guard op(op_mu_);
  if (labels_by_ref_.size() <= ref) labels_by_ref_.resize(ref + 1, nullptr);
  if (named_in_segment_.size() <= ref) named_in_segment_.resize(ref + 1, false);
  labels_by_ref_[ref] = labels;
  named_in_segment_[ref] = false;
}

core::Result<uint32_t> Wal::Cut() {
  std::lock_guard op(op_mu_);
  VIGIL_RETURN_IF_ERROR(Rotate());
  return writer_->index();
}

std::map<uint32_t, int64_t> Wal::SegmentMaxTimes() {
  std::lock_guard op(op_mu_);
  std::vector<uint32_t> finished;
  {
    std::lock_guard lock(mu_);
    for (const auto& [index, size] : segment_sizes_) {
      if (!writer_ || index != writer_->index()) finished.push_back(index);
    }
  }
  std::map<uint32_t, int64_t> out;
  for (uint32_t index : finished) out[index] = MaxTime(index);
  return out;
}

core::Status Wal::Append(std::span<const RefSample> samples) {
  std::lock_guard op(op_mu_);
  if (samples.empty()) return core::OkStatus();
  if (rotate_before_append_ || !writer_) VIGIL_RETURN_IF_ERROR(Rotate());
  if (named_in_segment_.size() < labels_by_ref_.size())
    named_in_segment_.resize(labels_by_ref_.size());

  auto encode = [&](std::vector<SeriesRef>* named) {
    series_buf_.clear();
    samples_buf_.clear();
    std::vector<std::pair<SeriesRef, const core::Labels*>> fresh;
    for (const RefSample& s : samples) {
      if (!named_in_segment_[s.ref]) {
        named_in_segment_[s.ref] = true;
        named->push_back(s.ref);
        fresh.emplace_back(s.ref, labels_by_ref_[s.ref]);
      }
    }
    if (!fresh.empty()) EncodeSeries(fresh, &series_buf_);
    codec_.Encode(samples, &samples_buf_);
  };
  auto forget = [this](const std::vector<SeriesRef>& named) {
    for (SeriesRef r : named) named_in_segment_[r] = false;
  };

  std::vector<SeriesRef> named;
  encode(&named);
  const uint64_t bytes = series_buf_.size() + samples_buf_.size() + 2 * kRecordHeaderSize;
  if (writer_->size() > kSegmentHeaderSize && writer_->size() + bytes > options_.segment_size) {
    // Too big for this segment: start the next and encode again against its fresh state.
    core::Status rotated = Rotate();
    if (!rotated.ok()) {
      rotate_before_append_ = true;
      std::lock_guard lock(mu_);
      ++stats_.append_failures;
      return rotated;
    }
    named.clear();
    encode(&named);
  }

  std::vector<Record> records;
  if (!series_buf_.empty()) records.push_back({RecordType::kSeries, series_buf_});
  records.push_back({RecordType::kSamples, samples_buf_});
  core::Status s = writer_->Append(records);
  std::lock_guard lock(mu_);
  if (!s.ok()) {
    // The codec moved on while the log did not: continue in a fresh segment.
    forget(named);
    rotate_before_append_ = true;
    ++stats_.append_failures;
    return s;
  }
  segment_sizes_[writer_->index()] = writer_->size();
  stats_.samples_appended += samples.size();
  if (options_.fsync == FsyncPolicy::kAlways) return writer_->Sync();
  return core::OkStatus();
}

core::Status Wal::Sync() {
  int fd;
  std::string path;
  {
    // Only the descriptor is taken under the lock: a slow fdatasync must not stall appends.
    std::lock_guard lock(mu_);
    if (!writer_) return core::OkStatus();
    fd = ::dup(writer_->fd());
    path = writer_->path();
  }
  if (fd < 0) return core::ErrnoError(errno, "sync " + path);
  int rc = ::fdatasync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return core::ErrnoError(err, "sync " + path);
  return core::OkStatus();
}

uint64_t Wal::ReadableSize(uint32_t index) const {
  std::lock_guard lock(mu_);
  auto it = segment_sizes_.find(index);
  return it == segment_sizes_.end() ? 0 : it->second;
}

bool Wal::Exists(uint32_t index) const {
  std::lock_guard lock(mu_);
  return segment_sizes_.count(index) != 0;
}

Position Wal::Oldest() const {
  std::lock_guard lock(mu_);
  uint32_t first = segment_sizes_.empty() ? 1 : segment_sizes_.begin()->first;
  return {first, kSegmentHeaderSize, 0};
}

WalStats Wal::stats() const {
  std::lock_guard lock(mu_);
  WalStats s = stats_;
  s.segments = segment_sizes_.size();
  s.bytes = TotalBytes();
  return s;
}

std::string Wal::CursorPath(const std::string& name) const {
  return options_.dir + "/cursors/" + name;
}

core::Result<Cursor*> Wal::OpenCursor(const std::string& name) {
  std::lock_guard op(op_mu_);
  auto it = cursors_.find(name);
  if (it != cursors_.end()) return it->second.get();
  std::unique_ptr<Cursor> c(new Cursor(*this, name));
  VIGIL_RETURN_IF_ERROR(c->LoadCommitted());
  Cursor* raw = c.get();
  cursors_[name] = std::move(c);
  return raw;
}

void Wal::CountCursorReset() {
  std::lock_guard lock(mu_);
  ++stats_.cursor_resets;
}

std::vector<const Cursor*> Wal::cursors() const {
  std::lock_guard op(op_mu_);
  std::vector<const Cursor*> out;
  for (const auto& [name, cursor] : cursors_) out.push_back(cursor.get());
  return out;
}

void Wal::DropSegment(uint32_t index) {
  const Position next{index + 1, kSegmentHeaderSize, 0};
  for (auto& [name, cursor] : cursors_) {
    if (cursor->committed_.segment > index) continue;
    const uint64_t lost = cursor->CountFrom(cursor->committed_);
    if (lost > 0) {
      core::LogWarn("WAL cap reached: dropping unsent samples",
                    {{"destination", name}, {"segment", SegmentName(index)}, {"samples", lost}});
    }
    cursor->dropped_ += lost;
    cursor->committed_ = next;
    if (cursor->read_ < next) cursor->ResetTo(next);
  }
  std::error_code ec;
  std::filesystem::remove(options_.dir + "/" + SegmentName(index), ec);
  std::lock_guard lock(mu_);
  segment_sizes_.erase(index);
  max_time_.erase(index);
}

void Wal::EnforceSizeCap(uint64_t room) {
  while (true) {
    uint32_t oldest;
    {
      std::lock_guard lock(mu_);
      if (segment_sizes_.empty() || TotalBytes() + room <= options_.max_size) return;
      oldest = segment_sizes_.begin()->first;
      if (writer_ && oldest == writer_->index()) return;  // never the one being written
    }
    DropSegment(oldest);
  }
}

int64_t Wal::MaxTime(uint32_t index) {
  auto it = max_time_.find(index);
  if (it != max_time_.end()) return it->second;
  int64_t max_t = INT64_MIN;
  auto reader = SegmentReader::Open(options_.dir, index, nullptr);
  if (reader.ok()) {
    RecordType type;
    std::string payload;
    uint64_t offset = 0;
    while ((*reader)->Next(ReadableSize(index), &type, &payload, &offset)) {
      if (type != RecordType::kSamples) continue;
      auto h = PeekSamplesHeader(payload);
      if (h.ok()) max_t = std::max(max_t, h->max_t);
    }
  }
  max_time_[index] = max_t;
  return max_t;
}

void Wal::EnforceAgeCap() {
  if (options_.max_age.count() <= 0) return;
  const int64_t horizon = clock_.NowUnixMillis() - options_.max_age.count();
  while (true) {
    uint32_t oldest;
    {
      std::lock_guard lock(mu_);
      if (segment_sizes_.empty()) return;
      oldest = segment_sizes_.begin()->first;
      if (writer_ && oldest == writer_->index()) return;
    }
    if (MaxTime(oldest) >= horizon) return;
    DropSegment(oldest);
  }
}

void Wal::Collect() {
  std::lock_guard op(op_mu_);
  uint32_t keep_from = writer_ ? writer_->index() : UINT32_MAX;
  for (const auto& [name, cursor] : cursors_)
    keep_from = std::min(keep_from, cursor->committed_.segment);
  while (true) {
    uint32_t oldest;
    {
      std::lock_guard lock(mu_);
      if (segment_sizes_.empty()) break;
      oldest = segment_sizes_.begin()->first;
      if (oldest >= keep_from || (writer_ && oldest == writer_->index())) break;
    }
    DropSegment(oldest);  // every cursor has passed it: nothing is counted
  }
  EnforceAgeCap();
  EnforceSizeCap(0);
}

// ---- Cursor ----

void Cursor::ResetTo(Position p) {
  read_ = p;
  positioned_ = false;
  reader_.reset();
}

core::Status Cursor::LoadCommitted() {
  const std::string path = wal_.CursorPath(name_);
  const Position oldest = wal_.Oldest();
  std::ifstream in(path);
  if (!in) {
    core::LogInfo("new WAL cursor starts at the oldest data", {{"destination", name_}});
    committed_ = oldest;
    ResetTo(committed_);
    return core::OkStatus();
  }
  std::string line;
  std::getline(in, line);
  size_t last_space = line.rfind(' ');
  std::istringstream fields(line);
  std::string version, crc_text;
  Position p;
  fields >> version >> p.segment >> p.offset >> p.skip >> crc_text;
  bool good = fields && version == "v1" && last_space != std::string::npos && crc_text == [&] {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x",
                  core::crc32c::Value(std::string_view(line).substr(0, last_space)));
    return std::string(buf);
  }();
  if (!good) {
    core::LogWarn("unreadable WAL cursor: starting at the oldest data",
                  {{"destination", name_}, {"path", path}});
    wal_.CountCursorReset();
    committed_ = oldest;
  } else if (p.segment < oldest.segment) {
    core::LogWarn(
        "WAL cursor points before the oldest data (removed by a cap): starting at the oldest",
        {{"destination", name_}, {"segment", SegmentName(p.segment)}});
    wal_.CountCursorReset();
    committed_ = oldest;
  } else if (!wal_.Exists(p.segment) || p.offset > wal_.ReadableSize(p.segment) ||
             p.offset < kSegmentHeaderSize) {
    core::LogWarn(
        "WAL cursor points past the log: starting at the oldest data",
        {{"destination", name_}, {"segment", SegmentName(p.segment)}, {"offset", p.offset}});
    wal_.CountCursorReset();
    committed_ = oldest;
  } else {
    committed_ = p;
  }
  ResetTo(committed_);
  return core::OkStatus();
}

void Cursor::MarkAcknowledged(Position position) {
  std::lock_guard op(wal_.op_mu_);
  if (committed_ < position) committed_ = position;
}

core::Status Cursor::Persist() {
  std::lock_guard op(wal_.op_mu_);
  const Position position = committed_;
  char body[96];
  std::snprintf(body, sizeof body, "v1 %u %llu %llu", position.segment,
                static_cast<unsigned long long>(position.offset),
                static_cast<unsigned long long>(position.skip));
  char line[128];
  std::snprintf(line, sizeof line, "%s %08x\n", body, core::crc32c::Value(body));
  return core::WriteFileAtomic(wal_.CursorPath(name_), line).WithContext("write cursor");
}

void Cursor::Rewind() {
  std::lock_guard op(wal_.op_mu_); ResetTo(committed_); }

uint64_t Cursor::lag_bytes() const {
  std::lock_guard op(wal_.op_mu_);
  std::lock_guard lock(wal_.mu_);
  uint64_t lag = 0;
  for (const auto& [index, size] : wal_.segment_sizes_) {
    if (index > read_.segment) lag += size - kSegmentHeaderSize;
    if (index == read_.segment && size > read_.offset) lag += size - read_.offset;
  }
  return lag;
}

uint64_t Cursor::CountFrom(Position p) {
  auto reader = SegmentReader::Open(wal_.options_.dir, p.segment, nullptr);
  if (!reader.ok()) return 0;
  uint64_t count = 0;
  RecordType type;
  std::string payload;
  uint64_t offset = 0;
  while ((*reader)->Next(wal_.ReadableSize(p.segment), &type, &payload, &offset)) {
    if (type != RecordType::kSamples || offset < p.offset) continue;
    auto h = PeekSamplesHeader(payload);
    if (!h.ok()) continue;
    count += offset == p.offset ? h->count - std::min(h->count, p.skip) : h->count;
  }
  return count;
}

void Cursor::AddSeries(std::string_view payload) {
  std::vector<std::pair<SeriesRef, core::Labels>> named;
  if (DecodeSeries(payload, &named).ok()) {
    for (auto& [ref, labels] : named) series_[ref] = std::move(labels);
  }
}

core::Status Cursor::Seek(Position target) {
  reader_.reset();
  codec_.Reset();
  series_.clear();
  record_.clear();
  record_skip_ = 0;
  pending_skip_ = 0;
  Wal* w = &wal_;
  VIGIL_ASSIGN_OR_RETURN(reader_,
                         SegmentReader::Open(wal_.options_.dir, target.segment,
                                             [w](const Corruption& c) { w->Corrupted(c); }));
  reader_segment_ = target.segment;
  const uint64_t limit = wal_.ReadableSize(target.segment);
  // Replays the segment up to the target: series give refs their labels, samples move the
  // codec's per-ref values along. The record at the target is left for Read.
  RecordType type;
  uint64_t offset = 0;
  std::vector<RefSample> scratch;
  while (reader_->Next(limit, &type, &payload_, &offset)) {
    if (offset >= target.offset) {
      reader_->Seek(offset);
      if (offset == target.offset) pending_skip_ = target.skip;
      break;
    }
    if (type == RecordType::kSeries) {
      AddSeries(payload_);
    } else {
      scratch.clear();
      (void)codec_.Decode(payload_, &scratch);
    }
  }
  read_ = {target.segment, reader_->position(), pending_skip_};
  positioned_ = true;
  return core::OkStatus();
}

core::Status Cursor::Read(size_t max, std::vector<Sample>* out) {
  std::lock_guard op(wal_.op_mu_);
  if (!positioned_) {
    if (!wal_.Exists(read_.segment)) read_ = wal_.Oldest();
    if (!SeekReadable(read_)) return core::OkStatus();
  }
  while (out->size() < max) {
    if (record_skip_ < record_.size()) {
      const RefSample& s = record_[record_skip_++];
      auto it = series_.find(s.ref);
      if (it != series_.end()) out->push_back({&it->second, s.timestamp_ms, s.value});
      read_ = record_skip_ < record_.size()
                  ? Position{reader_segment_, record_offset_, record_skip_}
                  : Position{reader_segment_, record_next_, 0};
      continue;
    }
    RecordType type;
    uint64_t offset = 0;
    if (reader_->Next(wal_.ReadableSize(reader_segment_), &type, &payload_, &offset)) {
      read_ = {reader_segment_, reader_->position(), 0};
      if (type == RecordType::kSeries) {
        AddSeries(payload_);
        continue;
      }
      record_.clear();
      if (!codec_.Decode(payload_, &record_).ok()) {
        wal_.Corrupted({offset, reader_->position() - offset, "undecodable samples record"});
        record_.clear();
      }
      record_offset_ = offset;
      record_next_ = reader_->position();
      record_skip_ = std::min<uint64_t>(std::exchange(pending_skip_, 0), record_.size());
      continue;
    }
    // The end of this segment. Go on to the next one if it is finished, unless samples already
    // handed out point at this segment's labels (they are freed when the segment changes).
    {
      std::lock_guard lock(wal_.mu_);
      const uint32_t writing = wal_.writer_ ? wal_.writer_->index() : 0;
      auto next = wal_.segment_sizes_.upper_bound(reader_segment_);
      if (reader_segment_ >= writing || next == wal_.segment_sizes_.end() || !out->empty()) break;
      read_ = {next->first, kSegmentHeaderSize, 0};
    }
    if (!SeekReadable(read_)) break;
  }
  return core::OkStatus();
}

bool Cursor::SeekReadable(Position target) {
  for (;;) {
    core::Status s = Seek(target);
    if (s.ok()) return true;
    // A segment whose header is damaged is lost as a whole; the ones after it are not.
    const uint64_t bytes = wal_.ReadableSize(target.segment);
    wal_.Corrupted(
        {0, bytes, "segment " + SegmentName(target.segment) + " unreadable: " + s.message()});
    std::lock_guard lock(wal_.mu_);
    const uint32_t writing = wal_.writer_ ? wal_.writer_->index() : 0;
    auto next = wal_.segment_sizes_.upper_bound(target.segment);
    positioned_ = false;
    reader_.reset();
    if (target.segment >= writing || next == wal_.segment_sizes_.end()) return false;
    target = {next->first, kSegmentHeaderSize, 0};
    read_ = target;
  }
}

}  // namespace vigil::wal
