#include "wal/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "core/coding.h"
#include "core/crc32c.h"

namespace vigil::wal {
namespace {

std::string SegmentPath(const std::string& dir, uint32_t index) {
  return dir + "/" + SegmentName(index);
}

uint32_t RecordCrc(const char* length_and_type, std::string_view payload) {
  uint32_t crc = core::crc32c::Value(length_and_type, 5);
  return MaskCrc(core::crc32c::Extend(crc, payload.data(), payload.size()));
}

}  // namespace

std::string SegmentName(uint32_t index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08u", index);
  return buf;
}

core::Result<std::vector<uint32_t>> ListSegments(const std::string& dir) {
  std::vector<uint32_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() != 8 || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    out.push_back(static_cast<uint32_t>(std::stoul(name)));
  }
  if (ec) return core::ErrnoError(ec.value(), "list " + dir);
  std::sort(out.begin(), out.end());
  return out;
}

core::Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(const std::string& dir,
                                                                   uint32_t index) {
  std::string path = SegmentPath(dir, index);
  core::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    const int err = errno;
    return core::ErrnoError(err, "create segment " + path);
  }
  char header[kSegmentHeaderSize] = {};
  std::copy(kSegmentMagic.begin(), kSegmentMagic.end(), header);
  header[4] = static_cast<char>(kFormatVersion);
  core::Status written = core::WriteAll(fd.get(), std::string_view(header, sizeof header),
                                        "write segment header " + path);
  if (!written.ok()) {
    ::unlink(path.c_str());
    return written;
  }
  return std::unique_ptr<SegmentWriter>(
      new SegmentWriter(std::move(fd), index, std::move(path), sizeof header));
}

core::Status SegmentWriter::Append(std::span<const Record> records) {
  std::vector<char> headers(records.size() * kRecordHeaderSize);
  std::vector<std::string_view> parts;
  parts.reserve(records.size() * 2);
  size_t total = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    char* h = headers.data() + i * kRecordHeaderSize;
    core::EncodeFixed32(h + 4, static_cast<uint32_t>(r.payload.size()));
    h[8] = static_cast<char>(r.type);
    core::EncodeFixed32(h, RecordCrc(h + 4, r.payload));
    parts.emplace_back(h, kRecordHeaderSize);
    parts.push_back(r.payload);
    total += kRecordHeaderSize + r.payload.size();
  }
  core::Status written = core::WriteAll(fd_.get(), parts, "append to " + path_);
  if (!written.ok()) {
    // Cut the partial records off so the segment ends at a boundary; size_ still does.
    if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) == 0)
      ::lseek(fd_.get(), static_cast<off_t>(size_), SEEK_SET);
    return written;
  }
  size_ += total;
  return core::OkStatus();
}

core::Status SegmentWriter::Sync() {
  if (::fdatasync(fd_.get()) != 0) {
    const int err = errno;
    return core::ErrnoError(err, "sync " + path_);
  }
  return core::OkStatus();
}

core::Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(const std::string& dir,
                                                                 uint32_t index,
                                                                 OnCorruption on_corruption) {
  std::string path = SegmentPath(dir, index);
  core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    return core::ErrnoError(err, "open segment " + path);
  }
  std::unique_ptr<SegmentReader> r(new SegmentReader(std::move(fd), std::move(on_corruption)));
  std::string header;
  if (!r->ReadAt(0, kSegmentHeaderSize, &header) ||
      header.compare(0, kSegmentMagic.size(), kSegmentMagic) != 0) {
    return core::DataLossError("segment " + path + " has no valid header");
  }
  const auto version = static_cast<uint8_t>(header[4]);
  if (version < kOldestReadableVersion || version > kFormatVersion) {
    return core::DataLossError(
        "segment " + path + " has format version " + std::to_string(version) + ", not " +
        std::to_string(kOldestReadableVersion) + " to " + std::to_string(kFormatVersion));
  }
  r->version_ = version;
  return r;
}

uint64_t SegmentReader::file_size() const {
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

bool SegmentReader::ReadAt(uint64_t at, size_t n, std::string* out) {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd_.get(), out->data() + done, n - done, static_cast<off_t>(at + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    done += static_cast<size_t>(got);
  }
  return true;
}

SegmentReader::Probe SegmentReader::ProbeAt(uint64_t at, uint64_t limit, RecordType* type,
                                            std::string* payload, std::string* why) {
  if (at + kRecordHeaderSize > limit) {
    *why = "incomplete record header";
    return Probe::kIncomplete;
  }
  std::string header;
  if (!ReadAt(at, kRecordHeaderSize, &header)) {
    *why = "read error";
    return Probe::kIncomplete;
  }
  const uint32_t length = core::DecodeFixed32(header.data() + 4);
  const auto t = static_cast<uint8_t>(header[8]);
  if (!ValidRecordType(version_, t)) {
    *why = "unknown record type " + std::to_string(t);
    return Probe::kBad;
  }
  if (length > kMaxRecordPayload) {
    *why = "record length " + std::to_string(length) + " too large";
    return Probe::kBad;
  }
  if (at + kRecordHeaderSize + length > limit) {
    *why = "record runs past the end of the segment";
    return Probe::kIncomplete;
  }
  if (!ReadAt(at + kRecordHeaderSize, length, payload)) {
    *why = "read error";
    return Probe::kIncomplete;
  }
  if (RecordCrc(header.data() + 4, *payload) != core::DecodeFixed32(header.data())) {
    *why = "checksum mismatch";
    return Probe::kBad;
  }
  *type = static_cast<RecordType>(t);
  return Probe::kGood;
}

bool SegmentReader::Next(uint64_t limit, RecordType* type, std::string* payload, uint64_t* offset) {
  torn_ = false;
  skipped_ = false;
  if (pos_ >= limit) return false;
  std::string why;
  Probe p = ProbeAt(pos_, limit, type, payload, &why);
  if (p == Probe::kGood) {
    *offset = pos_;
    pos_ += kRecordHeaderSize + payload->size();
    return true;
  }
  // Damage at pos_: find the next good record. If there is none, the damage runs to the end.
  const uint64_t bad_start = pos_;
  for (uint64_t at = bad_start + 1; at + kRecordHeaderSize <= limit; ++at) {
    std::string ignored;
    if (ProbeAt(at, limit, type, payload, &ignored) == Probe::kGood) {
      if (on_corruption_) on_corruption_({bad_start, at - bad_start, why});
      skipped_ = true;
      *offset = at;
      pos_ = at + kRecordHeaderSize + payload->size();
      return true;
    }
  }
  torn_ = true;
  return false;
}

}  // namespace vigil::wal
