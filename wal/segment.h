#pragma once
// Segment files: naming, and the framing of records in them (FORMAT.md, "Segment").
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/fs.h"
#include "core/status.h"
#include "wal/format.h"

namespace vigil::wal {

std::string SegmentName(uint32_t index);  // "00000042"
// The segments in `dir`, ascending; other files are ignored.
core::Result<std::vector<uint32_t>> ListSegments(const std::string& dir);

struct Record {
  RecordType type;
  std::string_view payload;
};

// Appends framed records to one segment file. Used by one thread at a time.
class SegmentWriter {
 public:
  // Creates a new segment (it must not exist) and writes its header.
  static core::Result<std::unique_ptr<SegmentWriter>> Create(const std::string& dir,
                                                             uint32_t index);
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Writes the records with one system call. On failure (ENOSPC, EIO, ...) the partial bytes
  // are cut off again, so the segment still ends at a record boundary.
  core::Status Append(std::span<const Record> records);
  // fdatasync. A thread that can race with the writer being closed syncs a dup of fd() instead.
  core::Status Sync();

  uint32_t index() const { return index_; }
  uint64_t size() const { return size_; }
  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }

 private:
  SegmentWriter(core::UniqueFd fd, uint32_t index, std::string path, uint64_t size)
      : fd_(std::move(fd)), index_(index), path_(std::move(path)), size_(size) {}
  core::UniqueFd fd_;
  uint32_t index_;
  std::string path_;
  uint64_t size_;
};

// Damage found while reading: the byte range dropped and why.
struct Corruption {
  uint64_t offset = 0;
  uint64_t bytes = 0;
  std::string reason;
};

// Reads the records of one segment in order, through a bounded buffer. Damage in the middle is
// reported to the callback and skipped; damage with no good record after it ends the segment
// (a torn tail: see torn_tail()). Reads segments of every version from kOldestReadableVersion.
class SegmentReader {
 public:
  using OnCorruption = std::function<void(const Corruption&)>;

  static core::Result<std::unique_ptr<SegmentReader>> Open(const std::string& dir, uint32_t index,
                                                           OnCorruption on_corruption);
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  // The next record that ends at or before `limit` (the bytes known to be written: the file
  // size for a finished segment). False at the end. The payload stays valid until the next
  // call. *offset is where the record starts.
  bool Next(uint64_t limit, RecordType* type, std::string* payload, uint64_t* offset);
  // After Next returned true: a damaged range was skipped (and reported) just before the
  // record, so records may be missing before it.
  bool skipped_damage() const { return skipped_; }
  // Continues at a record boundary found earlier.
  void Seek(uint64_t offset) { pos_ = offset; }
  uint64_t position() const { return pos_; }
  // After Next returned false: where the good data ends, when damage ran to the end.
  bool torn_tail() const { return torn_; }
  uint64_t file_size() const;
  // The segment header's version: which record types it may hold (format.h).
  uint8_t version() const { return version_; }

 private:
  SegmentReader(core::UniqueFd fd, OnCorruption on_corruption)
      : fd_(std::move(fd)), on_corruption_(std::move(on_corruption)) {}
  // Is a complete, good record at `at` (ending by `limit`)? Fills type and payload if so.
  enum class Probe { kGood, kIncomplete, kBad };
  Probe ProbeAt(uint64_t at, uint64_t limit, RecordType* type, std::string* payload,
                std::string* why);
  bool ReadAt(uint64_t at, size_t n, std::string* out);

  core::UniqueFd fd_;
  OnCorruption on_corruption_;
  uint64_t pos_ = kSegmentHeaderSize;
  uint8_t version_ = kFormatVersion;
  bool torn_ = false;
  bool skipped_ = false;
};

}  // namespace vigil::wal
