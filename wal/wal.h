#pragma once
// The write-ahead log: every sample goes here before any destination sees it. One writer
// appends batches; each destination reads through its own Cursor and commits what was
// acknowledged; segments go when every cursor has passed them, or, counted as dropped, when
// the size or age cap needs the room. A bounded cursor (CursorLimits) is moved past segments
// it holds for too long, so that it alone never keeps them.
#include <atomic>
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
#include "wal/cursor.h"
#include "wal/cursor_metrics.h"  // what a log's owner exposes of its cursors
#include "wal/position.h"
#include "wal/segment_set.h"

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
  // A key record (FORMAT.md) once the segment's series have appeared this many times each on
  // average since the last one: a damaged record costs a reader at most about this many
  // samples of each series (128: 32 minutes of 15 s collections). Counted in appearances, not
  // bytes, so that a key's cost (a few bytes a series) stays the same share of the log
  // whatever the number of series. 0: every record is a key.
  uint32_t key_every = 128;  // measured in FORMAT.md
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

// How far a bounded cursor may fall behind; 0: no bound of that kind.
// When it is past either, the log gives up the cursor's oldest finished segment for it: the
// samples it had not acknowledged there are counted in its dropped_samples(). Only segments
// that no unbounded cursor holds are given up, as giving up the others would free nothing.
struct CursorLimits {
  uint64_t max_bytes = 0;                // log after its committed position
  std::chrono::milliseconds max_age{0};  // newest sample of its oldest segment, before now
};

struct LabelsHash {
  size_t operator()(const core::Labels& l) const { return static_cast<size_t>(l.Hash()); }
};

// Threads. Wal and Cursor are safe to call from any thread; their users call:
//   - Ref, SetSeries, Append, Cut: one thread at a time: the agent's loop; the server's
//     workers (serialized by Storage's append lock, which its maintenance takes for Cut).
//   - Sync: a thread-pool thread, while appends go on; it waits for none.
//   - DeleteOldSegments, SegmentMaxTimes, stats: the agent's loop; the server's maintenance
//     worker, while workers append and forwarders read.
//   - a Cursor: its destination's thread: the loop for remote senders (the agent's, and the
//     server's forwarders, which read while workers append); replay, then maintenance, for
//     the server's "head" cursor. A thread that deletes a segment for a cap moves every cursor.
// Locks, always in this order: append_mu_ (the writer's state), drop_mu_ (the cursor list;
// one deletion at a time), a Cursor's lock, the SegmentSet's lock. A cursor takes only the
// last two, so a read waits for no append, only for a deletion that moves that cursor.
class Wal {
 public:
  // Opens or creates the log in options.dir, cutting off a torn tail, and starts a new segment.
  static core::Result<std::unique_ptr<Wal>> Open(WalOptions options, const core::Clock& clock);
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // The ref of a label set for this process's appends.
  SeriesRef Ref(const core::Labels& labels);
  // Forgets the label sets (and frees the refs) of series appended neither in the segment
  // being written nor in the one before, so that series that come and go (containers) do not
  // grow the writer's memory without end; a freed ref may name another series from then on,
  // which readers see as the segment's own naming. Call where no ref from Ref() is held yet
  // unappended (before resolving a batch); it does its work once per segment.
  void ForgetUnusedRefs();
  // Label sets the writer remembers (Ref's).
  size_t remembered_refs() const;
  // For an owner that numbers its series itself (the server's head): `ref` names `*labels`,
  // which the owner keeps alive while it appends with that ref. Do not mix with Ref().
  void SetSeries(SeriesRef ref, const core::Labels* labels);
  // Appends one batch (refs from Ref). On failure nothing of the batch is in the log and the
  // status says why (Unavailable for a full disk: try again later).
  core::Status Append(std::span<const RefSample> samples);
  // Makes what was appended durable.
  core::Status Sync();
  // Finishes the segment being written; the next append starts a new one, whose index this
  // returns. Everything appended before is in segments with smaller indexes.
  core::Result<uint32_t> Cut();
  // The newest sample timestamp of each finished segment, by index.
  std::map<uint32_t, int64_t> SegmentMaxTimes();

  // The cursor named `name` (a destination), resuming where it was committed. Unbounded: it
  // holds every segment it has not acknowledged, up to the log's own caps.
  core::Result<Cursor*> OpenCursor(const std::string& name);
  // A bounded cursor: `limits` say how far it may fall behind (the server's forwarding
  // destinations, whose backlog must not fill the disk that storage needs).
  core::Result<Cursor*> OpenCursor(const std::string& name, CursorLimits limits);
  // Gives bounded cursors up to their limits, deletes the segments every cursor has passed,
  // then those past the log's age and size caps (their unread samples counted as dropped by
  // the cursors that had not read them).
  void DeleteOldSegments();
  // For a disk short of room: gives up, for every bounded cursor, finished segments that no
  // unbounded cursor holds, oldest first, until the next DeleteOldSegments can free `bytes`
  // (or there are no more). Their unread samples are counted as dropped.
  void ShedBounded(uint64_t bytes);
  // Every cursor opened, by name.
  std::vector<const Cursor*> cursors() const;
  // The names of the cursors saved in the log's directory, opened or not: an owner that
  // keeps the cursors of destinations it no longer sends to opens these again at start.
  std::vector<std::string> SavedCursorNames() const;
  // Forgets cursor `name` and deletes its file, so that it no longer holds any segment. Its
  // reader must be gone. OK when there is no such cursor.
  core::Status DeleteCursor(const std::string& name);

  WalStats stats() const;
  const WalOptions& options() const { return options_; }
  // The oldest data, where a new or reset cursor starts.
  Position Oldest() const;

 private:
  Wal(WalOptions options, const core::Clock& clock, std::unique_ptr<SegmentSet> segments);
  // Finishes the segment being written, makes room for the next under the size cap and
  // starts it. Holds append_mu_.
  core::Status Rotate();
  // Ends the segment being written with its end record, once. Holds append_mu_.
  void WriteEnd();
  // The ones below run under drop_mu_.
  // Moves every cursor past segment `index`, then deletes it.
  void DropSegment(uint32_t index);
  // Deletes the oldest finished segments while the log plus `room` is over the size cap.
  void EnforceSizeCap(uint64_t room);
  void EnforceAgeCap();
  // Gives each bounded cursor up to its limits.
  void EnforceCursorLimits();
  // The oldest segment an unbounded cursor or the writer holds.
  uint32_t HeldByUnbounded() const;
  // The newest sample time in a finished segment, read once and remembered.
  int64_t MaxTime(uint32_t index);

  const WalOptions options_;
  const core::Clock& clock_;
  const std::unique_ptr<SegmentSet> segments_;

  // The writer's state.
  mutable std::mutex append_mu_;
  std::unordered_map<core::Labels, SeriesRef, LabelsHash> refs_;
  std::vector<const core::Labels*> labels_by_ref_;  // index: ref
  std::vector<bool> named_in_segment_;              // index: ref
  std::vector<bool> named_in_previous_;             // in the segment before this one
  std::vector<SeriesRef> free_refs_;                // forgotten, to give out again
  uint32_t forgot_in_segment_ = 0;                  // the segment ForgetUnusedRefs last ran in
  uint64_t named_count_ = 0;                        // refs named in this segment
  SampleCodec codec_;
  uint64_t segment_samples_ = 0;    // samples in this segment: the next record's sequence number
  uint64_t samples_since_key_ = 0;  // in this segment, from the last key record on
  bool end_written_ = false;        // this segment's end record, which only Rotate writes
  // After a failed append the codec state is not the log's; while a rotation has not finished,
  // the segment may end with its end record already.
  bool rotate_before_append_ = false;
  std::string series_buf_, samples_buf_;

  // Deleting a segment moves cursors and forgets its time: one deletion at a time, whole.
  mutable std::mutex drop_mu_;
  std::map<std::string, std::unique_ptr<Cursor>> cursors_;
  std::map<std::string, CursorLimits> limits_;  // of the bounded cursors, by name
  std::map<uint32_t, int64_t> max_time_;        // newest sample per finished segment, found lazily

  std::atomic<uint64_t> samples_appended_{0};
  std::atomic<uint64_t> append_failures_{0};
  std::atomic<uint64_t> cursor_resets_{0};
};

}  // namespace vigil::wal
