// A remote-read client for the end-to-end test: builds the ReadRequest with protobuf's
// generated classes, posts it, and prints what came back one series a line, the same way
// for a SAMPLES answer and a streamed one, so two servers' answers compare with diff:
//
//   q0 {__name__="up", job="node"} 1700000000000:1 1700000015000:NaN(7ff0000000000002) ...
//
//   remote-read-client [--streamed] [--check-chunks] [--max-frame BYTES] [--bearer TOKEN] URL
//                      --query START_MS END_MS MATCHER... [--query ...]
//
// MATCHER is name=value, name!=value, name=~regex or name!~regex. A streamed answer's
// samples outside its query's range are left out, as Prometheus's own reader leaves them
// (Prometheus sends whole chunks that overlap the range). --check-chunks decodes every XOR
// chunk and encodes its samples again with Vigil's encoder: on stderr, how many chunks came
// and how many were the same bytes, and both forms of each that was not. --max-frame: a streamed
// frame's message larger than this is an error. Exit status 1 for an answer other than 200 or one
// that does not decode.
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/http_client.h"
#include "core/uv.h"
#include "remote/codec.h"
#include "remote/read_response.h"
#include "remote/remote_read.pb.h"
#include "remote/xor_chunk.h"

namespace {

namespace pb = vigil::remote::pb;

bool AddMatcher(pb::Query* q, const std::string& text) {
  struct Op {
    const char* text;
    pb::LabelMatcher::Type type;
  };
  // The two-character operators first: "a!=b" is not "a!" = "b".
  static const Op kOps[] = {{"=~", pb::LabelMatcher::RE},
                            {"!~", pb::LabelMatcher::NRE},
                            {"!=", pb::LabelMatcher::NEQ},
                            {"=", pb::LabelMatcher::EQ}};
  size_t best = std::string::npos;
  const Op* op = nullptr;
  for (const Op& o : kOps) {
    const size_t at = text.find(o.text);
    if (at != std::string::npos && (at < best || (at == best && std::strlen(o.text) > 1))) {
      best = at;
      op = &o;
    }
  }
  if (op == nullptr || best == 0) return false;
  pb::LabelMatcher* m = q->add_matchers();
  m->set_type(op->type);
  m->set_name(text.substr(0, best));
  m->set_value(text.substr(best + std::strlen(op->text)));
  return true;
}

std::string Value(double v) {
  char buf[64];
  if (v != v) {
    std::snprintf(buf, sizeof buf, "NaN(%016" PRIx64 ")", std::bit_cast<uint64_t>(v));
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", v);
  }
  return buf;
}

std::string Labels(const google::protobuf::RepeatedPtrField<pb::Label>& labels) {
  std::string out = "{";
  for (int i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels[i].name() + "=\"" + labels[i].value() + "\"";
  }
  return out + "}";
}

std::string Hex(std::string_view bytes) {
  std::string out;
  char b[3];
  for (unsigned char c : bytes) {
    std::snprintf(b, sizeof b, "%02x", c);
    out += b;
  }
  return out;
}

int Usage() {
  std::fprintf(stderr,
               "usage: remote-read-client [--streamed] [--check-chunks] [--max-frame BYTES] "
               "[--bearer TOKEN] URL "
               "--query START_MS END_MS MATCHER... [--query ...]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool streamed = false, check_chunks = false;
  // Prometheus's readers stop at 50 MB a frame.
  size_t max_frame = 50'000'000;
  std::string url_text, bearer;
  pb::ReadRequest request;
  pb::Query* query = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--streamed") {
      streamed = true;
    } else if (arg == "--check-chunks") {
      check_chunks = true;
    } else if (arg == "--max-frame" && i + 1 < argc) {
      max_frame = std::stoull(argv[++i]);
    } else if (arg == "--bearer" && i + 1 < argc) {
      bearer = argv[++i];
    } else if (arg == "--query" && i + 2 < argc) {
      query = request.add_queries();
      query->set_start_timestamp_ms(std::stoll(argv[++i]));
      query->set_end_timestamp_ms(std::stoll(argv[++i]));
      // What Prometheus 2.42's client sends beside them.
      query->mutable_hints()->set_start_ms(query->start_timestamp_ms());
      query->mutable_hints()->set_end_ms(query->end_timestamp_ms());
    } else if (query != nullptr) {
      if (!AddMatcher(query, arg)) return Usage();
    } else if (url_text.empty()) {
      url_text = arg;
    } else {
      return Usage();
    }
  }
  if (url_text.empty() || request.queries_size() == 0) return Usage();
  if (streamed) request.add_accepted_response_types(pb::ReadRequest::STREAMED_XOR_CHUNKS);
  request.add_accepted_response_types(pb::ReadRequest::SAMPLES);

  auto url = vigil::core::ParseUrl(url_text);
  if (!url.ok()) {
    std::fprintf(stderr, "%s\n", url.status().ToString().c_str());
    return 2;
  }
  vigil::core::HttpRequest http;
  http.method = "POST";
  http.headers.Set("Content-Type", "application/x-protobuf");
  http.headers.Set("Content-Encoding", "snappy");
  http.headers.Set("X-Prometheus-Remote-Read-Version", "0.1.0");
  if (!bearer.empty()) http.headers.Set("Authorization", "Bearer " + bearer);
  http.body = vigil::remote::SnappyCompress(request.SerializeAsString());
  std::optional<vigil::core::Result<vigil::core::HttpResponse>> got;
  {
    vigil::core::Loop loop;
    vigil::core::HttpClientOptions options;
    options.limits.max_body_bytes = size_t{1} << 30;
    vigil::core::HttpClient client(loop, options);
    client.Send(*url, std::move(http), [&](vigil::core::Result<vigil::core::HttpResponse> r) {
      got = std::move(r);
      loop.Stop();
    });
    loop.Run();
  }
  if (!got || !got->ok()) {
    std::fprintf(stderr, "no answer: %s\n", got ? got->status().ToString().c_str() : "");
    return 1;
  }
  const vigil::core::HttpResponse& response = got->value();
  if (response.status != 200) {
    std::fprintf(stderr, "HTTP %d: %s", response.status, response.body.c_str());
    return 1;
  }
  std::fprintf(stderr, "body: %zu bytes\n", response.body.size());
  std::fprintf(stderr, "Content-Type: %s\n",
               std::string(response.headers.Get("Content-Type")).c_str());

  if (response.headers.Get("Content-Type") != vigil::remote::kStreamedContentType) {
    std::string raw;
    if (!vigil::remote::SnappyUncompress(response.body, size_t{1} << 31, &raw).ok()) {
      std::fprintf(stderr, "the SAMPLES answer is not snappy\n");
      return 1;
    }
    pb::ReadResponse answer;
    if (!answer.ParseFromString(raw) || answer.results_size() != request.queries_size()) {
      std::fprintf(stderr, "the SAMPLES answer is not a ReadResponse of one result a query\n");
      return 1;
    }
    for (int q = 0; q < answer.results_size(); ++q) {
      for (const pb::TimeSeries& ts : answer.results(q).timeseries()) {
        std::string line = "q" + std::to_string(q) + " " + Labels(ts.labels());
        for (const pb::Sample& s : ts.samples()) {
          line += " " + std::to_string(s.timestamp()) + ":" + Value(s.value());
        }
        std::printf("%s\n", line.c_str());
      }
    }
    return 0;
  }

  // Streamed: a series may go on over several frames; it is printed when the next begins.
  std::string_view body = response.body;
  std::string current_key, line;
  size_t chunks = 0, same_bytes = 0;
  auto flush = [&] {
    if (!line.empty()) std::printf("%s\n", line.c_str());
    line.clear();
  };
  while (!body.empty()) {
    auto message = vigil::remote::NextFrame(&body, max_frame);
    if (!message.ok()) {
      std::fprintf(stderr, "%s\n", message.status().ToString().c_str());
      return 1;
    }
    pb::ChunkedReadResponse frame;
    if (!frame.ParseFromString(std::string(*message)) || frame.query_index() < 0 ||
        frame.query_index() >= request.queries_size()) {
      std::fprintf(stderr, "a frame is not a ChunkedReadResponse of a query sent\n");
      return 1;
    }
    const pb::Query& q = request.queries(static_cast<int>(frame.query_index()));
    for (const pb::ChunkedSeries& series : frame.chunked_series()) {
      const std::string key =
          "q" + std::to_string(frame.query_index()) + " " + Labels(series.labels());
      if (key != current_key) {
        flush();
        current_key = key;
        line = key;
      }
      for (const pb::Chunk& chunk : series.chunks()) {
        std::vector<vigil::core::Sample> samples;
        if (chunk.type() != pb::Chunk::XOR ||
            !vigil::remote::DecodeXorChunk(chunk.data(), &samples).ok()) {
          std::fprintf(stderr, "a chunk of %s is not XOR or does not decode\n", key.c_str());
          return 1;
        }
        ++chunks;
        const std::string ours = vigil::remote::EncodeXorChunk(samples);
        if (ours == chunk.data()) {
          ++same_bytes;
        } else if (check_chunks) {
          size_t at = 0;
          while (at < ours.size() && at < chunk.data().size() && ours[at] == chunk.data()[at]) ++at;
          std::fprintf(stderr,
                       "chunk of %zu samples of %s differs from byte %zu (%zu and %zu bytes):\n"
                       "  got  %s\n  ours %s\n",
                       samples.size(), key.c_str(), at, chunk.data().size(), ours.size(),
                       Hex(chunk.data()).c_str(), Hex(ours).c_str());
        }
        for (const vigil::core::Sample& s : samples) {
          if (s.timestamp_ms < q.start_timestamp_ms() || s.timestamp_ms > q.end_timestamp_ms())
            continue;
          line += " " + std::to_string(s.timestamp_ms) + ":" + Value(s.value);
        }
      }
    }
  }
  flush();
  if (check_chunks)
    std::fprintf(stderr, "chunks: %zu, re-encoded byte for byte: %zu\n", chunks, same_bytes);
  return 0;
}
