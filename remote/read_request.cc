#include "remote/read_request.h"

#include "remote/codec.h"
#include "remote/wire_reader.h"

namespace vigil::remote {
namespace {

using wire::kBytes;
using wire::kVarint;
using wire::WireReader;
using wire::WireType;
using wire::WireTypeError;

core::Status Malformed(const std::string& what) {
  return core::InvalidArgumentError("protobuf: cannot parse ReadRequest: " + what);
}

// The next field's key, or false at the end; a bad key is an error in *status.
bool NextField(WireReader& r, const char* message, uint32_t* field, WireType* type,
               core::Status* status) {
  if (r.done()) return false;
  if (!r.Key(field, type)) {
    *status = Malformed(std::string("bad key in ") + message);
    return false;
  }
  return true;
}

core::Status ReadInt64(WireReader& r, const char* message, uint32_t field, WireType type,
                       int64_t* out) {
  uint64_t v = 0;
  if (type != kVarint) return Malformed(WireTypeError(message, field, type));
  if (!r.Varint(&v)) return Malformed(std::string("truncated ") + message);
  *out = static_cast<int64_t>(v);  // int64's negative values are ten-byte varints
  return core::OkStatus();
}

core::Status ReadBytes(WireReader& r, const char* message, uint32_t field, WireType type,
                       std::string* out) {
  std::string_view bytes;
  if (type != kBytes) return Malformed(WireTypeError(message, field, type));
  if (!r.Bytes(&bytes)) return Malformed(std::string("truncated ") + message);
  out->assign(bytes);
  return core::OkStatus();
}

core::Status ParseMatcher(std::string_view bytes, ReadMatcher* out) {
  WireReader r(bytes);
  uint32_t field = 0;
  WireType type{};
  core::Status status;
  while (NextField(r, "LabelMatcher", &field, &type, &status)) {
    if (field == 1) {
      int64_t t = 0;
      VIGIL_RETURN_IF_ERROR(ReadInt64(r, "LabelMatcher", field, type, &t));
      if (t < 0 || t > static_cast<int64_t>(ReadMatchType::kRegexNoMatch)) {
        return core::InvalidArgumentError("unknown matcher type " + std::to_string(t) +
                                          " (0 to 3: =, !=, =~, !~)");
      }
      out->type = static_cast<ReadMatchType>(t);
    } else if (field == 2 || field == 3) {
      VIGIL_RETURN_IF_ERROR(
          ReadBytes(r, "LabelMatcher", field, type, field == 2 ? &out->name : &out->value));
    } else if (!r.Skip(field, type)) {
      return Malformed("truncated LabelMatcher");
    }
  }
  return status;
}

core::Status ParseHints(std::string_view bytes, ReadHints* out) {
  WireReader r(bytes);
  uint32_t field = 0;
  WireType type{};
  core::Status status;
  while (NextField(r, "ReadHints", &field, &type, &status)) {
    int64_t flag = 0;
    switch (field) {
      case 1:
        VIGIL_RETURN_IF_ERROR(ReadInt64(r, "ReadHints", field, type, &out->step_ms));
        break;
      case 2:
        VIGIL_RETURN_IF_ERROR(ReadBytes(r, "ReadHints", field, type, &out->func));
        break;
      case 3:
        VIGIL_RETURN_IF_ERROR(ReadInt64(r, "ReadHints", field, type, &out->start_ms));
        break;
      case 4:
        VIGIL_RETURN_IF_ERROR(ReadInt64(r, "ReadHints", field, type, &out->end_ms));
        break;
      case 5:
        VIGIL_RETURN_IF_ERROR(
            ReadBytes(r, "ReadHints", field, type, &out->grouping.emplace_back()));
        break;
      case 6:
        VIGIL_RETURN_IF_ERROR(ReadInt64(r, "ReadHints", field, type, &flag));
        out->by = flag != 0;
        break;
      case 7:
        VIGIL_RETURN_IF_ERROR(ReadInt64(r, "ReadHints", field, type, &out->range_ms));
        break;
      default:
        if (!r.Skip(field, type)) return Malformed("truncated ReadHints");
    }
  }
  return status;
}

core::Status ParseQuery(std::string_view bytes, const ReadRequestLimits& limits, ReadQuery* out) {
  WireReader r(bytes);
  uint32_t field = 0;
  WireType type{};
  core::Status status;
  while (NextField(r, "Query", &field, &type, &status)) {
    std::string message;
    switch (field) {
      case 1:
        VIGIL_RETURN_IF_ERROR(ReadInt64(r, "Query", field, type, &out->start_ms));
        break;
      case 2:
        VIGIL_RETURN_IF_ERROR(ReadInt64(r, "Query", field, type, &out->end_ms));
        break;
      case 3:
        if (out->matchers.size() >= limits.max_matchers_per_query) {
          return core::InvalidArgumentError("more than " +
                                            std::to_string(limits.max_matchers_per_query) +
                                            " matchers in a query");
        }
        VIGIL_RETURN_IF_ERROR(ReadBytes(r, "Query", field, type, &message));
        VIGIL_RETURN_IF_ERROR(ParseMatcher(message, &out->matchers.emplace_back()));
        break;
      case 4:
        VIGIL_RETURN_IF_ERROR(ReadBytes(r, "Query", field, type, &message));
        // A repeated message field's parts merge, as protobuf merges them.
        if (!out->hints) out->hints.emplace();
        VIGIL_RETURN_IF_ERROR(ParseHints(message, &*out->hints));
        break;
      default:
        if (!r.Skip(field, type)) return Malformed("truncated Query");
    }
  }
  return status;
}

// accepted_response_types: packed (what proto3 writers send) or one value per field.
core::Status ParseResponseTypes(WireReader& r, WireType type, std::vector<uint64_t>* out) {
  uint64_t v = 0;
  if (type == kVarint) {
    if (!r.Varint(&v)) return Malformed("truncated ReadRequest");
    out->push_back(v);
    return core::OkStatus();
  }
  std::string_view packed;
  if (type != kBytes) return Malformed(WireTypeError("ReadRequest", 2, type));
  if (!r.Bytes(&packed)) return Malformed("truncated ReadRequest");
  WireReader values(packed);
  while (!values.done()) {
    if (!values.Varint(&v)) return Malformed("truncated accepted_response_types");
    // Two types exist; a list longer than this is no client's.
    if (out->size() >= 64) return core::InvalidArgumentError("too many accepted_response_types");
    out->push_back(v);
  }
  return core::OkStatus();
}

}  // namespace

core::Result<ReadRequest> ParseReadRequest(std::string_view raw, const ReadRequestLimits& limits) {
  ReadRequest request;
  WireReader r(raw);
  uint32_t field = 0;
  WireType type{};
  core::Status status;
  while (NextField(r, "ReadRequest", &field, &type, &status)) {
    if (field == 1) {
      if (request.queries.size() >= limits.max_queries) {
        return core::InvalidArgumentError("more than " + std::to_string(limits.max_queries) +
                                          " queries in a request");
      }
      std::string_view bytes;
      if (type != kBytes) return Malformed(WireTypeError("ReadRequest", field, type));
      if (!r.Bytes(&bytes)) return Malformed("truncated ReadRequest");
      const size_t index = request.queries.size();
      core::Status s = ParseQuery(bytes, limits, &request.queries.emplace_back());
      if (!s.ok()) return s.WithContext("query " + std::to_string(index));
    } else if (field == 2) {
      VIGIL_RETURN_IF_ERROR(ParseResponseTypes(r, type, &request.accepted_response_types));
    } else if (!r.Skip(field, type)) {
      return Malformed("truncated ReadRequest");
    }
  }
  VIGIL_RETURN_IF_ERROR(status);
  return request;
}

core::Result<ReadRequest> DecodeReadRequest(std::string_view body,
                                            const ReadRequestLimits& limits) {
  std::string raw;
  VIGIL_RETURN_IF_ERROR(SnappyUncompress(body, limits.max_uncompressed_bytes, &raw));
  return ParseReadRequest(raw, limits);
}

core::Result<ReadResponseType> NegotiateResponseType(const std::vector<uint64_t>& accepted) {
  if (accepted.empty()) return ReadResponseType::kSamples;
  for (uint64_t t : accepted) {
    if (t == static_cast<uint64_t>(ReadResponseType::kSamples)) return ReadResponseType::kSamples;
    if (t == static_cast<uint64_t>(ReadResponseType::kStreamedXorChunks)) {
      return ReadResponseType::kStreamedXorChunks;
    }
  }
  return core::InvalidArgumentError(
      "none of the accepted_response_types is offered here (0 SAMPLES, 1 STREAMED_XOR_CHUNKS)");
}

}  // namespace vigil::remote
