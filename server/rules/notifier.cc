#include "server/rules/notifier.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>

#include "core/build_info.h"
#include "core/http_client.h"
#include "core/http_message.h"
#include "core/log.h"
#include "server/rules/postable_alert.h"

namespace vigil::rules {
namespace {

// Alertmanager answers a POST with a few bytes; more than this is not an Alertmanager.
constexpr size_t kMaxResponseBody = 1024 * 1024;
// How much of a refusal's body goes into the log.
constexpr size_t kLoggedBody = 512;

// path.Join(prefix, "/api/v2/alerts") as Prometheus builds it: one slash between them, and
// the query (if the configured URL has one) after the whole path.
core::Url AlertsEndpoint(core::Url base) {
  std::string path = base.target;
  std::string query;
  if (size_t q = path.find('?'); q != std::string::npos) {
    query = path.substr(q);
    path.resize(q);
  }
  while (!path.empty() && path.back() == '/') path.pop_back();
  base.target = path + "/api/v2/alerts" + query;
  return base;
}

// Prometheus adds an external label only where the alert has none of that name.
core::Labels WithExternalLabels(const core::Labels& labels, const core::Labels& external) {
  if (external.empty()) return labels;
  core::LabelsBuilder b(labels);
  for (const core::Label& l : external) {
    if (!labels.Has(l.name)) b.Set(l.name, l.value);
  }
  // Both sets were valid, so their union is: Build cannot fail here.
  core::Result<core::Labels> built = b.Build();
  return built.ok() ? *built : labels;
}

// One alert encoded once; every Alertmanager's queue holds the same bytes until each has sent
// or dropped them, hence shared ownership.
using EncodedAlert = std::shared_ptr<const std::string>;

struct Alertmanager {
  core::Url url;                   // the POST endpoint
  std::string endpoint;            // url as text: the metrics' label and the log's
  std::deque<EncodedAlert> queue;  // guarded by the notifier's mutex
  bool in_flight = false;          // loop thread only
  core::Metric* sent = nullptr;
  core::Metric* errors = nullptr;
  core::Metric* dropped = nullptr;
  core::Metric* queue_length = nullptr;
  core::Metric* latency = nullptr;
};

}  // namespace

struct Notifier::Impl {
  Impl(core::Loop& loop, NotifierOptions opts, core::MetricsRegistry& metrics);

  // Loop thread: starts a batch for every Alertmanager that has alerts and none in flight.
  void Pump();
  void SendBatch(Alertmanager& am, std::vector<EncodedAlert> batch);
  void OnAnswer(Alertmanager& am, size_t count, std::chrono::steady_clock::time_point start,
                const core::Result<core::HttpResponse>& result);
  // Takes the oldest alerts off the queue while it holds more than `keep`; returns how many.
  // Called with mu held.
  static size_t DropOldest(Alertmanager& am, size_t keep);

  NotifierOptions options;
  std::string authorization;  // the Authorization header's value, or ""
  // Fixed after construction. The client's callbacks hold references to them: the client is
  // declared after them so that it goes first, abandoning its callbacks.
  std::vector<std::unique_ptr<Alertmanager>> alertmanagers;

  mutable std::mutex mu;
  bool stopping = false;  // guarded by mu
  std::atomic<size_t> in_flight{0};
  core::HttpClient client;
  core::Async wake;
};

Notifier::Impl::Impl(core::Loop& loop, NotifierOptions opts, core::MetricsRegistry& metrics)
    : options(std::move(opts)),
      client(loop, {.timeout = options.alertmanager.timeout,
                    .limits = {.max_header_bytes = 64 * 1024,
                               .max_header_count = 200,
                               .max_body_bytes = kMaxResponseBody},
                    .tls = options.alertmanager.tls,
                    .user_agent = std::string("vigil-server/") + core::kVersion}),
      wake(loop, [this] { Pump(); }) {
  if (options.max_batch == 0) options.max_batch = 1;
  if (options.queue_capacity == 0) options.queue_capacity = 1;
  const AlertmanagerConfig& c = options.alertmanager;
  if (!c.basic_auth_username.empty()) {
    authorization = "Basic " + core::Base64(c.basic_auth_username + ":" + c.basic_auth_password);
  } else if (!c.bearer_token.empty()) {
    authorization = "Bearer " + c.bearer_token;
  }

  core::MetricFamilyDef& sent = metrics.Counter("vigil_notifications_sent_total",
                                                "Total number of alerts sent.", {"alertmanager"});
  core::MetricFamilyDef& errors =
      metrics.Counter("vigil_notifications_errors_total",
                      "Total number of sent alerts affected by errors.", {"alertmanager"});
  core::MetricFamilyDef& dropped = metrics.Counter(
      "vigil_notifications_dropped_total",
      "Total number of alerts dropped: the queue was full, sending failed, or the notifier "
      "stopped with alerts queued.",
      {"alertmanager"});
  core::MetricFamilyDef& queue_length =
      metrics.Gauge("vigil_notifications_queue_length",
                    "The number of alert notifications in the queue.", {"alertmanager"});
  core::MetricFamilyDef& latency = metrics.Gauge(
      "vigil_notifications_latency_seconds",
      "How long the last request sending alert notifications took.", {"alertmanager"});
  metrics
      .Gauge("vigil_notifications_queue_capacity",
             "The capacity of each Alertmanager's alert notifications queue.")
      .Get()
      ->Set(static_cast<double>(options.queue_capacity));

  for (const core::Url& base : c.urls) {
    auto am = std::make_unique<Alertmanager>();
    am->url = AlertsEndpoint(base);
    am->endpoint = am->url.ToString();
    // Listed twice, it would get every alert twice and share its metrics: Prometheus keeps one.
    if (std::any_of(alertmanagers.begin(), alertmanagers.end(),
                    [&am](const auto& other) { return other->endpoint == am->endpoint; })) {
      continue;
    }
    const std::vector<std::string> label{am->endpoint};
    am->sent = sent.With(label);
    am->errors = errors.With(label);
    am->dropped = dropped.With(label);
    am->queue_length = queue_length.With(label);
    am->latency = latency.With(label);
    alertmanagers.push_back(std::move(am));
  }
  metrics
      .Gauge("vigil_notifications_alertmanagers_discovered",
             "The number of alertmanagers discovered and active.")
      .Get()
      ->Set(static_cast<double>(alertmanagers.size()));
}

size_t Notifier::Impl::DropOldest(Alertmanager& am, size_t keep) {
  size_t n = 0;
  while (am.queue.size() > keep) {
    am.queue.pop_front();
    ++n;
  }
  return n;
}

void Notifier::Impl::Pump() {
  for (const std::unique_ptr<Alertmanager>& am : alertmanagers) {
    if (am->in_flight) continue;
    std::vector<EncodedAlert> batch;
    {
      std::lock_guard lock(mu);
      if (stopping) return;
      const size_t n = std::min(am->queue.size(), options.max_batch);
      batch.assign(std::make_move_iterator(am->queue.begin()),
                   std::make_move_iterator(am->queue.begin() + static_cast<std::ptrdiff_t>(n)));
      am->queue.erase(am->queue.begin(), am->queue.begin() + static_cast<std::ptrdiff_t>(n));
      am->queue_length->Set(static_cast<double>(am->queue.size()));
    }
    if (!batch.empty()) SendBatch(*am, std::move(batch));
  }
}

void Notifier::Impl::SendBatch(Alertmanager& am, std::vector<EncodedAlert> batch) {
  core::HttpRequest request;
  request.method = "POST";
  request.headers.Add("Content-Type", "application/json");
  if (!authorization.empty()) request.headers.Add("Authorization", authorization);
  size_t bytes = 2 + batch.size();
  for (const EncodedAlert& a : batch) bytes += a->size();
  request.body.reserve(bytes);
  request.body.push_back('[');
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i > 0) request.body.push_back(',');
    request.body.append(*batch[i]);
  }
  request.body.push_back(']');

  am.in_flight = true;
  in_flight.fetch_add(1);
  const size_t count = batch.size();
  const auto start = std::chrono::steady_clock::now();
  client.Send(am.url, std::move(request),
              [this, &am, count, start](core::Result<core::HttpResponse> result) {
                OnAnswer(am, count, start, result);
              });
}

void Notifier::Impl::OnAnswer(Alertmanager& am, size_t count,
                              std::chrono::steady_clock::time_point start,
                              const core::Result<core::HttpResponse>& result) {
  am.latency->Set(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (result.ok() && result->status / 100 == 2) {
    am.sent->Inc(static_cast<double>(count));
  } else {
    // Not retried: a firing alert comes again with the rules' next resend, and one that is
    // refused (400) would be refused again.
    am.errors->Inc(static_cast<double>(count));
    am.dropped->Inc(static_cast<double>(count));
    if (result.ok()) {
      core::LogError("error sending alerts", {{"alertmanager", am.endpoint},
                                              {"count", count},
                                              {"status", result->status},
                                              {"body", result->body.substr(0, kLoggedBody)}});
    } else {
      core::LogError(
          "error sending alerts",
          {{"alertmanager", am.endpoint}, {"count", count}, {"err", result.status().message()}});
    }
  }
  am.in_flight = false;
  in_flight.fetch_sub(1);
  // The next batch goes on the loop's next turn, not from inside the client's callback (which
  // may run within client.Send itself, when a TLS setup fails at once).
  wake.Send();
}

Notifier::Notifier(core::Loop& loop, NotifierOptions options, core::MetricsRegistry& metrics)
    : impl_(std::make_unique<Impl>(loop, std::move(options), metrics)) {
  for (const auto& am : impl_->alertmanagers) {
    core::LogInfo("sending alerts to Alertmanager", {{"alertmanager", am->endpoint}});
  }
}

Notifier::~Notifier() = default;

void Notifier::Send(std::vector<NotifierAlert> alerts) {
  Impl& s = *impl_;
  if (alerts.empty() || s.alertmanagers.empty()) return;
  // Encoded here, on the caller's thread, once for all Alertmanagers.
  std::vector<EncodedAlert> encoded;
  encoded.reserve(alerts.size());
  for (NotifierAlert& a : alerts) {
    a.labels = WithExternalLabels(a.labels, s.options.external_labels);
    auto json = std::make_shared<std::string>();
    AppendPostableAlert(json.get(), a);
    encoded.push_back(std::move(json));
  }
  size_t dropped = 0;
  bool stopped = false;
  {
    std::lock_guard lock(s.mu);
    stopped = s.stopping;
    for (const std::unique_ptr<Alertmanager>& am : s.alertmanagers) {
      if (stopped) {
        am->dropped->Inc(static_cast<double>(encoded.size()));
        continue;
      }
      am->queue.insert(am->queue.end(), encoded.begin(), encoded.end());
      const size_t n = Impl::DropOldest(*am, s.options.queue_capacity);
      am->dropped->Inc(static_cast<double>(n));
      am->queue_length->Set(static_cast<double>(am->queue.size()));
      dropped = std::max(dropped, n);
    }
  }
  if (stopped) return;
  if (dropped > 0) {
    core::LogWarn("alert notification queue full, dropping the oldest alerts",
                  {{"num_dropped", dropped}});
  }
  s.wake.Send();
}

void Notifier::Stop() {
  Impl& s = *impl_;
  std::vector<size_t> dropped(s.alertmanagers.size());
  {
    std::lock_guard lock(s.mu);
    if (s.stopping) return;
    s.stopping = true;
    for (size_t i = 0; i < s.alertmanagers.size(); ++i) {
      Alertmanager& am = *s.alertmanagers[i];
      dropped[i] = Impl::DropOldest(am, 0);
      am.dropped->Inc(static_cast<double>(dropped[i]));
      am.queue_length->Set(0);
    }
  }
  for (size_t i = 0; i < dropped.size(); ++i) {
    if (dropped[i] == 0) continue;
    core::LogWarn("stopping with alert notifications queued; dropping them",
                  {{"alertmanager", s.alertmanagers[i]->endpoint}, {"count", dropped[i]}});
  }
}

bool Notifier::Stopped() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stopping && impl_->in_flight.load() == 0;
}

std::vector<std::string> Notifier::Endpoints() const {
  std::vector<std::string> out;
  for (const auto& am : impl_->alertmanagers) out.push_back(am->endpoint);
  return out;
}

}  // namespace vigil::rules
