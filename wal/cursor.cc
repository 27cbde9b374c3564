#include "wal/cursor.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "core/crc32c.h"
#include "core/fs.h"
#include "core/log.h"

namespace vigil::wal {

std::unique_ptr<Cursor> Cursor::Open(SegmentSet& segments, std::string name, std::string path,
                                     bool* reset) {
  std::unique_ptr<Cursor> c(new Cursor(segments, std::move(name), std::move(path)));
  *reset = !c->LoadCommitted();
  // What comes before the committed position was dealt with before this process started.
  c->counted_ = {c->committed_.segment, c->committed_.offset, 0};
  return c;
}

void Cursor::ResetTo(Position p) {
  read_ = p;
  positioned_ = false;
  reader_.reset();
}

bool Cursor::LoadCommitted() {
  const Position oldest = StartOf(segments_.oldest());
  std::ifstream in(path_);
  if (!in) {
    core::LogInfo("new WAL cursor starts at the oldest data", {{"destination", name_}});
    committed_ = oldest;
    ResetTo(committed_);
    return true;
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
  bool usable = false;
  if (!good) {
    core::LogWarn("unreadable WAL cursor: starting at the oldest data",
                  {{"destination", name_}, {"path", path_}});
  } else if (p.segment < oldest.segment) {
    core::LogWarn(
        "WAL cursor points before the oldest data (removed by a cap): starting at the oldest",
        {{"destination", name_}, {"segment", SegmentName(p.segment)}});
  } else if (!segments_.Contains(p.segment) || p.offset > segments_.ReadableSize(p.segment) ||
             p.offset < kSegmentHeaderSize) {
    core::LogWarn(
        "WAL cursor points past the log: starting at the oldest data",
        {{"destination", name_}, {"segment", SegmentName(p.segment)}, {"offset", p.offset}});
  } else {
    usable = true;
  }
  committed_ = usable ? p : oldest;
  ResetTo(committed_);
  return usable;
}

Position Cursor::read_position() const {
  std::lock_guard lock(mu_);
  return read_;
}

Position Cursor::committed() const {
  std::lock_guard lock(mu_);
  return committed_;
}

uint64_t Cursor::dropped_samples() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

uint64_t Cursor::damaged_samples() const {
  std::lock_guard lock(mu_);
  return damaged_;
}

void Cursor::MarkAcknowledged(Position position) {
  std::lock_guard lock(mu_);
  if (committed_ < position) committed_ = position;
}

core::Status Cursor::Persist() {
  const Position position = committed();
  char body[96];
  std::snprintf(body, sizeof body, "v1 %u %llu %llu", position.segment,
                static_cast<unsigned long long>(position.offset),
                static_cast<unsigned long long>(position.skip));
  char line[128];
  std::snprintf(line, sizeof line, "%s %08x\n", body, core::crc32c::Value(body));
  return core::WriteFileAtomic(path_, line).WithContext("write cursor");
}

void Cursor::Rewind() {
  std::lock_guard lock(mu_);
  ResetTo(committed_);
}

uint64_t Cursor::lag_bytes() const {
  std::lock_guard lock(mu_);
  return segments_.BytesFrom(read_.segment, read_.offset);
}

void Cursor::SkipSegment(uint32_t index, std::string_view why) {
  std::lock_guard lock(mu_);
  if (committed_.segment > index) return;
  // A cursor committed in a segment already gone lost nothing of it here.
  const uint64_t lost = CountFrom(committed_.segment == index ? committed_ : StartOf(index));
  if (lost > 0) {
    core::LogWarn("WAL bound reached: dropping unsent samples", {{"destination", name_},
                                                                 {"segment", SegmentName(index)},
                                                                 {"samples", lost},
                                                                 {"bound", why}});
  }
  dropped_ += lost;
  const Position next = StartOf(index + 1);
  committed_ = next;
  if (read_ < next) ResetTo(next);
}

uint64_t Cursor::CountFrom(Position p) {
  auto reader = segments_.OpenReader(p.segment, false);
  if (!reader.ok()) return 0;
  uint64_t count = 0;
  RecordType type;
  std::string payload;
  uint64_t offset = 0;
  while ((*reader)->Next(segments_.ReadableSize(p.segment), &type, &payload, &offset)) {
    if (!IsSamples(type) || offset < p.offset) continue;
    auto h = PeekSamplesHeader(type, payload);
    if (!h.ok()) continue;
    count += offset == p.offset ? h->count - std::min(h->count, p.skip) : h->count;
  }
  return count;
}

bool Cursor::FirstTimeAt(uint64_t offset) {
  const Position at{reader_segment_, offset, 0};
  if (at < counted_) return false;
  counted_ = {reader_segment_, offset + 1, 0};
  return true;
}

void Cursor::OnDamage(const Corruption& c) {
  if (!FirstTimeAt(c.offset)) return;
  segments_.ReportDamage(
      {c.offset, c.bytes, "segment " + SegmentName(reader_segment_) + ": " + c.reason});
}

void Cursor::Apply(RecordType type, uint64_t offset, std::vector<RefSample>* out) {
  if (reader_->skipped_damage()) decoder_->Lost();
  const SegmentDecoder::Outcome outcome = decoder_->Apply(type, payload_, out);
  if (!FirstTimeAt(offset)) return;
  damaged_ += outcome.dropped;
  if (!outcome.damage.empty()) {
    segments_.ReportDamage({offset, kRecordHeaderSize + payload_.size(),
                            "segment " + SegmentName(reader_segment_) + ": " + outcome.damage});
  }
}

core::Status Cursor::Seek(Position target) {
  reader_.reset();
  decoder_ = std::make_unique<SegmentDecoder>();
  record_.clear();
  record_skip_ = 0;
  pending_skip_ = 0;
  reader_segment_ = target.segment;
  VIGIL_ASSIGN_OR_RETURN(
      reader_, segments_.OpenReader(target.segment, [this](const Corruption& c) { OnDamage(c); }));
  const uint64_t limit = segments_.ReadableSize(target.segment);
  // Replays the segment up to the target: series give refs their labels, samples move the
  // decoder's per-ref values along. The record at the target is left for Read.
  RecordType type;
  uint64_t offset = 0;
  std::vector<RefSample> scratch;
  while (reader_->Next(limit, &type, &payload_, &offset)) {
    if (offset >= target.offset) {
      // Read meets this record again, without the damage before it: say it now.
      if (reader_->skipped_damage()) decoder_->Lost();
      reader_->Seek(offset);
      if (offset == target.offset) pending_skip_ = target.skip;
      break;
    }
    scratch.clear();
    Apply(type, offset, &scratch);
  }
  read_ = {target.segment, reader_->position(), pending_skip_};
  positioned_ = true;
  return core::OkStatus();
}

core::Status Cursor::Read(size_t max, std::vector<Sample>* out) {
  std::lock_guard lock(mu_);
  if (!positioned_) {
    if (!segments_.Contains(read_.segment)) read_ = StartOf(segments_.oldest());
    if (!SeekReadable(read_)) return core::OkStatus();
  }
  while (out->size() < max) {
    if (record_skip_ < record_.size()) {
      const RefSample& s = record_[record_skip_++];
      // The decoder hands out named refs only.
      out->push_back({decoder_->labels(s.ref), s.timestamp_ms, s.value});
      read_ = record_skip_ < record_.size()
                  ? Position{reader_segment_, record_offset_, record_skip_}
                  : Position{reader_segment_, record_next_, 0};
      continue;
    }
    RecordType type;
    uint64_t offset = 0;
    const uint64_t limit = segments_.ReadableSize(reader_segment_);
    if (reader_->Next(limit, &type, &payload_, &offset)) {
      read_ = {reader_segment_, reader_->position(), 0};
      record_.clear();
      Apply(type, offset, &record_);
      if (!IsSamples(type)) continue;
      record_offset_ = offset;
      record_next_ = reader_->position();
      record_skip_ = std::min<uint64_t>(std::exchange(pending_skip_, 0), record_.size());
      continue;
    }
    // The end of this segment. Go on to the next one if it is finished, unless samples already
    // handed out point at this segment's labels (they are freed when the segment changes).
    if (!out->empty()) break;
    const std::optional<uint32_t> next = segments_.NextAfterFinished(reader_segment_);
    if (!next) break;
    // Records appended between the read above and the segment's finishing come first.
    if (segments_.ReadableSize(reader_segment_) != limit) continue;
    if (reader_->torn_tail()) {
      OnDamage({reader_->position(), limit - reader_->position(),
                "damaged records at the end of a finished segment"});
    }
    read_ = StartOf(*next);
    if (!SeekReadable(read_)) break;
  }
  return core::OkStatus();
}

bool Cursor::SeekReadable(Position target) {
  for (;;) {
    core::Status s = Seek(target);
    if (s.ok()) return true;
    // A segment whose header is damaged is lost as a whole; the ones after it are not. Seek
    // named it the open segment, so that reading it again is not reported again.
    if (FirstTimeAt(0)) {
      segments_.ReportDamage(
          {0, segments_.ReadableSize(target.segment),
           "segment " + SegmentName(target.segment) + " unreadable: " + s.message()});
    }
    const std::optional<uint32_t> next = segments_.NextAfterFinished(target.segment);
    positioned_ = false;
    reader_.reset();
    if (!next) return false;
    target = StartOf(*next);
    read_ = target;
  }
}

}  // namespace vigil::wal
