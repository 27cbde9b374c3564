#include "server/api/remote_read.h"

#include <algorithm>

#include "core/log.h"
#include "remote/codec.h"
#include "remote/read_response.h"

namespace vigil::server {
namespace {

// A streamed read makes at least this much before handing it to the connection, so that
// small frames still go out in writes of a useful size.
constexpr size_t kMinStreamPiece = 64u << 10;

struct Selection {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  storage::Matchers matchers;
};

// The request's matchers for storage. Series are stored without the server's external
// labels, so an equality matcher on one with its value becomes "has no such label", as in
// Prometheus's read handler.
core::Result<storage::Matchers> StorageMatchers(const std::vector<remote::ReadMatcher>& in,
                                                const core::Labels& external) {
  storage::Matchers out;
  for (const remote::ReadMatcher& m : in) {
    const auto type = static_cast<storage::MatchType>(m.type);  // the same order, 0 to 3
    std::string value = m.value;
    if (m.type == remote::ReadMatchType::kEqual && external.Has(m.name) &&
        external.Get(m.name) == m.value) {
      value.clear();
    }
    VIGIL_ASSIGN_OR_RETURN(storage::Matcher matcher, storage::Matcher::Create(type, m.name, value));
    out.push_back(std::move(matcher));
  }
  return out;
}

// The series' own labels win over the external ones.
core::Labels WithExternalLabels(const core::Labels& series, const core::Labels& external) {
  if (external.empty()) return series;
  core::LabelsBuilder b(series);
  for (const core::Label& l : external) {
    if (!series.Has(l.name)) b.Set(l.name, l.value);
  }
  core::Result<core::Labels> merged = b.Build();
  return merged.ok() ? *merged : series;  // both sets are valid, so is their union
}

int HttpStatusFor(const core::Status& s) {
  return s.code() == core::StatusCode::kInvalidArgument ? 400 : 500;
}

static_assert(static_cast<int>(storage::MatchType::kEqual) ==
                  static_cast<int>(remote::ReadMatchType::kEqual) &&
              static_cast<int>(storage::MatchType::kRegexNoMatch) ==
                  static_cast<int>(remote::ReadMatchType::kRegexNoMatch));

}  // namespace

// One read, from the request to its last byte. Owned by whatever step is pending (work on the
// pool, or a connection waiting to drain); its destructor frees its place in the gate, so a
// client that leaves mid-stream lets the next read in.
struct RemoteRead::Read {
  RemoteRead* owner;
  std::weak_ptr<bool> owner_alive;
  core::HttpResponder responder;
  std::string body;  // the request, until decoded

  bool decoded = false;
  core::Status status;  // what went wrong (the step that found it stops the read)
  remote::ReadResponseType type = remote::ReadResponseType::kSamples;
  std::unique_ptr<storage::Querier> querier;
  std::vector<Selection> queries;
  size_t next_query = 0;
  std::unique_ptr<storage::SeriesSet> set;  // the query being streamed
  std::string out;                          // the SAMPLES body, or the frames made by the last step
  bool started = false;                     // the stream's head is sent
  bool done = false;

  Read(RemoteRead* o, std::weak_ptr<bool> alive, core::HttpResponder r, std::string b)
      : owner(o), owner_alive(std::move(alive)), responder(std::move(r)), body(std::move(b)) {}
  ~Read() {
    set.reset();  // before the querier it reads from
    if (owner_alive.lock()) owner->Release();
  }
};

RemoteRead::RemoteRead(core::Loop& loop, const storage::Queryable& storage,
                       core::MetricsRegistry& metrics, RemoteReadOptions options)
    : loop_(loop),
      storage_(storage),
      options_(std::move(options)),
      requests_(metrics.Counter("vigil_remote_read_requests_total",
                                "Remote-read requests answered, by HTTP status.", {"code"})),
      running_gauge_(metrics
                         .Gauge("vigil_remote_read_running",
                                "Remote-read requests being answered now (more may wait).")
                         .Get()) {}

RemoteRead::~RemoteRead() = default;

void RemoteRead::Handle(const core::HttpRequest& request, core::HttpResponder responder) {
  auto read = std::make_shared<Read>(this, alive_, std::move(responder), request.body);
  if (options_.concurrent_limit != 0 && running_ >= options_.concurrent_limit) {
    waiting_.push_back(std::move(read));
    return;
  }
  Start(std::move(read));
}

void RemoteRead::Start(std::shared_ptr<Read> read) {
  ++running_;
  running_gauge_->Set(static_cast<double>(running_));
  Read* r = read.get();
  // The work holds a plain pointer: the Read is let go on the loop, by `done`, never on a worker.
  core::QueueWork(
      loop_, [this, r] { Step(*r); }, [this, read] { Continue(read); });
}

void RemoteRead::Release() {
  --running_;
  running_gauge_->Set(static_cast<double>(running_));
  if (!waiting_.empty() &&
      (options_.concurrent_limit == 0 || running_ < options_.concurrent_limit)) {
    std::shared_ptr<Read> next = std::move(waiting_.front());
    waiting_.pop_front();
    Start(std::move(next));
  }
}

void RemoteRead::Count(int status) { requests_.With({std::to_string(status)})->Inc(); }

void RemoteRead::Step(Read& read) const {
  if (!read.decoded) {
    read.decoded = true;
    read.status = Prepare(read);
    if (!read.status.ok()) return;
    if (read.type == remote::ReadResponseType::kSamples) {
      read.status = AnswerSamples(read);
      read.done = true;
      return;
    }
  }
  read.status = StreamSome(read);
}

core::Status RemoteRead::Prepare(Read& read) const {
  VIGIL_ASSIGN_OR_RETURN(remote::ReadRequest request,
                         remote::DecodeReadRequest(read.body, options_.request_limits));
  std::string().swap(read.body);
  VIGIL_ASSIGN_OR_RETURN(read.type, remote::NegotiateResponseType(request.accepted_response_types));
  for (size_t i = 0; i < request.queries.size(); ++i) {
    remote::ReadQuery& q = request.queries[i];
    // Start and end select; the hints say what the client's query will do with the series,
    // which changes nothing here.
    Selection s{q.start_ms, q.end_ms, {}};
    core::Result<storage::Matchers> matchers =
        StorageMatchers(q.matchers, options_.external_labels);
    if (!matchers.ok()) return matchers.status().WithContext("query " + std::to_string(i));
    s.matchers = std::move(*matchers);
    read.queries.push_back(std::move(s));
  }
  read.querier = storage_.OpenQuerier();
  return core::OkStatus();
}

core::Status RemoteRead::AnswerSamples(Read& read) const {
  remote::SamplesResponse response;
  uint64_t samples = 0;
  for (const Selection& q : read.queries) {
    // No matchers select nothing, as in Prometheus (PromQL never sends such a selector).
    if (!q.matchers.empty()) {
      std::unique_ptr<storage::SeriesSet> set =
          read.querier->Select(q.matchers, q.start_ms, q.end_ms);
      while (set->Next()) {
        samples += set->samples().size();
        if (options_.sample_limit != 0 && samples > options_.sample_limit) {
          return core::InvalidArgumentError("exceeded sample limit (" +
                                            std::to_string(options_.sample_limit) + ")");
        }
        response.AddSeries(WithExternalLabels(set->labels(), options_.external_labels),
                           set->samples());
      }
      VIGIL_RETURN_IF_ERROR(set->status());
    }
    response.EndQuery();
  }
  read.out = response.Compress();
  return core::OkStatus();
}

core::Status RemoteRead::StreamSome(Read& read) const {
  const size_t piece = std::max<size_t>(options_.max_bytes_in_frame, kMinStreamPiece);
  read.out.clear();
  while (read.out.size() < piece) {
    if (!read.set) {
      if (read.next_query == read.queries.size()) {
        read.done = true;
        return core::OkStatus();
      }
      const Selection& q = read.queries[read.next_query];
      if (q.matchers.empty()) {
        ++read.next_query;
        continue;
      }
      read.set = read.querier->Select(q.matchers, q.start_ms, q.end_ms);
    }
    if (!read.set->Next()) {
      VIGIL_RETURN_IF_ERROR(read.set->status());
      read.set.reset();
      ++read.next_query;
      continue;
    }
    VIGIL_RETURN_IF_ERROR(remote::AppendSeriesFrames(
        WithExternalLabels(read.set->labels(), options_.external_labels), read.set->samples(),
        static_cast<int64_t>(read.next_query), options_.max_bytes_in_frame, &read.out));
  }
  return core::OkStatus();
}

void RemoteRead::Continue(const std::shared_ptr<Read>& read) {
  Read& r = *read;
  if (!r.started) {
    if (!r.status.ok()) {
      const int status = HttpStatusFor(r.status);
      if (status >= 500) core::LogWarn("remote read failed", {{"err", r.status.message()}});
      Count(status);
      r.responder.Send(core::HttpResponse::Text(status, r.status.message() + "\n"));
      return;
    }
    if (r.type == remote::ReadResponseType::kSamples) {
      core::HttpResponse response;
      response.headers.Set("Content-Type", std::string(remote::kContentType));
      response.headers.Set("Content-Encoding", std::string(remote::kContentEncoding));
      response.body = std::move(r.out);
      Count(200);
      r.responder.Send(std::move(response));
      return;
    }
    core::HttpResponse head;
    head.headers.Set("Content-Type", std::string(remote::kStreamedContentType));
    r.started = true;
    Count(200);
    if (!r.responder.StartStream(std::move(head))) return;  // the client left
  }
  if (!r.status.ok()) {
    // The status line is long gone: cutting the body short is how the client learns.
    core::LogWarn("remote read stream cut short", {{"err", r.status.message()}});
    r.responder.AbortStream();
    return;
  }
  if (r.done) {
    if (!r.out.empty()) r.responder.StreamWrite(r.out, 0, nullptr);
    r.responder.EndStream();
    return;
  }
  // The next frames are made once the client has taken most of these.
  const size_t low_water = std::max<size_t>(options_.max_bytes_in_frame, kMinStreamPiece);
  r.responder.StreamWrite(r.out, low_water, [this, read] {
    Read* p = read.get();
    core::QueueWork(
        loop_, [this, p] { Step(*p); }, [this, read] { Continue(read); });
  });
}

}  // namespace vigil::server
