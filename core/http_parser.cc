#include "core/http_parser.h"

#include <algorithm>

#include "core/config_values.h"

namespace vigil::core {
namespace {

// RFC 9110 tchar.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

constexpr size_t kMaxChunkLineBytes = 1024;  // size, extensions and CRLF

bool HasControlBytes(std::string_view s, bool allow_tab) {
  return std::any_of(s.begin(), s.end(), [allow_tab](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7f;
  });
}

bool ParseVersion(std::string_view v, int* minor) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/") return false;
  if (v[5] != '1' || v[6] != '.' || (v[7] != '0' && v[7] != '1')) return false;
  *minor = v[7] - '0';
  return true;
}

}  // namespace

void HttpParser::Reset() {
  phase_ = Phase::kStartLine;
  request_ = HttpRequest();
  response_ = HttpResponse();
  line_.clear();
  header_bytes_ = 0;
  remaining_ = 0;
  no_body_ = false;
  started_ = false;
  error_status_ = 0;
  error_.clear();
}

HttpParser::State HttpParser::Fail(int status, std::string why) {
  phase_ = Phase::kFailed;
  error_status_ = status;
  error_ = std::move(why);
  return State::kError;
}

bool HttpParser::TakeLine(std::string_view data, size_t* pos, size_t budget, std::string* line,
                          bool* ok) {
  *ok = true;
  size_t nl = data.find('\n', *pos);
  size_t end = nl == std::string_view::npos ? data.size() : nl;
  size_t take = end - *pos;
  // The limit is checked before buffering, so a peer cannot make us hold more than it.
  if (line->size() + take + 1 > budget) {
    *ok = false;
    return false;
  }
  line->append(data.substr(*pos, take));
  *pos = nl == std::string_view::npos ? data.size() : nl + 1;
  if (nl == std::string_view::npos) return false;
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

HttpParser::State HttpParser::Feed(std::string_view data, size_t* consumed) {
  size_t pos = 0;
  if (!data.empty()) started_ = true;
  State state = State::kNeedMore;
  while (state == State::kNeedMore && pos < data.size()) {
    switch (phase_) {
      case Phase::kStartLine:
      case Phase::kHeaders:
      case Phase::kChunkSize:
      case Phase::kChunkEnd:
      case Phase::kTrailers: {
        // Start line, headers and trailers share one budget; chunk lines have their own.
        const bool header_section =
            phase_ == Phase::kStartLine || phase_ == Phase::kHeaders || phase_ == Phase::kTrailers;
        const size_t budget =
            header_section ? limits_.max_header_bytes - header_bytes_ : kMaxChunkLineBytes;
        bool ok = true;
        bool complete = TakeLine(data, &pos, budget, &line_, &ok);
        if (complete && header_section) header_bytes_ += line_.size() + 2;
        if (!complete) {
          if (!ok && header_section) {
            state = Fail(431, "header section larger than " +
                                  std::to_string(limits_.max_header_bytes) + " bytes");
          } else if (!ok) {
            state = Fail(400, "chunk size line too long");
          }
          break;
        }
        if (line_.find('\r') != std::string::npos) {
          state = Fail(400, "bare CR in header section");
          break;
        }
        std::string line = std::move(line_);
        line_.clear();
        if (phase_ == Phase::kStartLine) {
          if (line.empty() && kind_ == Kind::kRequest) break;  // RFC 9112 2.2: skip a leading CRLF
          state = StartLine(line);
        } else if (phase_ == Phase::kHeaders) {
          state = line.empty() ? HeadersDone() : HeaderLine(line);
        } else if (phase_ == Phase::kChunkSize) {
          state = ChunkSizeLine(line);
        } else if (phase_ == Phase::kChunkEnd) {
          if (!line.empty())
            state = Fail(400, "chunk data longer than its size");
          else
            phase_ = Phase::kChunkSize;
        } else {  // trailers: read and dropped, counted against the header limit
          if (line.empty()) {
            phase_ = Phase::kDone;
            state = State::kComplete;
          }
        }
        break;
      }
      case Phase::kBody:
      case Phase::kChunkData: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size() - pos));
        std::string& body = kind_ == Kind::kRequest ? request_.body : response_.body;
        body.append(data.substr(pos, take));
        pos += take;
        remaining_ -= take;
        if (remaining_ == 0) {
          if (phase_ == Phase::kChunkData) {
            phase_ = Phase::kChunkEnd;
          } else {
            phase_ = Phase::kDone;
            state = State::kComplete;
          }
        }
        break;
      }
      case Phase::kUntilEof: {
        std::string_view rest = data.substr(pos);
        if (response_.body.size() + rest.size() > limits_.max_body_bytes) {
          state =
              Fail(413, "body larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
          break;
        }
        response_.body.append(rest);
        pos = data.size();
        break;
      }
      case Phase::kDone:
        state = State::kComplete;
        break;
      case Phase::kFailed:
        state = State::kError;
        break;
    }
  }
  if (phase_ == Phase::kDone) state = State::kComplete;
  if (phase_ == Phase::kFailed) state = State::kError;
  *consumed = pos;
  return state;
}

HttpParser::State HttpParser::FeedEof() {
  if (phase_ == Phase::kUntilEof) {
    phase_ = Phase::kDone;
    return State::kComplete;
  }
  if (phase_ == Phase::kDone) return State::kComplete;
  if (phase_ == Phase::kFailed) return State::kError;
  return Fail(400, started_ ? "connection closed in the middle of a message"
                            : "connection closed before a message");
}

HttpParser::State HttpParser::StartLine(std::string_view line) {
  phase_ = Phase::kHeaders;
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return Fail(400, "malformed start line");
  std::string_view a = line.substr(0, sp1);
  std::string_view b = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view c = line.substr(sp2 + 1);
  if (kind_ == Kind::kRequest) {
    if (!IsToken(a)) return Fail(400, "malformed method");
    if (b.empty() || HasControlBytes(b, false) || c.find(' ') != std::string_view::npos) {
      return Fail(400, "malformed request target");
    }
    if (!ParseVersion(c, &request_.version_minor)) {
      if (c.substr(0, 5) == "HTTP/") return Fail(505, "unsupported HTTP version");
      return Fail(400, "malformed HTTP version");
    }
    request_.method = std::string(a);
    request_.target = std::string(b);
    return State::kNeedMore;
  }
  int minor = 0;
  if (!ParseVersion(a, &minor)) return Fail(400, "malformed HTTP version in status line");
  if (b.size() != 3 ||
      !std::all_of(b.begin(), b.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    return Fail(400, "malformed status code");
  }
  response_.status = (b[0] - '0') * 100 + (b[1] - '0') * 10 + (b[2] - '0');
  return State::kNeedMore;
}

HttpParser::State HttpParser::HeaderLine(std::string_view line) {
  if (line[0] == ' ' || line[0] == '\t') return Fail(400, "folded header lines are not allowed");
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return Fail(400, "header line without ':'");
  std::string_view name = line.substr(0, colon);
  if (!IsToken(name)) return Fail(400, "malformed header name");
  std::string_view value = TrimSpace(line.substr(colon + 1));
  if (HasControlBytes(value, true)) return Fail(400, "control byte in header value");
  HttpHeaders& headers = kind_ == Kind::kRequest ? request_.headers : response_.headers;
  if (headers.fields().size() >= limits_.max_header_count) {
    return Fail(431, "more than " + std::to_string(limits_.max_header_count) + " header fields");
  }
  headers.Add(std::string(name), std::string(value));
  return State::kNeedMore;
}

HttpParser::State HttpParser::HeadersDone() {
  const HttpHeaders& h = kind_ == Kind::kRequest ? request_.headers : response_.headers;
  bool has_te = h.Has("Transfer-Encoding");
  bool has_cl = h.Has("Content-Length");
  if (kind_ == Kind::kResponse && (no_body_ || response_.status / 100 == 1 ||
                                   response_.status == 204 || response_.status == 304)) {
    phase_ = Phase::kDone;
    return State::kComplete;
  }
  if (has_te) {
    // Both framings at once is how requests are smuggled past proxies (RFC 9112 6.1).
    if (has_cl) return Fail(400, "both Transfer-Encoding and Content-Length");
    std::string_view te = TrimSpace(h.Get("Transfer-Encoding"));
    if (!EqualsIgnoreCase(te, "chunked")) return Fail(501, "unsupported Transfer-Encoding");
    phase_ = Phase::kChunkSize;
    return State::kNeedMore;
  }
  if (has_cl) {
    std::string_view first;
    for (const auto& [n, v] : h.fields()) {
      if (!EqualsIgnoreCase(n, "Content-Length")) continue;
      if (first.empty())
        first = v;
      else if (v != first)
        return Fail(400, "conflicting Content-Length headers");
    }
    if (first.empty() || first.size() > 19 ||
        !std::all_of(first.begin(), first.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      return Fail(400, "malformed Content-Length");
    }
    uint64_t length = std::stoull(std::string(first));
    if (length > limits_.max_body_bytes) {
      return Fail(413, "body of " + std::to_string(length) + " bytes is larger than " +
                           std::to_string(limits_.max_body_bytes));
    }
    remaining_ = length;
    if (length == 0) {
      phase_ = Phase::kDone;
      return State::kComplete;
    }
    phase_ = Phase::kBody;
    return State::kNeedMore;
  }
  if (kind_ == Kind::kResponse) {
    phase_ = Phase::kUntilEof;
    return State::kNeedMore;
  }
  phase_ = Phase::kDone;  // a request without framing has no body
  return State::kComplete;
}

HttpParser::State HttpParser::ChunkSizeLine(std::string_view line) {
  std::string_view size_text = TrimSpace(line.substr(0, line.find(';')));
  if (size_text.empty() || size_text.size() > 15) return Fail(400, "malformed chunk size");
  uint64_t size = 0;
  for (char c : size_text) {
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (d < 0) return Fail(400, "malformed chunk size");
    size = size * 16 + static_cast<uint64_t>(d);
  }
  const std::string& body = kind_ == Kind::kRequest ? request_.body : response_.body;
  if (body.size() + size > limits_.max_body_bytes) {
    return Fail(413, "body larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
  }
  if (size == 0) {
    phase_ = Phase::kTrailers;
    return State::kNeedMore;
  }
  remaining_ = size;
  phase_ = Phase::kChunkData;
  return State::kNeedMore;
}

}  // namespace vigil::core
