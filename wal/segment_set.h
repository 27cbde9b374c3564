#pragma once
// The segments of one log directory: which exist, how many bytes of each readers may read, the
// one being written, and the damage readers found in them.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "wal/segment.h"

namespace vigil::wal {

struct SegmentSetStats {
  uint64_t segments = 0;
  uint64_t bytes = 0;
  uint64_t corruptions = 0;  // damaged ranges found by any reader
  uint64_t corrupted_bytes = 0;
  uint64_t torn_tail_bytes = 0;  // cut off at open
};

// Thread-safe. One thread at a time appends (StartSegment, Append, FinishSegment); any
// thread may read the list, sync, report damage and delete finished segments. The lock
// guards the list, which segment is being written and the counters, never I/O: files are
// read, written and synced outside it, and a reader never reads past the size the list gives
// it, so it never sees a record being written.
class SegmentSet {
 public:
  // Lists the segments in `dir` and cuts a torn tail off the last one, the only one a crash
  // can leave torn. No segment is being written until StartSegment.
  static core::Result<std::unique_ptr<SegmentSet>> Open(std::string dir);
  ~SegmentSet();  // syncs the segment being written
  SegmentSet(const SegmentSet&) = delete;
  SegmentSet& operator=(const SegmentSet&) = delete;

  // ---- The appending thread ----
  // Syncs and closes the segment being written, which becomes finished; on failure it stays
  // open.
  core::Status FinishSegment();
  // Creates segment `index` (past every other) and writes to it from now on.
  core::Status StartSegment(uint32_t index);
  // Appends to the segment being written (there must be one); see SegmentWriter::Append.
  core::Status Append(std::span<const Record> records);
  // fdatasync of what Append wrote.
  core::Status SyncAppended();
  // Bytes in the segment being written; 0 when none is.
  uint64_t appended_size() const { return writer_ ? writer_->size() : 0; }

  // ---- Any thread ----
  // fdatasync of the segment being written; waits for no append.
  core::Status Sync();
  // The index after the newest segment: the next one to start.
  uint32_t NextIndex() const;
  // The segment being written, if one is.
  std::optional<uint32_t> writing() const;
  // The oldest segment (1 when there is none).
  uint32_t oldest() const;
  // The oldest segment when it is not the one being written.
  std::optional<uint32_t> OldestFinished() const;
  // Every segment but the one being written, ascending.
  std::vector<uint32_t> Finished() const;
  // The segment after `index`, when `index` is finished and one comes after it.
  std::optional<uint32_t> NextAfterFinished(uint32_t index) const;
  bool Contains(uint32_t index) const;
  // Bytes of segment `index` readers may read: the file for a finished segment, what was
  // appended for the one being written; 0 for none.
  uint64_t ReadableSize(uint32_t index) const;
  // Bytes of record data from `offset` in `segment` to the end of the log.
  uint64_t BytesFrom(uint32_t segment, uint64_t offset) const;
  // A reader of segment `index`; with `report_damage`, damage it skips is counted and logged.
  core::Result<std::unique_ptr<SegmentReader>> OpenReader(uint32_t index, bool report_damage);
  // A reader of segment `index` whose damage goes to `on_damage` (which may ReportDamage).
  core::Result<std::unique_ptr<SegmentReader>> OpenReader(uint32_t index,
                                                          SegmentReader::OnCorruption on_damage);
  void ReportDamage(const Corruption& c);
  // Removes a finished segment's file and entry.
  void Delete(uint32_t index);
  SegmentSetStats stats() const;
  const std::string& dir() const { return dir_; }

 private:
  explicit SegmentSet(std::string dir) : dir_(std::move(dir)) {}
  core::Status CutTornTail();
  std::string PathOf(uint32_t index) const { return dir_ + "/" + SegmentName(index); }

  const std::string dir_;
  mutable std::mutex mu_;
  std::map<uint32_t, uint64_t> sizes_;     // every segment on disk; guarded by mu_
  std::unique_ptr<SegmentWriter> writer_;  // replaced under mu_, written to without it
  // Guarded by mu_ too.
  uint64_t corruptions_ = 0;
  uint64_t corrupted_bytes_ = 0;
  uint64_t torn_tail_bytes_ = 0;
};

}  // namespace vigil::wal
