#pragma once
// An incremental HTTP/1.1 message parser with hard limits, fed bytes as they arrive. It
// refuses what a careful server must (RFC 9112): bare CR, whitespace before a header colon,
// folded headers, both Content-Length and Transfer-Encoding, conflicting lengths, bad chunk
// framing. Each refusal carries the status a server should answer with.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http_message.h"

namespace vigil::core {

struct HttpLimits {
  size_t max_header_bytes = 64 * 1024;  // start line, headers and trailers together
  size_t max_header_count = 100;
  size_t max_body_bytes = 32 * 1024 * 1024;
};

class HttpParser {
 public:
  enum class Kind { kRequest, kResponse };
  enum class State { kNeedMore, kComplete, kError };

  HttpParser(Kind kind, HttpLimits limits) : kind_(kind), limits_(limits) {}

  // Consumes bytes of one message; stops after the message is complete, leaving the rest
  // (a pipelined next request) unconsumed. *consumed says how many bytes were used.
  State Feed(std::string_view data, size_t* consumed);
  // For a response whose body runs to the end of the connection.
  State FeedEof();

  // Whether the start line and headers are in; with an unfinished body (Expect: 100-continue).
  bool headers_complete() const { return phase_ > Phase::kHeaders; }
  // The status to answer a refused request with (400, 413, 431, 501, 505) and why.
  int error_status() const { return error_status_; }
  const std::string& error() const { return error_; }
  // True once any byte of a message has arrived: the read timeout applies from then on.
  bool started() const { return started_; }

  HttpRequest& request() { return request_; }
  HttpResponse& response() { return response_; }
  // A response to HEAD, or to a request whose answer has no body.
  void ExpectNoBody() { no_body_ = true; }
  // Ready for the next message on the same connection.
  void Reset();

 private:
  enum class Phase {
    kStartLine,
    kHeaders,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkEnd,
    kTrailers,
    kUntilEof,
    kDone,
    kFailed
  };

  State Fail(int status, std::string why);
  // Appends bytes up to the end of a line to *line (CRLF dropped); false when more bytes are
  // needed or, with *ok false, when the line would pass `budget` bytes.
  bool TakeLine(std::string_view data, size_t* pos, size_t budget, std::string* line, bool* ok);
  State StartLine(std::string_view line);
  State HeaderLine(std::string_view line);
  State HeadersDone();
  State ChunkSizeLine(std::string_view line);

  Kind kind_;
  HttpLimits limits_;
  Phase phase_ = Phase::kStartLine;
  HttpRequest request_;
  HttpResponse response_;
  std::string line_;
  size_t header_bytes_ = 0;
  uint64_t remaining_ = 0;  // bytes left of the body or of the current chunk
  bool no_body_ = false;
  bool started_ = false;
  int error_status_ = 0;
  std::string error_;
};

}  // namespace vigil::core
