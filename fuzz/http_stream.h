#pragma once
// Parses a byte stream as a connection's messages, fed in given pieces, and records what was
// parsed: the HTTP targets compare a stream fed whole with the same stream fed in pieces.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_parser.h"
#include "fuzz/fuzz_input.h"

namespace vigil::fuzz {

struct HttpOutcome {
  core::HttpParser::State state;
  int error_status = 0;
  std::string error;
  std::string method, target;
  int version_minor = 0;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool operator==(const HttpOutcome&) const = default;
};

// Small limits, so the fuzzer reaches them; a few messages of a pipelined stream at most.
inline std::vector<HttpOutcome> ParseStream(core::HttpParser::Kind kind, bool no_body,
                                            std::string_view data, Splitter* splitter) {
  using State = core::HttpParser::State;
  core::HttpParser parser(
      kind, {.max_header_bytes = 2048, .max_header_count = 16, .max_body_bytes = 64 * 1024});
  if (no_body) parser.ExpectNoBody();
  std::vector<HttpOutcome> out;
  auto record = [&](State state) {
    HttpOutcome o{.state = state};
    o.error_status = parser.error_status();
    o.error = parser.error();
    if (kind == core::HttpParser::Kind::kRequest) {
      const core::HttpRequest& r = parser.request();
      o.method = r.method;
      o.target = r.target;
      o.version_minor = r.version_minor;
      o.headers = r.headers.fields();
      o.body = r.body;
    } else {
      const core::HttpResponse& r = parser.response();
      o.status = r.status;
      o.headers = r.headers.fields();
      o.body = r.body;
    }
    out.push_back(std::move(o));
  };
  size_t pos = 0;
  while (pos < data.size() && out.size() < 8) {
    const size_t n =
        splitter == nullptr ? data.size() - pos : std::min(splitter->Next(), data.size() - pos);
    size_t consumed = 0;
    const State state = parser.Feed(data.substr(pos, n), &consumed);
    FUZZ_CHECK(consumed <= n);
    if (state == State::kNeedMore) {
      // A parser that wants more must have taken everything it was given.
      FUZZ_CHECK(consumed == n);
      pos += consumed;
      continue;
    }
    record(state);
    if (state == State::kError) return out;
    pos += consumed;
    parser.Reset();
    if (no_body) parser.ExpectNoBody();
  }
  if (out.size() < 8 && parser.started()) {
    // The connection ends: a response may be complete now (its body ran to the end).
    const State state =
        kind == core::HttpParser::Kind::kResponse ? parser.FeedEof() : State::kNeedMore;
    record(state);
  }
  return out;
}

// Feeds the stream whole and in pieces chosen by the input's first bytes; both must parse
// the same messages, refuse at the same message with the same status, or both want more.
inline void CheckSplitsAgree(core::HttpParser::Kind kind, const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint32_t seed = in.U32();
  const bool no_body = (seed & 1) != 0;
  const std::string_view stream = in.Rest();
  const std::vector<HttpOutcome> whole = ParseStream(kind, no_body, stream, nullptr);
  Splitter splitter(seed);
  const std::vector<HttpOutcome> pieces = ParseStream(kind, no_body, stream, &splitter);
  FUZZ_CHECK(whole == pieces);
}

}  // namespace vigil::fuzz
