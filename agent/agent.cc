#include "agent/agent.h"

#include <algorithm>
#include <csignal>

#include "collectors/collectors.h"
#include "core/build_info.h"
#include "core/log.h"

namespace vigil::agent {
namespace {

// How often a changed scrape target's predecessor is looked at, until its scrape in flight
// (local: a few milliseconds) is pushed.
constexpr std::chrono::milliseconds kSettleInterval{10};

}  // namespace

Agent::Agent(core::Loop& loop, AgentConfig config, const core::Clock& clock)
    : config_(std::move(config)),
      loop_(loop),
      clock_(clock),
      settle_timer_(loop, [this] { Settle(); }) {
  core::RegisterBuildMetrics(metrics_, "vigil-agent", clock);
}

core::Result<std::unique_ptr<Agent>> Agent::Create(core::Loop& loop, AgentConfig config,
                                                   const core::Clock& clock,
                                                   std::string config_path) {
  // No check of data_dir here: a read-only or full disk must not stop collection; the
  // sample log reports it and holds samples in memory until the disk takes them.
  std::unique_ptr<Agent> agent(new Agent(loop, std::move(config), clock));
  Agent* a = agent.get();
  a->config_path_ = std::move(config_path);
  core::HttpServerOptions options;
  options.listen = a->config_.listen;
  VIGIL_ASSIGN_OR_RETURN(a->http_, core::HttpEndpoint::Create(loop, options, a->metrics_));
  a->reload_metrics_ = std::make_unique<core::ConfigReloadMetrics>(a->metrics_, clock);
  // SIGHUP's default action would end the agent; systemd's reload sends it.
  a->sighup_ = std::make_unique<core::SignalWatch>(loop, SIGHUP, [a](int) { (void)a->Reload(); });
  core::AddAdminRoutes(
      a->http_->router(), a->metrics_, "Vigil Agent", [a] { return a->Ready(); },
      [a] { return a->node_->Exposition(); });
  a->AddReloadRoute();

  SampleLogOptions log_options;
  log_options.wal.dir = a->config_.data_dir + "/wal";
  log_options.wal.max_size = a->config_.wal_max_size;
  log_options.wal.max_age = a->config_.wal_max_age;
  log_options.wal.fsync =
      a->config_.wal_fsync_always ? wal::FsyncPolicy::kAlways : wal::FsyncPolicy::kInterval;
  for (const auto& d : a->config_.destinations) log_options.destinations.push_back(d.name);
  log_options.delete_cursors = a->config_.delete_cursors;
  a->log_ = std::make_unique<SampleLog>(loop, std::move(log_options), clock, a->metrics_);
  a->destinations_ = std::make_unique<remote::Destinations>(
      loop, clock, a->metrics_, std::string("vigil-agent/") + core::kVersion, [a] {
        // The node's families, then the scraped pages' (a scraped family of the same name wins).
        std::map<std::string, remote::MetricMetadata> by_name;
        for (core::FamilyMetadata& f : a->node_->Metadata())
          by_name[f.name] = {f.name, f.type, std::move(f.help), ""};
        for (const auto& [name, m] : a->metadata_) by_name[name] = m;
        std::vector<remote::MetricMetadata> all;
        all.reserve(by_name.size());
        for (auto& [name, m] : by_name) all.push_back(std::move(m));
        return all;
      });
  a->log_->Start(
      [a](wal::Wal& wal) {
        for (const remote::DestinationConfig& d : a->config_.destinations) a->StartSender(wal, d);
      },
      [a] { a->destinations_->Notify(); });
  a->node_ = std::make_unique<NodeTarget>(
      loop, a->NodeCollectors(), a->config_.interval, a->NodeLabels(), clock,
      [a](std::vector<LabeledSample> batch) { a->log_->Append(std::move(batch)); });
  if (a->config_.push_self_metrics) {
    a->node_->SetSelfMetrics([a] { return a->metrics_.Collect(); });
  }
  a->node_->Start();
  for (const ScrapeConfig& sc : a->config_.scrapes) {
    auto target = a->MakeScrape(sc);
    target->Start();
    a->scrapes_[sc.name] = std::move(target);
  }
  core::LogInfo("listening", {{"addr", a->http_->server().address().ToString()},
                              {"node_name", a->config_.node_name},
                              {"destinations", a->config_.destinations.size()}});
  return agent;
}

collectors::CollectorSet Agent::NodeCollectors() const {
  std::vector<std::unique_ptr<collectors::Collector>> enabled;
  for (auto& c : collectors::DefaultCollectors(config_.roots, clock_)) {
    const auto& off = config_.disabled_collectors;
    if (std::find(off.begin(), off.end(), c->name()) == off.end()) enabled.push_back(std::move(c));
  }
  return collectors::CollectorSet(std::move(enabled), clock_, config_.roots.files);
}

std::vector<core::Label> Agent::NodeLabels() const {
  std::vector<core::Label> labels{{"job", config_.job}, {"instance", config_.node_name}};
  labels.insert(labels.end(), config_.extra_labels.begin(), config_.extra_labels.end());
  return labels;
}

std::unique_ptr<ScrapeTarget> Agent::MakeScrape(const ScrapeConfig& config) {
  auto target = std::make_unique<ScrapeTarget>(
      loop_, config, config_.extra_labels, clock_,
      [this](std::vector<LabeledSample> batch) { log_->Append(std::move(batch)); });
  target->SetMetadataSink([this](const std::vector<core::FamilyMetadata>& families) {
    for (const core::FamilyMetadata& f : families) metadata_[f.name] = {f.name, f.type, f.help, ""};
  });
  return target;
}

void Agent::StartSender(wal::Wal& wal, const remote::DestinationConfig& d) {
  auto cursor = wal.OpenCursor(d.name);
  if (!cursor.ok()) {
    core::LogError("cannot open WAL cursor",
                   {{"destination", d.name}, {"err", cursor.status().message()}});
    return;
  }
  destinations_->Start(d, *cursor);
}

void Agent::Settle() {
  for (auto it = scrape_successors_.begin(); it != scrape_successors_.end();) {
    std::unique_ptr<ScrapeTarget>& old = scrapes_[it->first];
    if (!old->Stopped()) {
      ++it;
      continue;
    }
    old->HandOver(*it->second);
    old = std::move(it->second);
    old->Start();
    it = scrape_successors_.erase(it);
  }
  if (log_->wal() != nullptr) {
    std::vector<std::string> now;
    for (const std::string& name : cursors_to_delete_) {
      if (!destinations_->Reads(name)) now.push_back(name);
    }
    log_->DeleteUnusedCursors(now);
  }
  std::erase_if(cursors_to_delete_,
                [this](const std::string& name) { return !destinations_->Reads(name); });
  if (scrape_successors_.empty() && cursors_to_delete_.empty()) {
    settle_timer_.Stop();
  } else if (!settle_timer_.active()) {
    settle_timer_.Start(kSettleInterval, kSettleInterval);
  }
}

void Agent::AddReloadRoute() {
  http_->router().Handle("/-/reload", {"POST", "PUT"},
                         [this](const core::HttpRequest&, core::HttpResponder responder) {
                           responder.Send(core::ReloadResponse(Reload()));
                         });
}

core::Status Agent::Reload() {
  auto refuse = [this](core::Status s) {
    reload_metrics_->Failed();
    core::LogError("configuration reload refused; the running configuration stays",
                   {{"err", s.message()}});
    return s;
  };
  if (stopping_) return refuse(core::UnavailableError("the agent is stopping"));
  if (config_path_.empty())
    return refuse(
        core::FailedPreconditionError("the agent was started without a configuration file"));
  core::Result<AgentConfig> next = core::LoadConfig(config_path_, ReadAgentConfig);
  if (!next.ok()) return refuse(next.status());
  const AgentConfigChange change = DiffAgentConfig(config_, *next);
  if (!change.needs_restart.empty()) {
    std::string keys;
    for (const std::string& k : change.needs_restart) keys += (keys.empty() ? "" : ", ") + k;
    return refuse(core::InvalidArgumentError(
        keys + " changed: read at start only; restart the agent to apply it, or set it back"));
  }
  Apply(change, std::move(next).value());
  reload_metrics_->Succeeded();
  core::LogInfo("configuration reloaded", {{"changed", change.Summary()}});
  return core::OkStatus();
}

void Agent::Apply(const AgentConfigChange& change, AgentConfig next) {
  config_ = std::move(next);

  if (change.node_collectors) node_->SetCollectors(NodeCollectors());
  if (change.node_labels) node_->SetTargetLabels(NodeLabels());
  if (change.node_interval) node_->SetInterval(config_.interval);
  if (change.push_self_metrics) {
    node_->SetSelfMetrics(config_.push_self_metrics
                              ? std::function<std::vector<core::MetricFamily>()>(
                                    [this] { return metrics_.Collect(); })
                              : nullptr);
  }

  auto scrape_config = [this](const std::string& name) -> const ScrapeConfig& {
    return *std::find_if(config_.scrapes.begin(), config_.scrapes.end(),
                         [&name](const ScrapeConfig& s) { return s.name == name; });
  };
  // Destroying a removed target abandons a scrape in flight: what it would push came after
  // the stale markers, which are in the log by then.
  for (const std::string& name : change.scrapes_removed) {
    scrape_successors_.erase(name);
    scrapes_[name]->Stop();
    scrapes_.erase(name);
  }
  for (const std::string& name : change.scrapes_changed) {
    scrapes_[name]->Pause();
    scrape_successors_[name] = MakeScrape(scrape_config(name));  // replaces one still waiting
  }
  for (const std::string& name : change.scrapes_added) {
    auto target = MakeScrape(scrape_config(name));
    target->Start();
    scrapes_[name] = std::move(target);
  }

  std::vector<std::string> names;
  for (const remote::DestinationConfig& d : config_.destinations) names.push_back(d.name);
  log_->SetCursors(names, config_.delete_cursors);
  // A removed destination's cursor stays open in the log, holding its place (and the log's
  // segments from there, up to wal_max_size and wal_max_age) until delete_cursors names it.
  for (const std::string& name : change.destinations_removed) destinations_->Remove(name);
  // Deleted once no sender reads them: a removed destination's settles its window first.
  cursors_to_delete_ = config_.delete_cursors;
  Settle();
  wal::Wal* wal = log_->wal();
  if (wal == nullptr) return;  // the senders start with the log, from config_
  for (const remote::DestinationConfig& d : config_.destinations) {
    const auto& changed = change.destinations_changed;
    const auto& added = change.destinations_added;
    if (std::find(changed.begin(), changed.end(), d.name) != changed.end() ||
        std::find(added.begin(), added.end(), d.name) != added.end()) {
      StartSender(*wal, d);
    }
  }
}

// Ready when every sample has a place to go: the log is open and no destination has been
// failing for long.
bool Agent::Ready() const { return log_->wal() != nullptr && destinations_->Healthy(); }

void Agent::Stop() {
  stopping_ = true;
  sighup_.reset();
  http_->server().Shutdown();
  node_->Stop();               // stale markers go into the log before it closes
  scrape_successors_.clear();  // never started: nothing of theirs to mark stale
  for (auto& [name, scrape] : scrapes_) scrape->Stop();
  destinations_->Stop();
  log_->Stop();
}

bool Agent::Stopped() const {
  if (!destinations_->Stopped()) return false;
  for (const auto& [name, s] : scrapes_) {
    if (!s->Stopped()) return false;
  }
  return http_->server().connection_count() == 0 && log_->Stopped();
}

}  // namespace vigil::agent
