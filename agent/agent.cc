#include "agent/agent.h"

#include <algorithm>
#include <csignal>

#include "collectors/collectors.h"
#include "core/build_info.h"
#include "core/log.h"

namespace vigil::agent {

Agent::Agent(core::Loop& loop, AgentConfig config, const core::Clock& clock)
    : config_(std::move(config)), loop_(loop), clock_(clock) {
  core::RegisterBuildMetrics(metrics_, "vigil-agent", clock);
}

core::Result<std::unique_ptr<Agent>> Agent::Create(core::Loop& loop, AgentConfig config,
                                                   const core::Clock& clock) {
  // No check of data_dir here: a read-only or full disk must not stop collection; the
  // sample log reports it and holds samples in memory until the disk takes them.
  std::unique_ptr<Agent> agent(new Agent(loop, std::move(config), clock));
  Agent* a = agent.get();
  core::HttpServerOptions options;
  options.listen = a->config_.listen;
  VIGIL_ASSIGN_OR_RETURN(a->http_, core::HttpEndpoint::Create(loop, options, a->metrics_));
  a->sighup_ = std::make_unique<core::SignalWatch>(loop, SIGHUP, [](int) {
    core::LogWarn("SIGHUP: the agent does not reload its configuration yet; restart it to apply changes");
  });
  core::AddAdminRoutes(
      a->http_->router(), a->metrics_, "Vigil Agent", [a] { return a->Ready(); },
      [a] { return a->node_->Exposition(); });

  SampleLogOptions log_options;
  log_options.wal.dir = a->config_.data_dir + "/wal";
  log_options.wal.max_size = a->config_.wal_max_size;
  log_options.wal.max_age = a->config_.wal_max_age;
  log_options.wal.fsync =
      a->config_.wal_fsync_always ? wal::FsyncPolicy::kAlways : wal::FsyncPolicy::kInterval;
  for (const auto& d : a->config_.destinations) log_options.destinations.push_back(d.name);
  a->log_ = std::make_unique<SampleLog>(loop, std::move(log_options), clock, a->metrics_);
  a->log_->Start([a](wal::Wal& wal) { a->StartSenders(wal); },
                 [a] {
                   for (auto& sender : a->senders_) sender->Notify();
                 });
  std::vector<std::unique_ptr<collectors::Collector>> enabled;
  for (auto& c : collectors::DefaultCollectors(a->config_.roots, clock)) {
    const auto& off = a->config_.disabled_collectors;
    if (std::find(off.begin(), off.end(), c->name()) == off.end()) enabled.push_back(std::move(c));
  }
  std::vector<core::Label> node_labels{{"job", a->config_.job}, {"instance", a->config_.node_name}};
  node_labels.insert(node_labels.end(), a->config_.extra_labels.begin(),
                     a->config_.extra_labels.end());
  a->node_ = std::make_unique<NodeTarget>(
      loop, collectors::CollectorSet(std::move(enabled), clock, a->config_.roots.files),
      a->config_.interval, std::move(node_labels), clock,
      [a](std::vector<LabeledSample> batch) { a->log_->Append(std::move(batch)); });
  if (a->config_.push_self_metrics) {
    a->node_->SetSelfMetrics([a] { return a->metrics_.Collect(); });
  }
  a->node_->Start();
  for (const ScrapeConfig& sc : a->config_.scrapes) {
    auto target = std::make_unique<ScrapeTarget>(
        loop, sc, a->config_.extra_labels, clock,
        [a](std::vector<LabeledSample> batch) { a->log_->Append(std::move(batch)); });
    target->SetMetadataSink([a](const std::vector<core::FamilyMetadata>& families) {
      for (const core::FamilyMetadata& f : families)
        a->metadata_[f.name] = {f.name, f.type, f.help, ""};
    });
    target->Start();
    a->scrapes_.push_back(std::move(target));
  }
  core::LogInfo("listening", {{"addr", a->http_->server().address().ToString()},
                              {"node_name", a->config_.node_name},
                              {"destinations", a->config_.destinations.size()}});
  return agent;
}

void Agent::StartSenders(wal::Wal& wal) {
  if (!senders_.empty()) return;
  for (const remote::DestinationConfig& d : config_.destinations) {
    auto cursor = wal.OpenCursor(d.name);
    if (!cursor.ok()) {
      core::LogError("cannot open WAL cursor",
                     {{"destination", d.name}, {"err", cursor.status().message()}});
      continue;
    }
    senders_.push_back(std::make_unique<remote::Sender>(
        loop_, d, *cursor, clock_, metrics_, std::string("vigil-agent/") + core::kVersion));
    senders_.back()->SetMetadataSource([this] {
      // The node's families, then the scraped pages' (a scraped family of the same name wins).
      std::map<std::string, remote::MetricMetadata> by_name;
      for (core::FamilyMetadata& f : node_->Metadata()) by_name[f.name] = {f.name, f.type, std::move(f.help), ""};
      for (const auto& [name, m] : metadata_) by_name[name] = m;
      std::vector<remote::MetricMetadata> all;
      all.reserve(by_name.size());
      for (auto& [name, m] : by_name) all.push_back(std::move(m));
      return all;
    });
    senders_.back()->Start();
  }
}

// Ready when every sample has a place to go: the log is open and no destination has been
// failing for long.
bool Agent::Ready() const {
  if (log_->wal() == nullptr) return false;
  for (const auto& s : senders_) {
    if (!s->Healthy()) return false;
  }
  return true;
}

void Agent::Stop() {
  sighup_.reset();
  http_->server().Shutdown();
  node_->Stop();  // stale markers go into the log before it closes
  for (auto& scrape : scrapes_) scrape->Stop();
  for (auto& sender : senders_) sender->Stop();
  log_->Stop();
}

bool Agent::Stopped() const {
  for (const auto& s : senders_) {
    if (!s->Stopped()) return false;
  }
  for (const auto& s : scrapes_) {
    if (!s->Stopped()) return false;
  }
  return http_->server().connection_count() == 0 && log_->Stopped();
}

}  // namespace vigil::agent
