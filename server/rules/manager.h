#pragma once
// Runs the rule groups: each on its own interval, aligned as Prometheus aligns them, evaluated
// on the thread pool (never on the loop); a group whose evaluation is still running when its
// next one is due skips it and counts it missed. Reloads read and check the rule files on the
// pool and swap the groups in only when every file is good: unchanged rules keep their alerts,
// removed ones get their series marked stale, and a bad reload leaves the running rules alone.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "core/uv.h"
#include "server/rules/group.h"

namespace vigil::rules {

class RuleManager {
 public:
  RuleManager(core::Loop& loop, const core::Clock& clock, core::MetricsRegistry& metrics);
  ~RuleManager();
  RuleManager(const RuleManager&) = delete;
  RuleManager& operator=(const RuleManager&) = delete;

  // The groups at the server's start: alerts' `for` state is restored from ALERTS_FOR_STATE
  // after each group's first evaluation.
  void Start(std::vector<GroupSpec> groups, GroupContext context);
  // Reads `files` on the pool; then, on the loop, the new groups replace the running ones and
  // `done` hears OK, or the running groups stay and `done` hears every problem. One reload at
  // a time: another asked meanwhile is refused (Unavailable).
  void Reload(std::vector<std::string> files, GroupContext context,
              std::function<void(core::Status)> done);

  // The groups as last evaluated, in file and group order. Loop thread.
  std::vector<std::shared_ptr<const GroupStatus>> Statuses() const;

  void Stop();
  bool Stopped() const { return in_flight_ == 0 && !reloading_; }

 private:
  struct Runner;
  using Runners = std::vector<std::shared_ptr<Runner>>;

  void Schedule(const std::shared_ptr<Runner>& runner);
  void Fire(const std::shared_ptr<Runner>& runner);
  void Swap(Runners runners);
  void CollectMetrics(std::vector<core::MetricFamily>* out) const;

  core::Loop& loop_;
  const core::Clock& clock_;
  Runners runners_;
  size_t in_flight_ = 0;
  bool reloading_ = false;
  bool stopped_ = false;
  bool last_reload_ok_ = true;
  int64_t last_reload_success_ms_ = 0;
};

}  // namespace vigil::rules
