#pragma once
// The two remote-read answers. SAMPLES: one ReadResponse, its protobuf snappy-compressed,
// Content-Type application/x-protobuf, Content-Encoding snappy. STREAMED_XOR_CHUNKS: frames
// of ChunkedReadResponse, each
//
//   frame := size:uvarint  crc:u32be  message      (crc: CRC-32C of the message alone)
//
// sent as they are made (chunked transfer encoding), one series a frame, a long series over
// several; no frame's message is longer than the server's limit.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/labels.h"
#include "core/status.h"
#include "remote/codec.h"

namespace vigil::remote {

inline constexpr std::string_view kStreamedContentType =
    "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";

// A ReadResponse, query by query: the series of a query, then EndQuery, for each query.
class SamplesResponse {
 public:
  // To the current query's result. Labels sorted; samples oldest first.
  void AddSeries(const core::Labels& labels, std::span<const core::Sample> samples);
  // Closes the current query's result (an empty one when it had no series).
  void EndQuery();
  // The protobuf bytes so far (uncompressed).
  size_t size() const { return response_.size() + query_.size(); }
  // Snappy-compressed: the body.
  std::string Compress() const;
  const std::string& raw() const { return response_; }

 private:
  std::string response_;
  std::string query_;  // the open QueryResult's series
};

// Cuts one series' samples (oldest first) into XOR chunks of up to kXorChunkSamples and the
// chunks into frames whose message is at most max_message_bytes, and appends the frames to
// *out. A chunk is made smaller when it alone does not fit; ResourceExhausted when the labels
// and one sample do not fit (the server's limit, not the client's mistake).
core::Status AppendSeriesFrames(const core::Labels& labels, std::span<const core::Sample> samples,
                                int64_t query_index, size_t max_message_bytes, std::string* out);

// One frame around a message.
void AppendFrame(std::string_view message, std::string* out);

// Reads the next frame from *in (consuming it): its message, or InvalidArgument for a
// truncated frame, a size over max_message_bytes or a checksum that does not match.
core::Result<std::string_view> NextFrame(std::string_view* in, size_t max_message_bytes);

}  // namespace vigil::remote
