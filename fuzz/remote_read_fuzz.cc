// Remote read's outside input and what answers it: the ReadRequest body (snappy, then the
// protobuf read by hand), Prometheus's XOR chunks and the frames of a streamed answer, all of
// which a remote-read client reads from a server it may not trust.
//   mode & 6 == 0 or 2: a request. Accepted, it stays within its limits, with matcher types
//     and response types the protocol knows to negotiate.
//   mode & 6 == 4: a chunk. Whatever decodes, encoded again and decoded, gives the same samples.
//   mode & 6 == 6: frames. Messages come back in bounds; the samples of the rest, framed for a
//     series, read back the same, no message over the limit.
#include <cstring>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "fuzz/same_samples.h"
#include "remote/codec.h"
#include "remote/read_request.h"
#include "remote/read_response.h"
#include "remote/xor_chunk.h"

namespace {

using vigil::core::Sample;
using vigil::fuzz::SameSamples;

void Request(std::string_view body, uint8_t mode) {
  using namespace vigil::remote;
  const ReadRequestLimits limits{.max_uncompressed_bytes = 1 << 20,
                                 .max_queries = 1u + (mode >> 4),
                                 .max_matchers_per_query = 4};
  auto request = DecodeReadRequest(body, limits);
  if (!request.ok()) return;
  FUZZ_CHECK(request->queries.size() <= limits.max_queries);
  for (const ReadQuery& q : request->queries) {
    FUZZ_CHECK(q.matchers.size() <= limits.max_matchers_per_query);
    for (const ReadMatcher& m : q.matchers) FUZZ_CHECK(m.type <= ReadMatchType::kRegexNoMatch);
  }
  auto type = NegotiateResponseType(request->accepted_response_types);
  if (request->accepted_response_types.empty()) FUZZ_CHECK(type.ok());
}

void Chunk(std::string_view bytes) {
  std::vector<Sample> samples;
  if (!vigil::remote::DecodeXorChunk(bytes, &samples).ok()) return;
  FUZZ_CHECK(bytes.size() >= 2);
  const size_t count =
      (size_t{static_cast<uint8_t>(bytes[0])} << 8) | static_cast<uint8_t>(bytes[1]);
  FUZZ_CHECK(samples.size() == count);
  if (samples.empty()) return;
  std::vector<Sample> again;
  FUZZ_CHECK(vigil::remote::DecodeXorChunk(vigil::remote::EncodeXorChunk(samples), &again).ok());
  FUZZ_CHECK(SameSamples(samples, again));
}

void Frames(vigil::fuzz::FuzzInput& in) {
  const size_t limit = 64 + in.Byte() * 16;
  std::string_view stream = in.Take(in.Byte() * 8);
  while (!stream.empty()) {
    const size_t before = stream.size();
    auto message = vigil::remote::NextFrame(&stream, limit);
    if (!message.ok()) break;
    FUZZ_CHECK(message->size() <= limit && stream.size() < before);
  }
  // The rest as samples (16 bytes each), made increasing, framed and read back.
  std::vector<Sample> samples;
  int64_t t = 0;
  for (std::string_view rest = in.Rest(); rest.size() >= 16; rest.remove_prefix(16)) {
    uint64_t step = 0;
    double v = 0;
    std::memcpy(&step, rest.data(), 8);
    std::memcpy(&v, rest.data() + 8, 8);
    t += 1 + static_cast<int64_t>(step % (uint64_t{1} << 40));
    samples.push_back({t, v});
  }
  const auto labels = vigil::core::Labels::FromLiteral({{"__name__", "fuzz"}});
  std::string body;
  if (!vigil::remote::AppendSeriesFrames(labels, samples, 0, limit, &body).ok()) return;
  std::string_view read = body;
  size_t frames = 0;
  while (!read.empty()) {
    auto message = vigil::remote::NextFrame(&read, limit);
    FUZZ_CHECK(message.ok());
    ++frames;
  }
  FUZZ_CHECK(samples.empty() == (frames == 0));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vigil::fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  switch (mode & 6) {
    case 4:
      Chunk(in.Rest());
      break;
    case 6:
      Frames(in);
      break;
    default:
      // Random bytes are rarely valid snappy: with bit 0 the protobuf itself is compressed here.
      Request((mode & 1) != 0 ? vigil::remote::SnappyCompress(in.Rest()) : std::string(in.Rest()),
              mode);
  }
  return 0;
}
