#include "server/rules/manager.h"

#include <algorithm>

#include "core/log.h"

namespace vigil::rules {

// A group with its schedule. Made, fired and dropped on the loop; its group is shared with the
// evaluation running on the pool.
struct RuleManager::Runner {
  std::shared_ptr<const GroupContext> context;  // outlives the group, which refers to it
  std::shared_ptr<Group> group;
  std::string key;  // "FILE;NAME", Prometheus's group key and the metrics' rule_group
  std::unique_ptr<core::Timer> timer;
  int64_t next_ms = 0;
  bool running = false;
  bool restore_after_next = false;
  uint64_t missed = 0;
};

namespace {

std::string GroupKey(const GroupSpec& g) { return g.file + ";" + g.name; }

}  // namespace

RuleManager::RuleManager(core::Loop& loop, const core::Clock& clock, core::MetricsRegistry& metrics)
    : loop_(loop), clock_(clock) {
  metrics.AddCollector([this](std::vector<core::MetricFamily>* out) { CollectMetrics(out); });
}

RuleManager::~RuleManager() = default;

void RuleManager::Start(std::vector<GroupSpec> groups, GroupContext context) {
  auto shared = std::make_shared<const GroupContext>(std::move(context));
  Runners runners;
  for (GroupSpec& spec : groups) {
    auto r = std::make_shared<Runner>();
    r->context = shared;
    r->key = GroupKey(spec);
    r->group = std::make_shared<Group>(std::move(spec), *shared, /*restored=*/false);
    r->restore_after_next = true;
    runners.push_back(std::move(r));
  }
  last_reload_success_ms_ = clock_.NowUnixMillis();
  Swap(std::move(runners));
}

void RuleManager::Reload(std::vector<std::string> files, GroupContext context,
                         std::function<void(core::Status)> done) {
  if (stopped_) return done(core::UnavailableError("the server is stopping"));
  if (reloading_) return done(core::UnavailableError("a reload is already in progress"));
  reloading_ = true;
  struct Work {
    std::vector<std::string> files;
    std::shared_ptr<const GroupContext> context;
    std::map<std::string, std::shared_ptr<Group>> old;  // by key
    Runners runners;
    core::Status status;
  };
  auto work = std::make_shared<Work>();
  work->files = std::move(files);
  work->context = std::make_shared<const GroupContext>(std::move(context));
  for (const auto& r : runners_) work->old[r->key] = r->group;
  core::QueueWork(
      loop_,
      [work, &clock = clock_] {
        core::Result<std::vector<GroupSpec>> specs =
            LoadRuleFiles(ExpandRuleFilePatterns(work->files));
        if (!specs.ok()) {
          work->status = specs.status();
          return;
        }
        for (GroupSpec& spec : *specs) {
          auto r = std::make_shared<Runner>();
          r->context = work->context;
          r->key = GroupKey(spec);
          r->group = std::make_shared<Group>(std::move(spec), *work->context, /*restored=*/true);
          auto old = work->old.find(r->key);
          if (old != work->old.end()) {
            // Waits for an evaluation of the old group in flight; the old group then stops.
            r->group->CopyStateFrom(*old->second);
            work->old.erase(old);
          }
          work->runners.push_back(std::move(r));
        }
        for (auto& [key, group] : work->old) group->MarkSeriesStale(clock.NowUnixMillis());
      },
      [this, work, done = std::move(done)] {
        reloading_ = false;
        last_reload_ok_ = work->status.ok();
        if (!work->status.ok()) {
          core::LogError("rule reload failed; the rules loaded before keep running",
                         {{"err", work->status.message()}});
        } else {
          last_reload_success_ms_ = clock_.NowUnixMillis();
          size_t rules = 0;
          for (const auto& r : work->runners) rules += r->group->spec().rules.size();
          core::LogInfo("rules reloaded", {{"groups", work->runners.size()}, {"rules", rules}});
          if (!stopped_) Swap(std::move(work->runners));
        }
        done(work->status);
      });
}

void RuleManager::Swap(Runners runners) {
  for (auto& r : runners_) r->timer.reset();
  runners_ = std::move(runners);
  for (auto& r : runners_) Schedule(r);
}

void RuleManager::Schedule(const std::shared_ptr<Runner>& runner) {
  const int64_t now = clock_.NowUnixMillis();
  if (runner->next_ms == 0) {
    runner->next_ms = runner->group->NextEvaluationAt(now);
  } else {
    runner->next_ms += runner->group->interval_ms();
    if (runner->next_ms < now) {
      // The loop or the clock jumped past whole intervals: those evaluations are missed.
      const int64_t behind = (now - runner->next_ms) / runner->group->interval_ms() + 1;
      runner->missed += static_cast<uint64_t>(behind);
      runner->next_ms += behind * runner->group->interval_ms();
    }
  }
  if (!runner->timer) {
    std::weak_ptr<Runner> weak = runner;
    runner->timer = std::make_unique<core::Timer>(loop_, [this, weak] {
      if (auto r = weak.lock()) Fire(r);
    });
  }
  runner->timer->Start(std::chrono::milliseconds(std::max<int64_t>(0, runner->next_ms - now)));
}

void RuleManager::Fire(const std::shared_ptr<Runner>& runner) {
  const int64_t ts = runner->next_ms;
  if (runner->running) {
    ++runner->missed;  // the evaluation before is still running
  } else {
    runner->running = true;
    ++in_flight_;
    const bool restore = runner->restore_after_next;
    runner->restore_after_next = false;
    core::QueueWork(
        loop_,
        [group = runner->group, context = runner->context, ts, restore, &clock = clock_] {
          group->Eval(ts);
          if (restore) group->RestoreForState(clock.NowUnixMillis());
        },
        [this, runner] {
          runner->running = false;
          --in_flight_;
        });
  }
  if (!stopped_ && runner->timer) Schedule(runner);
}

std::vector<std::shared_ptr<const GroupStatus>> RuleManager::Statuses() const {
  std::vector<std::shared_ptr<const GroupStatus>> out;
  out.reserve(runners_.size());
  for (const auto& r : runners_) out.push_back(r->group->Status());
  return out;
}

void RuleManager::Stop() {
  stopped_ = true;
  for (auto& r : runners_) r->timer.reset();
}

void RuleManager::CollectMetrics(std::vector<core::MetricFamily>* out) const {
  auto family = [out](std::string name, std::string help,
                      core::MetricType type) -> core::MetricFamily& {
    out->push_back({std::move(name), std::move(help), type, {}});
    return out->back();
  };
  core::MetricFamily& reload_ok =
      family("vigil_rules_last_reload_successful", "Whether the last rule reload succeeded.",
             core::MetricType::kGauge);
  reload_ok.samples.push_back({reload_ok.name, {}, last_reload_ok_ ? 1.0 : 0.0, {}});
  core::MetricFamily& reload_ts =
      family("vigil_rules_last_reload_success_timestamp_seconds",
             "When the rules were last loaded successfully.", core::MetricType::kGauge);
  reload_ts.samples.push_back({reload_ts.name, {}, last_reload_success_ms_ / 1000.0, {}});

  struct PerGroup {
    const char* name;
    const char* help;
    core::MetricType type;
    double (*value)(const Runner&, const GroupStatus&);
  };
  static const PerGroup kPerGroup[] = {
      {"vigil_rule_group_interval_seconds", "The interval of a rule group.",
       core::MetricType::kGauge,
       [](const Runner&, const GroupStatus& s) { return s.interval_ms / 1000.0; }},
      {"vigil_rule_group_last_duration_seconds",
       "How long the last evaluation of a rule group took.", core::MetricType::kGauge,
       [](const Runner&, const GroupStatus& s) { return s.evaluation_seconds; }},
      {"vigil_rule_group_last_evaluation_timestamp_seconds",
       "When the rule group was last evaluated.", core::MetricType::kGauge,
       [](const Runner&, const GroupStatus& s) { return s.last_evaluation_ms / 1000.0; }},
      {"vigil_rule_group_rules", "The number of rules in a group.", core::MetricType::kGauge,
       [](const Runner&, const GroupStatus& s) { return static_cast<double>(s.rules.size()); }},
      {"vigil_rule_group_iterations_total", "Scheduled evaluations of a rule group, run or missed.",
       core::MetricType::kCounter,
       [](const Runner& r, const GroupStatus&) {
         return static_cast<double>(r.group->evaluations() + r.missed);
       }},
      {"vigil_rule_group_iterations_missed_total",
       "Evaluations of a rule group skipped because the one before was still running.",
       core::MetricType::kCounter,
       [](const Runner& r, const GroupStatus&) { return static_cast<double>(r.missed); }},
      {"vigil_rule_evaluations_total", "Rule evaluations.", core::MetricType::kCounter,
       [](const Runner& r, const GroupStatus&) {
         return static_cast<double>(r.group->rule_evaluations());
       }},
      {"vigil_rule_evaluation_failures_total", "Rule evaluations that failed.",
       core::MetricType::kCounter,
       [](const Runner& r, const GroupStatus&) {
         return static_cast<double>(r.group->rule_failures());
       }},
  };
  for (const PerGroup& m : kPerGroup) {
    core::MetricFamily& f = family(m.name, m.help, m.type);
    for (const auto& r : runners_) {
      std::shared_ptr<const GroupStatus> status = r->group->Status();
      f.samples.push_back({f.name, {{"rule_group", r->key}}, m.value(*r, *status), {}});
    }
  }
}

}  // namespace vigil::rules
