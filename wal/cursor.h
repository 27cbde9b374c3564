#pragma once
// A destination's reader of the log, and the position it has had acknowledged.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/labels.h"
#include "core/status.h"
#include "wal/codec.h"
#include "wal/position.h"
#include "wal/segment_decoder.h"
#include "wal/segment_set.h"

namespace vigil::wal {

// Read hands out samples from the read position; MarkAcknowledged and Persist keep the position
// the destination acknowledged. It sees the log only through its SegmentSet. Its methods take
// its lock (see Wal for the threads that call them); the labels it hands out are its own and
// last until its next Read, so one thread at a time reads.
//
// Damage never yields a wrong sample: what Read hands out is exactly what was appended, and
// what it cannot vouch for (lost records, and what depends on them: FORMAT.md) is dropped,
// counted in damaged_samples() and reported to the SegmentSet, once per cursor however often
// it reads the same bytes again (Rewind, a restart at the committed position).
class Cursor {
 public:
  struct Sample {
    const core::Labels* labels;  // valid until the next Read
    int64_t timestamp_ms;
    double value;
  };

  // The cursor `name`, resuming at the position saved in `path`, or at the oldest data when
  // there is none or it is unreadable or outside the log (logged; *reset says so).
  static std::unique_ptr<Cursor> Open(SegmentSet& segments, std::string name, std::string path,
                                      bool* reset);
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // Up to `max` samples from the read position; fewer (or none) when the log has no more yet.
  core::Status Read(size_t max, std::vector<Sample>* out);
  // Where the next Read starts.
  Position read_position() const;
  Position committed() const;
  // The destination acknowledged everything before `position` (a read_position() seen
  // earlier): segments before it may go. In memory only; Persist saves it.
  void MarkAcknowledged(Position position);
  // Saves the acknowledged position with write-then-rename, so a restart resumes there.
  core::Status Persist();
  // Both at once.
  core::Status Commit(Position position) {
    MarkAcknowledged(position);
    return Persist();
  }
  // Reads again from the committed position (after a failed send).
  void Rewind();
  // This cursor gives up segment `index` before it acknowledged it (`why`: a cap of the log
  // that deletes it, or this cursor's own limits): what was left of it counts as dropped, and
  // the cursor moves on to the next segment.
  void SkipSegment(uint32_t index, std::string_view why);

  const std::string& name() const { return name_; }
  // Samples the caps deleted before this cursor read them.
  uint64_t dropped_samples() const;
  // Samples this cursor dropped because the log was damaged: in damaged records (as far as
  // the records after them tell) and in intact ones that depend on those.
  uint64_t damaged_samples() const;
  // Bytes of log after the read position: what is pending for this destination.
  uint64_t lag_bytes() const;

 private:
  Cursor(SegmentSet& segments, std::string name, std::string path)
      : segments_(segments), name_(std::move(name)), path_(std::move(path)) {}
  // Returns false when the saved position could not be used.
  bool LoadCommitted();
  // Opens the target's segment and replays it up to the target.
  core::Status Seek(Position target);
  // Seek, and past segments that cannot be read at all (reported): false when none is left.
  bool SeekReadable(Position target);
  // Applies the record the reader just returned to the decoder; samples to *out.
  void Apply(RecordType type, uint64_t offset, std::vector<RefSample>* out);
  // Damage the reader skipped in the open segment.
  void OnDamage(const Corruption& c);
  // Has this cursor not counted what lies at `offset` of the open segment yet? Then it does.
  bool FirstTimeAt(uint64_t offset);
  void ResetTo(Position p);
  // Counts samples from position `p` to the end of its segment.
  uint64_t CountFrom(Position p);

  SegmentSet& segments_;
  const std::string name_;
  const std::string path_;

  // Guards everything below: the positions and the decoding state.
  mutable std::mutex mu_;
  Position committed_;
  Position read_;
  uint64_t dropped_ = 0;
  uint64_t damaged_ = 0;
  // Damage before this (its segment and offset) was counted and reported already.
  Position counted_;

  // Decoding state of the open segment.
  std::unique_ptr<SegmentReader> reader_;
  uint32_t reader_segment_ = 0;
  std::unique_ptr<SegmentDecoder> decoder_;
  std::vector<RefSample> record_;  // the record being handed out
  uint64_t record_offset_ = 0;
  uint64_t record_next_ = 0;   // offset after it
  uint64_t record_skip_ = 0;   // samples of it handed out
  uint64_t pending_skip_ = 0;  // for the next record decoded: samples already acknowledged
  bool positioned_ = false;
  std::string payload_;
};

}  // namespace vigil::wal
