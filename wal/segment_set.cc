#include "wal/segment_set.h"

#include <unistd.h>

#include <filesystem>

#include "core/fs.h"
#include "core/log.h"

namespace vigil::wal {

core::Result<std::unique_ptr<SegmentSet>> SegmentSet::Open(std::string dir) {
  std::unique_ptr<SegmentSet> set(new SegmentSet(std::move(dir)));
  VIGIL_ASSIGN_OR_RETURN(std::vector<uint32_t> segments, ListSegments(set->dir_));
  std::error_code ec;
  for (uint32_t index : segments)
    set->sizes_[index] = std::filesystem::file_size(set->PathOf(index), ec);
  if (!segments.empty()) VIGIL_RETURN_IF_ERROR(set->CutTornTail());
  return set;
}

core::Status SegmentSet::CutTornTail() {
  const uint32_t last = sizes_.rbegin()->first;
  const std::string path = PathOf(last);
  std::error_code ec;
  auto reader = OpenReader(last, true);
  if (!reader.ok()) {
    // A crash right after creating it can leave even the header short: nothing was in it.
    if (sizes_[last] < kSegmentHeaderSize) {
      core::LogWarn("removing a segment cut short before its header",
                    {{"segment", SegmentName(last)}, {"bytes", sizes_[last]}});
      std::filesystem::remove(path, ec);
      sizes_.erase(last);
    } else {
      ReportDamage({0, sizes_[last],
                    "segment " + SegmentName(last) + " unreadable: " + reader.status().message()});
    }
    return core::OkStatus();
  }
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
    std::filesystem::resize_file(path, good, ec);
    if (ec) return core::ErrnoError(ec.value(), "truncate torn segment " + SegmentName(last));
    torn_tail_bytes_ += size - good;
    sizes_[last] = good;
  }
  return core::OkStatus();
}

SegmentSet::~SegmentSet() {
  if (writer_) (void)writer_->Sync();
}

core::Status SegmentSet::FinishSegment() {
  if (!writer_) return core::OkStatus();
  VIGIL_RETURN_IF_ERROR(writer_->Sync());
  std::lock_guard lock(mu_);
  writer_.reset();
  return core::OkStatus();
}

core::Status SegmentSet::StartSegment(uint32_t index) {
  VIGIL_ASSIGN_OR_RETURN(auto writer, SegmentWriter::Create(dir_, index));
  std::lock_guard lock(mu_);
  sizes_[index] = writer->size();
  writer_ = std::move(writer);
  return core::OkStatus();
}

core::Status SegmentSet::Append(std::span<const Record> records) {
  VIGIL_RETURN_IF_ERROR(writer_->Append(records));
  std::lock_guard lock(mu_);
  sizes_[writer_->index()] = writer_->size();
  return core::OkStatus();
}

core::Status SegmentSet::SyncAppended() { return writer_->Sync(); }

core::Status SegmentSet::Sync() {
  core::UniqueFd fd;
  std::string path;
  {
    // Only the descriptor is taken under the lock: a slow fdatasync must not stall appends.
    std::lock_guard lock(mu_);
    if (!writer_) return core::OkStatus();
    fd = core::UniqueFd(::dup(writer_->fd()));
    path = writer_->path();
  }
  if (!fd.valid() || ::fdatasync(fd.get()) != 0) {
    const int err = errno;
    return core::ErrnoError(err, "sync " + path);
  }
  return core::OkStatus();
}

uint32_t SegmentSet::NextIndex() const {
  std::lock_guard lock(mu_);
  return sizes_.empty() ? 1 : sizes_.rbegin()->first + 1;
}

std::optional<uint32_t> SegmentSet::writing() const {
  std::lock_guard lock(mu_);
  if (!writer_) return std::nullopt;
  return writer_->index();
}

uint32_t SegmentSet::oldest() const {
  std::lock_guard lock(mu_);
  return sizes_.empty() ? 1 : sizes_.begin()->first;
}

std::optional<uint32_t> SegmentSet::OldestFinished() const {
  std::lock_guard lock(mu_);
  if (sizes_.empty()) return std::nullopt;
  const uint32_t oldest = sizes_.begin()->first;
  if (writer_ && oldest == writer_->index()) return std::nullopt;
  return oldest;
}

std::vector<uint32_t> SegmentSet::Finished() const {
  std::lock_guard lock(mu_);
  std::vector<uint32_t> out;
  for (const auto& [index, size] : sizes_) {
    if (!writer_ || index != writer_->index()) out.push_back(index);
  }
  return out;
}

std::optional<uint32_t> SegmentSet::NextAfterFinished(uint32_t index) const {
  std::lock_guard lock(mu_);
  // With none being written every segment is finished, as Finished() says.
  auto next = sizes_.upper_bound(index);
  if ((writer_ && index >= writer_->index()) || next == sizes_.end()) return std::nullopt;
  return next->first;
}

bool SegmentSet::Contains(uint32_t index) const {
  std::lock_guard lock(mu_);
  return sizes_.count(index) != 0;
}

uint64_t SegmentSet::ReadableSize(uint32_t index) const {
  std::lock_guard lock(mu_);
  auto it = sizes_.find(index);
  return it == sizes_.end() ? 0 : it->second;
}

uint64_t SegmentSet::BytesFrom(uint32_t segment, uint64_t offset) const {
  std::lock_guard lock(mu_);
  uint64_t bytes = 0;
  for (const auto& [index, size] : sizes_) {
    if (index > segment) bytes += size - kSegmentHeaderSize;
    if (index == segment && size > offset) bytes += size - offset;
  }
  return bytes;
}

core::Result<std::unique_ptr<SegmentReader>> SegmentSet::OpenReader(uint32_t index,
                                                                    bool report_damage) {
  SegmentReader::OnCorruption on_damage;
  if (report_damage) on_damage = [this](const Corruption& c) { ReportDamage(c); };
  return OpenReader(index, std::move(on_damage));
}

core::Result<std::unique_ptr<SegmentReader>> SegmentSet::OpenReader(
    uint32_t index, SegmentReader::OnCorruption on_damage) {
  return SegmentReader::Open(dir_, index, std::move(on_damage));
}

void SegmentSet::ReportDamage(const Corruption& c) {
  core::LogWarn("damaged WAL record skipped",
                {{"offset", c.offset}, {"bytes", c.bytes}, {"reason", c.reason}});
  std::lock_guard lock(mu_);
  ++corruptions_;
  corrupted_bytes_ += c.bytes;
}

void SegmentSet::Delete(uint32_t index) {
  std::error_code ec;
  std::filesystem::remove(PathOf(index), ec);
  std::lock_guard lock(mu_);
  sizes_.erase(index);
}

SegmentSetStats SegmentSet::stats() const {
  std::lock_guard lock(mu_);
  SegmentSetStats s;
  s.segments = sizes_.size();
  for (const auto& [index, size] : sizes_) s.bytes += size;
  s.corruptions = corruptions_;
  s.corrupted_bytes = corrupted_bytes_;
  s.torn_tail_bytes = torn_tail_bytes_;
  return s;
}

}  // namespace vigil::wal
