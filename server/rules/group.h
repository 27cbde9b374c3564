#pragma once
// A rule group: its rules evaluated in order at one timestamp, each seeing what the ones
// before it wrote. Recording rules and the ALERTS / ALERTS_FOR_STATE series are written to
// storage through an appender; a series a rule wrote last time and not this time gets a stale
// marker, as in Prometheus. Evaluation runs on a worker thread; what the API shows is a
// snapshot published after each evaluation, read from any thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/metrics.h"
#include "server/promql/engine.h"
#include "server/rules/alert.h"
#include "server/rules/notifier.h"
#include "server/rules/rule.h"
#include "server/rules/rule_file.h"
#include "server/storage/appender.h"
#include "server/storage/querier.h"

namespace vigil::rules {

// What every group of a server shares; the rules manager owns it and outlives its groups.
struct GroupContext {
  const promql::Engine* engine = nullptr;
  storage::Appendable* appendable = nullptr;
  const storage::Queryable* queryable = nullptr;  // for restoring alerts' `for` state
  core::Labels external_labels;
  std::string external_url;
  std::chrono::milliseconds default_interval{15'000};
  std::chrono::milliseconds default_query_offset{0};
  std::chrono::milliseconds resend_delay{60'000};
  std::chrono::milliseconds outage_tolerance{3'600'000};
  std::chrono::milliseconds for_grace_period{600'000};
  // Alerts to send (may be unset: nothing is sent). Called on the evaluating thread.
  std::function<void(std::vector<NotifierAlert>)> notify;
};

// One rule as the API shows it after an evaluation.
struct RuleStatus {
  const RuleSpec* spec = nullptr;  // owned by the GroupStatus's spec
  RuleHealth health = RuleHealth::kUnknown;
  std::string last_error;
  int64_t last_evaluation_ms = 0;  // 0: never evaluated
  double evaluation_seconds = 0;
  AlertState state = AlertState::kInactive;  // alerting: the highest of its alerts
  std::vector<Alert> alerts;                 // alerting: pending and firing ones
};

struct GroupStatus {
  std::shared_ptr<const GroupSpec> spec;
  int64_t interval_ms = 0;
  int64_t last_evaluation_ms = 0;
  double evaluation_seconds = 0;
  std::vector<RuleStatus> rules;
};

class Group {
 public:
  // `restored`: false at the server's start, when alerts' `for` state is to be restored from
  // ALERTS_FOR_STATE after the first evaluation (RestoreForState); true for groups a reload adds.
  Group(GroupSpec spec, const GroupContext& context, bool restored);
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  const GroupSpec& spec() const { return *spec_; }
  int64_t interval_ms() const { return interval_ms_; }
  // The group's evaluation timestamps are interval apart, at an offset within the interval
  // that the group's name and file decide, as Prometheus's: the first at or after `now_ms`.
  int64_t NextEvaluationAt(int64_t now_ms) const;

  // Evaluates every rule at `ts_ms`, writes their results, sends the alerts due and publishes
  // the status. Not thread-safe: one evaluation at a time.
  void Eval(int64_t ts_ms);
  // Moves alerts' active_at from ALERTS_FOR_STATE, with the outage tolerance and grace period.
  void RestoreForState(int64_t ts_ms);
  bool restored() const;
  // A reload kept this group (same name and file): rules that are the same keep their alerts
  // and the series they wrote last (for stale markers).
  void CopyStateFrom(Group& old);
  // The group is going away (a reload removed it, or the server stops): stale markers for
  // every series its rules wrote last, at `ts_ms`.
  void MarkSeriesStale(int64_t ts_ms);

  std::shared_ptr<const GroupStatus> Status() const;
  // Evaluations counted for the self-metrics; read from any thread.
  uint64_t evaluations() const { return evaluations_.load(std::memory_order_relaxed); }
  uint64_t rule_evaluations() const { return rule_evaluations_.load(std::memory_order_relaxed); }
  uint64_t rule_failures() const { return rule_failures_.load(std::memory_order_relaxed); }

  // For `vigil-server test-rules`: the firing alerts of the alerting rules named `alertname`.
  std::vector<Alert> FiringAlerts(std::string_view alertname) const;
  // Each rule's error of the last evaluation ("" when it went well), in rule order.
  std::vector<std::string> LastErrors() const;

 private:
  // Writes what rule `i` answered and stale markers for what it no longer answers.
  void Write(Rule& rule, std::vector<RuleOutput> outputs, int64_t ts_ms);
  // Stale markers at `ts_ms` for these series; false when they could not be stored.
  core::Status WriteStale(const std::vector<core::Labels>& series, int64_t ts_ms);
  void PublishStatus(int64_t ts_ms, double seconds);

  std::shared_ptr<const GroupSpec> spec_;
  const GroupContext& context_;
  const int64_t interval_ms_;
  const int64_t query_offset_ms_;
  std::vector<std::unique_ptr<Rule>> rules_;
  // Held by whatever reads or moves the rules' state: Eval, RestoreForState, CopyStateFrom,
  // MarkSeriesStale. A group a reload replaced is `retired` and evaluates no more.
  mutable std::mutex eval_mu_;
  bool retired_ = false;
  std::vector<core::Labels> stale_pending_;  // series of rules a reload removed
  std::atomic<uint64_t> evaluations_{0};
  std::atomic<uint64_t> rule_evaluations_{0};
  std::atomic<uint64_t> rule_failures_{0};
  mutable std::mutex status_mu_;
  std::shared_ptr<const GroupStatus> status_;
};

}  // namespace vigil::rules
