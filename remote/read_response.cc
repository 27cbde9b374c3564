#include "remote/read_response.h"

#include <algorithm>
#include <vector>

#include "core/coding.h"
#include "core/crc32c.h"
#include "remote/xor_chunk.h"

namespace vigil::remote {
namespace {

constexpr uint8_t kVarint = 0, kLengthDelimited = 2;
constexpr char Key(int field, uint8_t type) { return static_cast<char>((field << 3) | type); }
// Chunk.Encoding's XOR.
constexpr uint64_t kXorEncoding = 1;

size_t Int64FieldSize(int64_t v) {
  return v == 0 ? 0 : 1 + core::VarintLength(static_cast<uint64_t>(v));
}
size_t BytesFieldSize(size_t n) { return n == 0 ? 0 : 1 + core::VarintLength(n) + n; }
// A message field whose body is n bytes (written even when empty: it is an element of a list).
size_t MessageFieldSize(size_t n) { return 1 + core::VarintLength(n) + n; }

void PutInt64Field(std::string* out, int field, int64_t v) {
  if (v == 0) return;
  out->push_back(Key(field, kVarint));
  core::PutVarint(out, static_cast<uint64_t>(v));
}
void PutBytesField(std::string* out, int field, std::string_view bytes) {
  if (bytes.empty()) return;
  out->push_back(Key(field, kLengthDelimited));
  core::PutVarint(out, bytes.size());
  out->append(bytes);
}
void PutMessageHeader(std::string* out, int field, size_t size) {
  out->push_back(Key(field, kLengthDelimited));
  core::PutVarint(out, size);
}

size_t LabelSize(const core::Label& l) {
  return BytesFieldSize(l.name.size()) + BytesFieldSize(l.value.size());
}

struct XorChunk {
  int64_t min_time = 0;
  int64_t max_time = 0;
  std::string data;
  size_t Size() const {
    return Int64FieldSize(min_time) + Int64FieldSize(max_time) + 2 + BytesFieldSize(data.size());
  }
};

// ChunkedReadResponse{chunked_series: [{labels, chunks}], query_index}.
class SeriesFrame {
 public:
  SeriesFrame(const core::Labels& labels, int64_t query_index)
      : labels_(labels), query_index_(query_index) {
    for (const core::Label& l : labels) labels_size_ += MessageFieldSize(LabelSize(l));
    series_size_ = labels_size_;
  }
  bool empty() const { return chunks_.empty(); }
  // The message's size with `chunk` added.
  size_t SizeWith(const XorChunk& chunk) const {
    return MessageSize(series_size_ + MessageFieldSize(chunk.Size()));
  }
  void Add(XorChunk chunk) {
    series_size_ += MessageFieldSize(chunk.Size());
    chunks_.push_back(std::move(chunk));
  }
  // Appends the frame and empties the list of chunks.
  void Flush(std::string* out) {
    std::string message;
    message.reserve(MessageSize(series_size_));
    PutMessageHeader(&message, 1, series_size_);
    for (const core::Label& l : labels_) {
      PutMessageHeader(&message, 1, LabelSize(l));
      PutBytesField(&message, 1, l.name);
      PutBytesField(&message, 2, l.value);
    }
    for (const XorChunk& c : chunks_) {
      PutMessageHeader(&message, 2, c.Size());
      PutInt64Field(&message, 1, c.min_time);
      PutInt64Field(&message, 2, c.max_time);
      message.push_back(Key(3, kVarint));
      message.push_back(static_cast<char>(kXorEncoding));
      PutBytesField(&message, 4, c.data);
    }
    PutInt64Field(&message, 2, query_index_);
    AppendFrame(message, out);
    chunks_.clear();
    series_size_ = labels_size_;
  }

 private:
  size_t MessageSize(size_t series_size) const {
    return MessageFieldSize(series_size) + Int64FieldSize(query_index_);
  }
  const core::Labels& labels_;
  const int64_t query_index_;
  size_t labels_size_ = 0;
  size_t series_size_ = 0;
  std::vector<XorChunk> chunks_;
};

XorChunk MakeChunk(std::span<const core::Sample> samples) {
  return {samples.front().timestamp_ms, samples.back().timestamp_ms, EncodeXorChunk(samples)};
}

}  // namespace

void SamplesResponse::AddSeries(const core::Labels& labels, std::span<const core::Sample> samples) {
  AppendTimeSeries(1, labels, samples, &query_);
}

void SamplesResponse::EndQuery() {
  PutMessageHeader(&response_, 1, query_.size());
  response_.append(query_);
  query_.clear();
}

std::string SamplesResponse::Compress() const { return SnappyCompress(response_); }

void AppendFrame(std::string_view message, std::string* out) {
  core::PutVarint(out, message.size());
  const uint32_t crc = core::crc32c::Value(message);
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(crc >> shift));
  out->append(message);
}

core::Status AppendSeriesFrames(const core::Labels& labels, std::span<const core::Sample> samples,
                                int64_t query_index, size_t max_message_bytes, std::string* out) {
  SeriesFrame frame(labels, query_index);
  size_t next = 0;
  while (next < samples.size()) {
    size_t take = std::min(kXorChunkSamples, samples.size() - next);
    XorChunk chunk = MakeChunk(samples.subspan(next, take));
    while (frame.SizeWith(chunk) > max_message_bytes) {
      if (!frame.empty()) {
        frame.Flush(out);  // the chunk starts the next frame
      } else if (take > 1) {
        take = (take + 1) / 2;
        chunk = MakeChunk(samples.subspan(next, take));
      } else {
        return core::ResourceExhaustedError(
            "a frame of series " + labels.ToString() + " with one sample is larger than the " +
            std::to_string(max_message_bytes) + " bytes allowed per frame");
      }
    }
    frame.Add(std::move(chunk));
    next += take;
  }
  if (!frame.empty()) frame.Flush(out);
  return core::OkStatus();
}

core::Result<std::string_view> NextFrame(std::string_view* in, size_t max_message_bytes) {
  uint64_t size = 0;
  std::string_view rest = *in;
  if (!core::GetVarint(&rest, &size)) return core::InvalidArgumentError("frame: truncated size");
  if (size > max_message_bytes) {
    return core::InvalidArgumentError("frame: message of " + std::to_string(size) +
                                      " bytes, over the limit of " +
                                      std::to_string(max_message_bytes));
  }
  if (rest.size() < 4 + size) return core::InvalidArgumentError("frame: truncated");
  uint32_t crc = 0;
  for (int i = 0; i < 4; ++i) crc = (crc << 8) | static_cast<uint8_t>(rest[i]);
  const std::string_view message = rest.substr(4, size);
  if (core::crc32c::Value(message) != crc) {
    return core::InvalidArgumentError("frame: checksum does not match its message");
  }
  *in = rest.substr(4 + size);
  return message;
}

}  // namespace vigil::remote
