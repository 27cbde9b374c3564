#include "server/server.h"

#include <algorithm>

#include "core/build_info.h"
#include "core/log.h"
#include "core/process_metrics.h"
#include "server/api/console.h"
#include "server/api/rules_api.h"
#include "server/api/tsdb_status.h"
#include "server/rules/rule_file.h"

namespace vigil::server {
namespace {

// How often appended samples are made durable against a power loss; a crash of the process
// alone loses nothing that was answered 2xx, as it is in the page cache.
constexpr std::chrono::seconds kSyncInterval{1};
constexpr std::chrono::seconds kMaintainInterval{30};

}  // namespace

Server::Server(core::Loop& loop, ServerConfig config, const core::Clock& clock)
    : loop_(loop),
      config_(std::move(config)),
      clock_(clock),
      auth_(config_.auth),
      sync_timer_(loop,
                  [this] {
                    RunInBackground(&syncing_, [this] {
                      core::Status s = storage_->Sync();
                      if (!s.ok()) core::LogError("WAL sync failed", {{"err", s.message()}});
                    });
                  }),
      maintain_timer_(loop, [this] {
        RunInBackground(&maintaining_, [this] {
          core::Status s = storage_->Maintain();
          if (!s.ok()) core::LogError("storage maintenance failed", {{"err", s.message()}});
        });
      }) {
  core::RegisterBuildMetrics(metrics_, "vigil-server", clock);
  core::RegisterProcessMetrics(metrics_);
}

Server::~Server() = default;

core::Result<std::unique_ptr<Server>> Server::Create(core::Loop& loop, ServerConfig config,
                                                     const core::Clock& clock,
                                                     std::string config_path) {
  VIGIL_RETURN_IF_ERROR(core::EnsureWritableDir(config.data_dir).WithContext("[server] data_dir"));
  // Rule files are read and checked at start, as Prometheus does: a bad one stops the start.
  VIGIL_ASSIGN_OR_RETURN(std::vector<rules::GroupSpec> groups,
                         rules::LoadRuleFiles(rules::ExpandRuleFilePatterns(config.rules.files)));
  std::unique_ptr<Server> server(new Server(loop, std::move(config), clock));
  Server* s = server.get();
  s->config_path_ = std::move(config_path);
  storage::StorageOptions so;
  so.dir = s->config_.data_dir;
  so.retention_ms = s->config_.retention.count();
  so.retention_bytes = s->config_.retention_size;
  so.out_of_order_window_ms = s->config_.out_of_order_window.count();
  VIGIL_ASSIGN_OR_RETURN(s->storage_, storage::Storage::Open(so, clock, s->metrics_));

  const ServerLimits& limits = s->config_.limits;
  core::HttpServerOptions options;
  options.listen = s->config_.listen;
  options.limits.max_body_bytes = limits.max_request_size;
  options.limits.max_header_bytes = limits.max_header_size;
  options.limits.max_header_count = static_cast<size_t>(limits.max_header_count);
  options.max_connections = static_cast<size_t>(limits.max_connections);
  options.read_timeout = limits.read_timeout;
  options.idle_timeout = limits.idle_timeout;
  if (!s->config_.tls.cert_file.empty()) {
    VIGIL_ASSIGN_OR_RETURN(s->tls_, core::TlsConfig::CreateServer(s->config_.tls));
    options.tls = s->tls_.get();
  }
  VIGIL_ASSIGN_OR_RETURN(s->http_, core::HttpEndpoint::Create(loop, options, s->metrics_));
  core::AddAdminRoutes(s->http_->router(), s->metrics_, "Vigil Server", [] { return true; });
  ReceiverOptions ro;
  ro.max_in_flight = static_cast<size_t>(limits.max_concurrent_writes);
  ro.max_uncompressed_bytes = limits.DecompressedRequestSize();
  s->receiver_ = std::make_unique<Receiver>(loop, *s->storage_, s->metrics_, ro);
  s->fleet_ = std::make_unique<FleetService>(loop, s->config_.fleet, *s->receiver_, *s->storage_,
                                             clock, s->metrics_);
  QueryApiOptions qo;
  qo.engine.timeout = s->config_.query.timeout;
  qo.engine.max_samples = static_cast<size_t>(s->config_.query.max_samples);
  qo.engine.lookback_ms = s->config_.query.lookback_delta.count();
  qo.max_points_per_series = s->config_.query.max_points_per_series;
  qo.max_query_length = s->config_.query.max_length;
  // A subquery without a step takes the rule evaluation interval, as in Prometheus.
  qo.engine.subquery_step_ms = s->config_.rules.evaluation_interval.count();
  qo.config_text = s->config_.text;
  qo.external_labels = s->config_.external_labels;
  qo.storage_retention = promql::FormatDuration(s->config_.retention.count());
  qo.flags = {{"storage.tsdb.path", s->config_.data_dir},
              {"storage.tsdb.retention.time", qo.storage_retention},
              {"web.listen-address", s->config_.listen.ToString()},
              {"query.lookback-delta", promql::FormatDuration(qo.engine.lookback_ms)},
              {"query.max-samples", std::to_string(qo.engine.max_samples)},
              {"query.timeout", promql::FormatDuration(qo.engine.timeout.count())}};
  qo.flags["query.max-concurrency"] = std::to_string(s->config_.query.max_concurrency);
  QueryQueueOptions queue_options;
  queue_options.max_concurrency = static_cast<size_t>(s->config_.query.max_concurrency);
  queue_options.max_queued = static_cast<size_t>(s->config_.query.max_queued);
  VIGIL_ASSIGN_OR_RETURN(s->query_queue_, QueryQueue::Create(loop, queue_options, s->metrics_));
  s->query_api_ = std::make_unique<QueryApi>(*s->query_queue_, *s->storage_, clock, std::move(qo),
                                             [s] { return s->receiver_->Metadata(); });
  RemoteReadOptions rro;
  rro.sample_limit = static_cast<uint64_t>(limits.remote_read_sample_limit);
  rro.concurrent_limit = static_cast<uint64_t>(limits.remote_read_concurrent_limit);
  rro.max_bytes_in_frame = limits.remote_read_max_bytes_in_frame;
  rro.request_limits.max_uncompressed_bytes = limits.DecompressedRequestSize();
  rro.external_labels = s->config_.external_labels;
  s->remote_read_ = std::make_unique<RemoteRead>(loop, *s->storage_, s->metrics_, std::move(rro));
  s->rule_engine_ = std::make_unique<promql::Engine>(*s->storage_, qo.engine);
  rules::NotifierOptions no;
  no.alertmanager = s->config_.alertmanager;
  no.external_labels = s->config_.external_labels;
  s->notifier_ = std::make_unique<rules::Notifier>(loop, std::move(no), s->metrics_);
  s->rules_ = std::make_unique<rules::RuleManager>(loop, clock, s->metrics_);
  size_t rule_count = 0;
  for (const rules::GroupSpec& g : groups) rule_count += g.rules.size();
  core::LogInfo("rules loaded", {{"groups", groups.size()}, {"rules", rule_count}});
  s->rules_->Start(std::move(groups), s->RuleContext(s->config_));
  s->reload_metrics_ = std::make_unique<core::ConfigReloadMetrics>(s->metrics_, clock);
  s->sighup_ = std::make_unique<core::SignalWatch>(loop, SIGHUP,
                                                   [s](int) { s->Reload([](core::Status) {}); });
  s->AddApiRoutes();
  s->self_scrape_ = std::make_unique<SelfScrape>(
      loop, s->metrics_, *s->storage_,
      std::vector<core::Label>{{"instance", s->http_->server().address().ToString()},
                               {"job", "vigil-server"}},
      s->config_.self_metrics_interval, clock);
  s->self_scrape_->Start();
  s->StartForwarders();
  s->sync_timer_.Start(kSyncInterval, kSyncInterval);
  s->maintain_timer_.Start(std::chrono::seconds(1), kMaintainInterval);
  core::LogInfo("listening", {{"addr", s->http_->server().address().ToString()},
                              {"data_dir", s->config_.data_dir},
                              {"tls", s->tls_ != nullptr},
                              {"forward_to", s->forwarders_->size()}});
  return server;
}

void Server::RunInBackground(bool* running, std::function<void()> work) {
  if (*running || stopping_) return;
  *running = true;
  core::QueueWork(loop_, std::move(work), [running] { *running = false; });
}

rules::GroupContext Server::RuleContext(const ServerConfig& config) const {
  rules::GroupContext c;
  c.engine = rule_engine_.get();
  c.appendable = storage_.get();
  c.queryable = storage_.get();
  c.external_labels = config.external_labels;
  c.external_url = config.external_url;
  c.default_interval = config.rules.evaluation_interval;
  c.default_query_offset = config.rules.query_offset;
  c.resend_delay = config.rules.resend_delay;
  c.outage_tolerance = config.rules.outage_tolerance;
  c.for_grace_period = config.rules.for_grace_period;
  c.notify = [n = notifier_.get()](std::vector<rules::NotifierAlert> alerts) {
    n->Send(std::move(alerts));
  };
  return c;
}

core::Status Server::RefuseReload(core::Status why) {
  reload_metrics_->Failed();
  query_api_->ConfigRefused();
  core::LogError("configuration reload refused; the running configuration stays",
                 {{"err", why.message()}});
  return why;
}

void Server::Reload(std::function<void(core::Status)> done) {
  if (stopping_) return done(RefuseReload(core::UnavailableError("the server is stopping")));
  if (config_path_.empty())
    return done(RefuseReload(
        core::FailedPreconditionError("the server was started without a configuration file")));
  core::Result<ServerConfig> read = core::LoadConfig(config_path_, ReadServerConfig);
  if (!read.ok()) return done(RefuseReload(read.status()));
  // What was made once at start with these settings (the listener, storage, the notifier and
  // the external labels it adds, limits, the fleet view) would need a restart: refused, named.
  const std::vector<std::string> restart = ChangedReadAtStart(config_, *read);
  if (!restart.empty()) {
    std::string keys;
    for (const std::string& k : restart) keys += (keys.empty() ? "" : ", ") + k;
    return done(RefuseReload(core::InvalidArgumentError(
        keys + " changed: read at start only; restart the server to apply it, or set it back")));
  }
  // The rule files are read on the thread pool; the rest is applied only once they are good.
  auto next = std::make_shared<ServerConfig>(std::move(read).value());
  rules_->Reload(
      next->rules.files, RuleContext(*next), [this, next, done = std::move(done)](core::Status s) {
        if (!s.ok()) return done(RefuseReload(s));
        if (stopping_) return done(core::UnavailableError("the server is stopping"));
        Apply(*next);
        reload_metrics_->Succeeded();
        query_api_->ConfigReloaded(config_.text, clock_.NowUnixMillis());
        core::LogInfo("configuration reloaded",
                      {{"forward_to", forwarders_->size()}, {"auth", config_.auth.enabled()}});
        done(core::OkStatus());
      });
}

void Server::Apply(const ServerConfig& next) {
  config_.external_url = next.external_url;
  config_.rules = next.rules;
  // Always: a secret file may hold another token under the same name.
  config_.auth = next.auth;
  auth_.Update(config_.auth);

  auto section = [](const ServerConfig& c,
                    const std::string& name) -> const remote::SectionEntries& {
    static const remote::SectionEntries kNone;
    auto it = c.sections.find("remote_write." + name);
    return it == c.sections.end() ? kNone : it->second;
  };
  for (const remote::DestinationConfig& d : config_.forward_to) {
    auto kept = [&d](const remote::DestinationConfig& n) { return n.name == d.name; };
    if (std::none_of(next.forward_to.begin(), next.forward_to.end(), kept)) {
      forwarders_->Remove(d.name);  // its cursor stays in the log, within its bounds
    }
  }
  for (const remote::DestinationConfig& d : next.forward_to) {
    auto it = std::find_if(config_.forward_to.begin(), config_.forward_to.end(),
                           [&d](const remote::DestinationConfig& r) { return r.name == d.name; });
    if (it == config_.forward_to.end() ||
        remote::DestinationChanged(*it, d, section(config_, d.name), section(next, d.name))) {
      StartForwarder(d, next.forward_bounds.at(d.name));
    }
  }
  config_.forward_to = next.forward_to;
  config_.forward_bounds = next.forward_bounds;
  config_.sections = next.sections;
  config_.text = next.text;
}

void Server::AddApiRoutes() {
  core::HttpRouter& router = http_->router();
  AddRulesRoutes(
      router, [this](core::HttpHandler h) { return auth_.Guard(std::move(h)); }, *rules_,
      *notifier_);
  router.Handle("/-/reload", {"POST", "PUT"},
                auth_.Guard([this](const core::HttpRequest&, core::HttpResponder responder) {
                  Reload([responder](core::Status s) { responder.Send(core::ReloadResponse(s)); });
                }));
  query_api_->AddRoutes(router, [this](core::HttpHandler h) { return auth_.Guard(std::move(h)); });
  fleet_->AddRoutes(router, [this](core::HttpHandler h) { return auth_.Guard(std::move(h)); });
  AddConsoleRoutes(router, [this](core::HttpHandler h) { return auth_.Guard(std::move(h)); });
  router.Handle("/api/v1/write", {"POST"},
                auth_.Guard([this](const core::HttpRequest& r, core::HttpResponder responder) {
                  receiver_->Handle(r, std::move(responder));
                }));
  router.Handle("/api/v1/read", {"POST"},
                auth_.Guard([this](const core::HttpRequest& r, core::HttpResponder responder) {
                  remote_read_->Handle(r, std::move(responder));
                }));
  router.Handle("/api/v1/status/tsdb", {"GET"},
                auth_.Guard([this](const core::HttpRequest&, core::HttpResponder responder) {
                  responder.Send(TsdbStatusResponse(storage_->Stats(10)));
                }));
}

void Server::StartForwarders() {
  forwarders_ = std::make_unique<remote::Destinations>(
      loop_, clock_, metrics_, std::string("vigil-server/") + core::kVersion,
      [this] { return receiver_->Metadata(); });
  for (const remote::DestinationConfig& d : config_.forward_to)
    StartForwarder(d, config_.forward_bounds[d.name]);
  metrics_.AddCollector([this](std::vector<core::MetricFamily>* out) {
    std::lock_guard lock(forward_cursors_mu_);
    wal::AppendCursorMetrics(forward_cursors_, out);
  });
  receiver_->OnStored([this] { forwarders_->Notify(); });
}

void Server::StartForwarder(const remote::DestinationConfig& d, const ForwardBounds& bounds) {
  // Bounded, so that a destination that is down never pins the WAL until the disk fills;
  // storage's own cursor ("head") is not, and the bounds never give up what it holds. Opening
  // it again (a reload) sets the bounds anew.
  auto cursor = storage_->wal().OpenCursor(
      "forward-" + d.name, wal::CursorLimits{bounds.wal_max_size, bounds.wal_max_age});
  if (!cursor.ok()) {
    core::LogError("cannot open WAL cursor",
                   {{"destination", d.name}, {"err", cursor.status().message()}});
    return;
  }
  forwarders_->Start(d, *cursor);
  std::lock_guard lock(forward_cursors_mu_);
  auto same = [&d](const wal::DestinationCursor& c) { return c.destination == d.name; };
  if (std::none_of(forward_cursors_.begin(), forward_cursors_.end(), same))
    forward_cursors_.push_back({d.name, *cursor});
}

void Server::Stop() {
  stopping_ = true;
  sync_timer_.Stop();
  maintain_timer_.Stop();
  sighup_.reset();
  rules_->Stop();
  notifier_->Stop();
  self_scrape_->Stop();
  fleet_->Stop();
  forwarders_->Stop();
  http_->server().Shutdown();
}

bool Server::Stopped() const {
  if (!forwarders_->Stopped()) return false;
  return http_->server().connection_count() == 0 && receiver_->in_flight() == 0 &&
         query_api_->in_flight() == 0 && remote_read_->in_flight() == 0 && rules_->Stopped() &&
         notifier_->Stopped() && self_scrape_->Stopped() && fleet_->Stopped() && !syncing_ &&
         !maintaining_;
}

}  // namespace vigil::server
