#include "remote/sender.h"

#include "core/log.h"

namespace vigil::remote {
namespace {

constexpr std::chrono::milliseconds kPollInterval{250};
constexpr std::chrono::seconds kUnhealthyAfter{60};
// Persisting the cursor costs an fsync; a crash re-sends at most this much, which receivers
// accept as duplicates.
constexpr std::chrono::seconds kPersistInterval{1};

bool Retryable(int status) { return status >= 500 || status == 429; }

}  // namespace

Sender::Sender(core::Loop& loop, DestinationConfig config, wal::Cursor* cursor,
               const core::Clock& clock, core::MetricsRegistry& metrics, std::string user_agent)
    : loop_(loop),
      config_(std::move(config)),
      cursor_(cursor),
      clock_(clock),
      user_agent_(std::move(user_agent)),
      client_(loop, {.timeout = config_.timeout, .tls = config_.tls, .user_agent = user_agent_}),
      backoff_(config_.min_backoff, config_.max_backoff),
      shards_(config_.shards),
      persisted_(cursor->committed()),
      poll_(loop, [this] { Pump(); }),
      deadline_(loop, [this] { Pump(); }),
      metadata_timer_(loop, [this] { SendMetadata(); }) {
  for (Shard& shard : shards_) {
    Shard* sh = &shard;
    shard.retry = std::make_unique<core::Timer>(loop, [this, sh] {
      retried_->Inc(static_cast<double>(sh->requests.front().samples));
      SendNext(*sh);
    });
  }
  const std::vector<std::string> by_name{config_.name};
  sent_ = metrics
              .Counter("vigil_remote_samples_sent_total", "Samples the destination acknowledged.",
                       {"destination"})
              .With(by_name);
  failed_ =
      metrics
          .Counter("vigil_remote_samples_failed_total",
                   "Samples in requests that failed (network error, 5xx, 429) and were retried.",
                   {"destination"})
          .With(by_name);
  retried_ = metrics
                 .Counter("vigil_remote_samples_retried_total",
                          "Samples sent again after a failure.", {"destination"})
                 .With(by_name);
  dropped_4xx_ =
      metrics
          .Counter("vigil_remote_samples_dropped_total",
                   "Samples given up: the destination refused them (4xx other than 429).",
                   {"destination", "reason"})
          .With({config_.name, "http_4xx"});
  dropped_relabel_ =
      metrics.Counter("vigil_remote_samples_dropped_total", "", {"destination", "reason"})
          .With({config_.name, "relabel"});
  highest_sent_ =
      metrics
          .Gauge("vigil_remote_highest_sent_timestamp_seconds",
                 "Newest sample timestamp the destination acknowledged.", {"destination"})
          .With(by_name);
  last_duration_ = metrics
                       .Gauge("vigil_remote_last_send_duration_seconds",
                              "How long the last request took.", {"destination"})
                       .With(by_name);
  metadata_sent_ =
      metrics
          .Counter("vigil_remote_metadata_sent_total",
                   "Metric metadata entries the destination acknowledged.", {"destination"})
          .With(by_name);
  in_window_ = metrics
                   .Gauge("vigil_remote_samples_in_flight",
                          "Samples read from the log and not yet settled.", {"destination"})
                   .With(by_name);
}

Sender::~Sender() { *alive_ = false; }

void Sender::Start() {
  core::LogInfo(
      "remote write destination",
      {{"destination", config_.name}, {"url", config_.url.ToString()}, {"shards", config_.shards}});
  poll_.Start(kPollInterval, kPollInterval);
  if (metadata_source_) metadata_timer_.Start(metadata_first_, metadata_every_);
  Pump();
}

void Sender::Notify() { Pump(); }

void Sender::Stop() {
  stopping_ = true;
  poll_.Stop();
  deadline_.Stop();
  metadata_timer_.Stop();
  if (!sending_) PersistPosition();
}

// A window that keeps failing is given up at stop: it was never acknowledged, so the log
// still holds it for the next start.
bool Sender::Stopped() const { return (!sending_ || failing_) && !persisting_; }

bool Sender::Healthy() const {
  return !failing_ || std::chrono::steady_clock::now() - failing_since_ < kUnhealthyAfter;
}

bool Sender::Fill() {
  const size_t capacity = config_.shards * config_.max_samples_per_send;
  std::vector<wal::Cursor::Sample> got;
  while (window_samples_ < capacity) {
    got.clear();
    core::Status s = cursor_->Read(capacity - window_samples_, &got);
    if (!s.ok()) {
      core::LogError("cannot read the write-ahead log",
                     {{"destination", config_.name}, {"err", s.message()}});
      return false;
    }
    if (got.empty()) break;
    if (window_samples_ == 0) window_started_ = std::chrono::steady_clock::now();
    for (const wal::Cursor::Sample& sample : got) {
      const core::Labels* labels = sample.labels;
      core::Labels relabeled;
      if (!config_.relabel.empty()) {
        bool changed = false;
        if (!config_.relabel.Apply(*sample.labels, &relabeled, &changed)) {
          dropped_relabel_->Inc();
          continue;
        }
        if (changed) labels = &relabeled;
      }
      const uint64_t hash = labels->Hash();
      Shard& shard = shards_[hash % shards_.size()];
      // The labels pointer lasts until the next Read: a series is copied once per window.
      size_t index = SIZE_MAX;
      for (size_t i : shard.by_hash[hash]) {
        if (shard.series[i].labels == *labels) index = i;
      }
      if (index == SIZE_MAX) {
        index = shard.series.size();
        shard.series.push_back({*labels, {}});
        shard.by_hash[hash].push_back(index);
      }
      shard.series[index].samples.push_back({sample.timestamp_ms, sample.value});
      ++shard.samples;
      ++window_samples_;
    }
    window_end_ = cursor_->read_position();
  }
  in_window_->Set(static_cast<double>(window_samples_));
  return true;
}

void Sender::Pump() {
  if (sending_) return;
  if (!Fill() || window_samples_ == 0) {
    if (stopping_) PersistPosition();
    return;
  }
  const size_t capacity = config_.shards * config_.max_samples_per_send;
  const bool deadline_passed =
      std::chrono::steady_clock::now() - window_started_ >= config_.batch_send_deadline;
  // A window that is not full waits for more, up to batch_send_deadline; but a collection is
  // appended whole, so it goes as soon as it is read when the deadline is short.
  if (window_samples_ < capacity && !deadline_passed && !stopping_) {
    const auto left =
        window_started_ + config_.batch_send_deadline - std::chrono::steady_clock::now();
    deadline_.Start(std::chrono::ceil<std::chrono::milliseconds>(left));
    return;
  }
  SendWindow();
}

void Sender::SendWindow() {
  sending_ = true;
  shards_pending_ = 0;
  for (Shard& shard : shards_) {
    if (shard.samples == 0) continue;
    // Requests of at most max_samples_per_send; a series split between two keeps its order
    // because a shard sends them one after the other.
    WriteRequest request;
    size_t in_request = 0;
    Request pending;
    auto flush = [&] {
      if (in_request == 0) return;
      pending.body = EncodeWriteRequest(request);
      pending.samples = in_request;
      shard.requests.push_back(std::move(pending));
      pending = Request{};
      request.series.clear();
      in_request = 0;
    };
    for (SeriesSamples& series : shard.series) {
      size_t taken = 0;
      while (taken < series.samples.size()) {
        const size_t room = config_.max_samples_per_send - in_request;
        const size_t n = std::min(room, series.samples.size() - taken);
        SeriesSamples part{series.labels,
                           {series.samples.begin() + static_cast<std::ptrdiff_t>(taken),
                            series.samples.begin() + static_cast<std::ptrdiff_t>(taken + n)}};
        for (const core::Sample& s : part.samples)
          pending.max_timestamp_ms = std::max(pending.max_timestamp_ms, s.timestamp_ms);
        request.series.push_back(std::move(part));
        in_request += n;
        taken += n;
        if (in_request == config_.max_samples_per_send) flush();
      }
    }
    flush();
    shard.series.clear();
    shard.by_hash.clear();
    shard.samples = 0;
    shard.done = false;
    shard.attempt = 0;
    ++shards_pending_;
  }
  window_samples_ = 0;
  for (Shard& shard : shards_) {
    if (!shard.done) SendNext(shard);
  }
}

core::HttpRequest Sender::NewRequest(std::string body) const {
  core::HttpRequest http;
  http.method = "POST";
  http.headers.Add("Content-Type", std::string(kContentType));
  http.headers.Add("Content-Encoding", std::string(kContentEncoding));
  http.headers.Add("X-Prometheus-Remote-Write-Version", std::string(kProtocolVersion));
  if (!config_.basic_auth_username.empty()) {
    http.headers.Add("Authorization", "Basic " + core::Base64(config_.basic_auth_username + ":" +
                                                              config_.basic_auth_password));
  } else if (!config_.bearer_token.empty()) {
    http.headers.Add("Authorization", "Bearer " + config_.bearer_token);
  }
  for (const auto& [name, value] : config_.headers) http.headers.Add(name, value);
  http.body = std::move(body);
  return http;
}

void Sender::SendNext(Shard& shard) {
  if (shard.requests.empty()) {
    shard.done = true;
    if (--shards_pending_ == 0) FinishWindow();
    return;
  }
  core::HttpRequest http = NewRequest(shard.requests.front().body);
  const auto start = std::chrono::steady_clock::now();
  client_.Send(config_.url, std::move(http),
               [this, &shard, start](core::Result<core::HttpResponse> result) {
                 OnResponse(shard, std::move(result), start);
               });
}

void Sender::OnResponse(Shard& shard, core::Result<core::HttpResponse> result,
                        std::chrono::steady_clock::time_point start) {
  last_duration_->Set(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  const Request& request = shard.requests.front();
  if (result.ok() && result->status / 100 == 2) {
    sent_->Inc(static_cast<double>(request.samples));
    highest_sent_->Set(
        std::max(highest_sent_->Value(), static_cast<double>(request.max_timestamp_ms) / 1000));
    if (failing_) core::LogInfo("remote write recovered", {{"destination", config_.name}});
    failing_ = false;
    shard.attempt = 0;
    shard.requests.pop_front();
    SendNext(shard);
    return;
  }
  if (result.ok() && !Retryable(result->status)) {
    // The destination will refuse these samples however often they come: drop and say why.
    dropped_4xx_->Inc(static_cast<double>(request.samples));
    std::string body = result->body.substr(0, 1024);
    core::LogError("remote write refused; dropping the request", {{"destination", config_.name},
                                                                  {"status", result->status},
                                                                  {"samples", request.samples},
                                                                  {"body", body}});
    shard.attempt = 0;
    shard.requests.pop_front();
    SendNext(shard);
    return;
  }
  failed_->Inc(static_cast<double>(request.samples));
  if (!failing_) {
    failing_ = true;
    failing_since_ = std::chrono::steady_clock::now();
  }
  ++shard.attempt;
  std::chrono::milliseconds wait = backoff_.Delay(shard.attempt);
  std::string why;
  if (result.ok()) {
    why = "HTTP " + std::to_string(result->status);
    if (auto after = ParseRetryAfter(result->headers.Get("Retry-After"), clock_.NowUnixMillis()))
      wait = *after;
  } else {
    why = result.status().message();
  }
  core::LogWarn("remote write failed; retrying", {{"destination", config_.name},
                                                  {"err", why},
                                                  {"attempt", shard.attempt},
                                                  {"retry_in", core::FormatDuration(wait)}});
  Retry(shard, wait);
}

void Sender::Retry(Shard& shard, std::chrono::milliseconds wait) { shard.retry->Start(wait); }

void Sender::FinishWindow() {
  sending_ = false;
  in_window_->Set(0);
  cursor_->MarkAcknowledged(window_end_);
  if (stopping_ || std::chrono::steady_clock::now() - last_persist_ >= kPersistInterval)
    PersistPosition();
  if (!stopping_) Pump();  // a backlog goes on at once
}

// Saving is a write, an fdatasync, a rename and a directory fsync: on a slow disk that is
// long, so it runs on the thread pool, one at a time, never on the loop.
void Sender::PersistPosition() {
  const wal::Position acked = cursor_->committed();
  if (acked == persisted_ || persisting_) return;
  persisting_ = true;
  auto result = std::make_shared<core::Status>();
  core::QueueWork(
      loop_, [cursor = cursor_, result] { *result = cursor->Persist(); },
      [this, alive = alive_, acked, result] {
        if (!*alive) return;
        persisting_ = false;
        if (!result->ok()) {
          core::LogError("cannot save the WAL cursor",
                         {{"destination", config_.name}, {"err", result->message()}});
          return;
        }
        persisted_ = acked;
        last_persist_ = std::chrono::steady_clock::now();
        // A window acknowledged while this one was saved: at stop, it is saved too.
        if (stopping_ && !sending_) PersistPosition();
      });
}

void Sender::SendMetadata() {
  if (!metadata_source_) return;
  WriteRequest request;
  request.metadata = metadata_source_();
  if (request.metadata.empty()) return;
  core::HttpRequest http = NewRequest(EncodeWriteRequest(request));
  const size_t n = request.metadata.size();
  // Best effort, as Prometheus: the next minute sends it all again.
  client_.Send(config_.url, std::move(http), [this, n](core::Result<core::HttpResponse> r) {
    if (r.ok() && r->status / 100 == 2) metadata_sent_->Inc(static_cast<double>(n));
  });
}

}  // namespace vigil::remote
