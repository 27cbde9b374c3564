#pragma once
// The write-ahead log: every sample goes here before any destination sees it. One writer
// appends batches; each destination reads through its own Cursor and commits what was
// acknowledged; segments go when every cursor has passed them, or, counted as dropped, when
// the size or age cap needs the room.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/labels.h"
#include "core/status.h"
#include "wal/codec.h"
#include "wal/segment.h"

namespace vigil::wal {

enum class FsyncPolicy {
  kInterval,  // the owner calls Sync() periodically (the agent: every second, off the loop)
  kAlways,    // Append returns after fdatasync
};

struct WalOptions {
  std::string dir;
  uint64_t segment_size = 16u << 20;
  uint64_t max_size = 1ull << 30;        // all segments together
  std::chrono::milliseconds max_age{0};  // 0: no age cap
  FsyncPolicy fsync = FsyncPolicy::kInterval;
};

// Where a reader is: the `skip`th sample of the record at `offset` in `segment`.
struct Position {
  uint32_t segment = 0;
  uint64_t offset = 0;
  uint64_t skip = 0;
  bool operator==(const Position&) const = default;
  bool operator<(const Position& o) const {
    return std::tie(segment, offset, skip) < std::tie(o.segment, o.offset, o.skip);
  }
};

struct WalStats {
  uint64_t segments = 0;
  uint64_t bytes = 0;
  uint64_t samples_appended = 0;
  uint64_t corruptions = 0;  // damaged ranges found by any reader
  uint64_t corrupted_bytes = 0;
  uint64_t torn_tail_bytes = 0;  // cut off at open
  uint64_t append_failures = 0;
  uint64_t cursor_resets = 0;  // cursor files unreadable or pointing outside the log
};

class Cursor;

struct LabelsHash {
  size_t operator()(const core::Labels& l) const { return static_cast<size_t>(l.Hash()); }
};

// Thread-safe: appends, cursors and collection take turns under one lock, so an owner may
// append on worker threads while its destinations read on the loop.
class Wal {
 public:
  // Opens or creates the log in options.dir, cutting off a torn tail, and starts a new segment.
  static core::Result<std::unique_ptr<Wal>> Open(WalOptions options, const core::Clock& clock);
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // The ref of a label set for this process's appends.
  SeriesRef Ref(const core::Labels& labels);
  // For an owner that numbers its series itself (the server's head): `ref` names `*labels`,
  // which the owner keeps alive while it appends with that ref. Do not mix with Ref().
  void SetSeries(SeriesRef ref, const core::Labels* labels);
  // Appends one batch (refs from Ref). On failure nothing of the batch is in the log and the
  // status says why (Unavailable for a full disk: try again later).
  core::Status Append(std::span<const RefSample> samples);
  // Makes what was appended durable. Thread-safe, also against Append.
  core::Status Sync();
  // Finishes the segment being written; the next append starts a new one, whose index this
  // returns. Everything appended before is in segments with smaller indexes.
  core::Result<uint32_t> Cut();
  // The newest sample timestamp of each finished segment, by index.
  std::map<uint32_t, int64_t> SegmentMaxTimes();

  // The cursor named `name` (a destination), resuming where it was committed.
  core::Result<Cursor*> OpenCursor(const std::string& name);
  // Deletes segments every cursor has passed, then enforces the size and age caps.
  void Collect();
  // Every cursor opened, by name.
  std::vector<const Cursor*> cursors() const;

  WalStats stats() const;
  const WalOptions& options() const { return options_; }
  // The oldest data, where a new or reset cursor starts.
  Position Oldest() const;

 private:
  friend class Cursor;
  Wal(WalOptions options, const core::Clock& clock);
  core::Status Rotate();
  void Corrupted(const Corruption& c);
  void CountCursorReset();
  // Bytes of segment `index` that readers may read: the file for finished segments, what
  // was appended for the one being written.
  uint64_t ReadableSize(uint32_t index) const;
  bool Exists(uint32_t index) const;
  void DropSegment(uint32_t index);
  // Deletes the oldest finished segments while the log plus `room` is over the size cap.
  void EnforceSizeCap(uint64_t room);
  void EnforceAgeCap();
  int64_t MaxTime(uint32_t index);
  uint64_t TotalBytes() const;
  std::string CursorPath(const std::string& name) const;

  WalOptions options_;
  const core::Clock& clock_;

  // One operation at a time: appends, cursor reads and commits, collection. Recursive because
  // public operations call each other (Cursor::Commit, Collect dropping segments).
  mutable std::recursive_mutex op_mu_;
  mutable std::mutex mu_;  // guards the writer state below against Sync and stats
  std::unique_ptr<SegmentWriter> writer_;
  std::map<uint32_t, uint64_t> segment_sizes_;  // every segment on disk
  WalStats stats_;

  // Writer state, used by the appending thread only.
  std::unordered_map<core::Labels, SeriesRef, LabelsHash> refs_;
  std::vector<const core::Labels*> labels_by_ref_;  // index: ref
  std::vector<bool> named_in_segment_;              // index: ref
  SampleCodec codec_;
  bool rotate_before_append_ = false;  // after a failed append the codec state is not the log's
  std::string series_buf_, samples_buf_;
  std::map<uint32_t, int64_t> max_time_;  // newest sample per finished segment, found lazily

  std::map<std::string, std::unique_ptr<Cursor>> cursors_;
};

// One destination's reader. Read hands out samples from the read position; Commit persists
// the position the destination acknowledged. Used on the thread that appends.
class Cursor {
 public:
  struct Sample {
    const core::Labels* labels;  // valid until the next Read
    int64_t timestamp_ms;
    double value;
  };

  // Up to `max` samples from the read position; fewer (or none) when the log has no more yet.
  core::Status Read(size_t max, std::vector<Sample>* out);
  // Where the next Read starts.
  Position read_position() const {
    std::lock_guard lock(wal_.op_mu_);
    return read_;
  }
  Position committed() const {
    std::lock_guard lock(wal_.op_mu_);
    return committed_;
  }
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

  const std::string& name() const { return name_; }
  // Samples the caps deleted before this cursor read them.
  uint64_t dropped_samples() const {
    std::lock_guard lock(wal_.op_mu_);
    return dropped_;
  }
  // Bytes of log after the read position: what is pending for this destination.
  uint64_t lag_bytes() const;

 private:
  friend class Wal;
  Cursor(Wal& wal, std::string name) : wal_(wal), name_(std::move(name)) {}
  core::Status LoadCommitted();
  // Opens the target's segment and replays it up to the target.
  core::Status Seek(Position target);
  // Seek, and past segments that cannot be read at all (reported): false when none is left.
  bool SeekReadable(Position target);
  void AddSeries(std::string_view payload);
  void ResetTo(Position p);
  // Counts samples from position `p` to the end of its segment.
  uint64_t CountFrom(Position p);

  Wal& wal_;
  std::string name_;
  Position committed_;
  Position read_;
  uint64_t dropped_ = 0;

  // Decoding state of the open segment.
  std::unique_ptr<SegmentReader> reader_;
  uint32_t reader_segment_ = 0;
  SampleCodec codec_;
  std::unordered_map<SeriesRef, core::Labels> series_;
  std::vector<RefSample> record_;  // the record being handed out
  uint64_t record_offset_ = 0;
  uint64_t record_next_ = 0;   // offset after it
  uint64_t record_skip_ = 0;   // samples of it handed out
  uint64_t pending_skip_ = 0;  // for the next record decoded: samples already acknowledged
  bool positioned_ = false;
  std::string payload_;
};

}  // namespace vigil::wal
