#pragma once
// The remote-read request (POST /api/v1/read): a protobuf ReadRequest (remote_read.proto)
// compressed with snappy's block format. Decoded by hand, as remote-write is; every problem is
// an InvalidArgument naming the query and the field, and nothing of a bad request is returned.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigil::remote {

inline constexpr std::string_view kReadVersionHeader = "X-Prometheus-Remote-Read-Version";

// ReadRequest.ResponseType's numbers.
enum class ReadResponseType : uint8_t { kSamples = 0, kStreamedXorChunks = 1 };

// LabelMatcher.Type's numbers.
enum class ReadMatchType : uint8_t {
  kEqual = 0,
  kNotEqual = 1,
  kRegexMatch = 2,
  kRegexNoMatch = 3
};

struct ReadMatcher {
  ReadMatchType type = ReadMatchType::kEqual;
  std::string name;
  std::string value;
};

struct ReadHints {
  int64_t step_ms = 0;
  std::string func;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::vector<std::string> grouping;
  bool by = false;
  int64_t range_ms = 0;
};

struct ReadQuery {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::vector<ReadMatcher> matchers;
  std::optional<ReadHints> hints;
};

struct ReadRequest {
  std::vector<ReadQuery> queries;
  // As sent, values this server does not know included: negotiation skips them.
  std::vector<uint64_t> accepted_response_types;
};

struct ReadRequestLimits {
  size_t max_uncompressed_bytes = 32u << 20;
  // Each query is a Select of its own; a request is answered as a whole.
  size_t max_queries = 256;
  size_t max_matchers_per_query = 256;
};

// Snappy, then ParseReadRequest.
core::Result<ReadRequest> DecodeReadRequest(std::string_view body, const ReadRequestLimits& limits);
// The uncompressed protobuf bytes.
core::Result<ReadRequest> ParseReadRequest(std::string_view raw, const ReadRequestLimits& limits);

// The first accepted type this server offers (both, in the client's order); SAMPLES when the
// client named none, InvalidArgument when it named only types unknown here.
core::Result<ReadResponseType> NegotiateResponseType(const std::vector<uint64_t>& accepted);

}  // namespace vigil::remote
