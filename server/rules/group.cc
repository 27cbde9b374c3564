#include "server/rules/group.h"

#include <algorithm>
#include <map>

#include "core/http_message.h"
#include "core/log.h"
#include "server/rules/alerting_rule.h"
#include "server/rules/recording_rule.h"

namespace vigil::rules {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Where a person sees the expression: the console's table for it, as Prometheus links.
std::string GeneratorUrl(const std::string& external_url, const promql::Expr& expr) {
  return external_url + "/graph?g0.expr=" + core::UrlEncode(expr.String()) + "&g0.tab=1";
}

// The rule's name and labels: what a reload matches rules by, as Prometheus does.
std::string RuleKey(const RuleSpec& r) {
  return std::string(r.kind == RuleSpec::Kind::kAlerting ? "alert:" : "record:") + r.name +
         r.labels.ToString();
}

const core::Labels& LabelsOf(const core::Labels& l) { return l; }
const core::Labels& LabelsOf(const RuleOutput& o) { return o.labels; }

}  // namespace

Group::Group(GroupSpec spec, const GroupContext& context, bool restored)
    : spec_(std::make_shared<const GroupSpec>(std::move(spec))),
      context_(context),
      interval_ms_(spec_->interval.value_or(context.default_interval).count()),
      query_offset_ms_(spec_->query_offset.value_or(context.default_query_offset).count()) {
  for (const RuleSpec& r : spec_->rules) {
    if (r.kind == RuleSpec::Kind::kAlerting) {
      rules_.push_back(std::make_unique<AlertingRule>(r, restored));
    } else {
      rules_.push_back(std::make_unique<RecordingRule>(r));
    }
  }
  PublishStatus(0, 0);
}

Group::~Group() = default;

int64_t Group::NextEvaluationAt(int64_t now_ms) const {
  // Groups of one interval are spread over it rather than all run at once.
  const uint64_t h =
      core::Labels::FromLiteral({{"file", spec_->file}, {"name", spec_->name}}).Hash();
  const int64_t offset = static_cast<int64_t>(h % static_cast<uint64_t>(interval_ms_));
  const int64_t adjusted = now_ms - offset;
  int64_t base = adjusted - ((adjusted % interval_ms_) + interval_ms_) % interval_ms_;
  int64_t next = base + offset;
  return next < now_ms ? next + interval_ms_ : next;
}

void Group::Eval(int64_t ts_ms) {
  std::lock_guard<std::mutex> lock(eval_mu_);
  if (retired_) return;
  const auto start = std::chrono::steady_clock::now();
  EvalContext ctx;
  ctx.ts_ms = ts_ms;
  ctx.query_ts_ms = ts_ms - query_offset_ms_;
  ctx.limit = spec_->limit;
  ctx.engine = context_.engine;
  ctx.deadline = context_.engine->DeadlineFromNow();
  ctx.external_labels = &context_.external_labels;
  ctx.external_url = &context_.external_url;

  if (!stale_pending_.empty() && WriteStale(stale_pending_, ctx.query_ts_ms).ok())
    stale_pending_.clear();
  for (std::unique_ptr<Rule>& rule : rules_) {
    const auto rule_start = std::chrono::steady_clock::now();
    rule_evaluations_.fetch_add(1, std::memory_order_relaxed);
    core::Result<std::vector<RuleOutput>> outputs = rule->Eval(ctx);
    rule->last_evaluation_ms = ts_ms;
    if (!outputs.ok()) {
      // The rule is unhealthy until it evaluates again; the others go on, and what it wrote
      // last time is neither repeated nor marked stale, as in Prometheus.
      rule->health = RuleHealth::kBad;
      rule->last_error = outputs.status().message();
      rule_failures_.fetch_add(1, std::memory_order_relaxed);
      rule->evaluation_seconds = SecondsSince(rule_start);
      continue;
    }
    rule->health = RuleHealth::kGood;
    rule->last_error.clear();
    if (auto* alerting = dynamic_cast<AlertingRule*>(rule.get())) {
      std::vector<NotifierAlert> due =
          alerting->AlertsToSend(ts_ms, context_.resend_delay.count(), interval_ms_,
                                 GeneratorUrl(context_.external_url, *rule->spec().parsed));
      if (!due.empty() && context_.notify) context_.notify(std::move(due));
    }
    Write(*rule, std::move(*outputs), ctx.query_ts_ms);
    rule->evaluation_seconds = SecondsSince(rule_start);
  }
  evaluations_.fetch_add(1, std::memory_order_relaxed);
  PublishStatus(ts_ms, SecondsSince(start));
}

void Group::Write(Rule& rule, std::vector<RuleOutput> outputs, int64_t ts_ms) {
  std::sort(outputs.begin(), outputs.end(),
            [](const RuleOutput& a, const RuleOutput& b) { return a.labels < b.labels; });
  // The appender refers to the labels until Commit: they stay in `outputs` until then.
  std::unique_ptr<storage::Appender> app = context_.appendable->OpenAppender();
  size_t refused = 0;
  std::string first_refusal;
  for (const RuleOutput& o : outputs) {
    const core::Sample sample{ts_ms, o.value};
    core::Status s = app->Add(o.labels, {&sample, 1});
    if (!s.ok()) {
      // Out of order or a duplicate: the sample is not kept, the rest are.
      if (refused++ == 0) first_refusal = s.message();
    }
  }
  // Series written last time and not now end here, so queries stop seeing them at once.
  auto answered = [&outputs](const core::Labels& l) {
    return std::binary_search(outputs.begin(), outputs.end(), l, [](const auto& a, const auto& b) {
      return LabelsOf(a) < LabelsOf(b);
    });
  };
  const core::Sample stale{ts_ms, core::StaleNaN()};
  for (const core::Labels& old : rule.written) {
    if (!answered(old)) (void)app->Add(old, {&stale, 1});
  }
  core::Result<storage::AppendResult> committed = app->Commit();
  if (!committed.ok()) {
    rule.health = RuleHealth::kBad;
    rule.last_error = "storing the rule's samples failed: " + committed.status().message();
    return;
  }
  if (refused > 0) {
    core::LogWarn("rule samples refused by storage", {{"group", spec_->name},
                                                      {"rule", rule.spec().name},
                                                      {"refused", refused},
                                                      {"err", first_refusal}});
  }
  rule.written.clear();
  rule.written.reserve(outputs.size());
  for (RuleOutput& o : outputs) rule.written.push_back(std::move(o.labels));
}

core::Status Group::WriteStale(const std::vector<core::Labels>& series, int64_t ts_ms) {
  std::unique_ptr<storage::Appender> app = context_.appendable->OpenAppender();
  const core::Sample stale{ts_ms, core::StaleNaN()};
  for (const core::Labels& s : series) (void)app->Add(s, {&stale, 1});
  return app->Commit().status();
}

void Group::RestoreForState(int64_t ts_ms) {
  std::lock_guard<std::mutex> lock(eval_mu_);
  std::unique_ptr<storage::Querier> querier = context_.queryable->OpenQuerier();
  const int64_t mint = ts_ms - context_.outage_tolerance.count();
  std::vector<core::Sample> samples;
  auto lookup = [&](const core::Labels& series) -> const core::Sample* {
    storage::Matchers matchers;
    for (const core::Label& l : series) {
      auto m = storage::Matcher::Create(storage::MatchType::kEqual, l.name, l.value);
      if (!m.ok()) return nullptr;
      matchers.push_back(std::move(*m));
    }
    std::unique_ptr<storage::SeriesSet> set = querier->Select(matchers, mint, ts_ms);
    while (set->Next()) {
      if (set->labels() == series && !set->samples().empty()) {
        samples = std::move(set->samples());
        return &samples.back();
      }
    }
    if (!set->status().ok()) {
      core::LogWarn("cannot read ALERTS_FOR_STATE to restore an alert",
                    {{"group", spec_->name}, {"err", set->status().message()}});
    }
    return nullptr;
  };
  for (std::unique_ptr<Rule>& rule : rules_) {
    if (auto* alerting = dynamic_cast<AlertingRule*>(rule.get())) {
      alerting->RestoreForState(ts_ms, context_.for_grace_period.count(), lookup);
    }
  }
}

bool Group::restored() const {
  std::lock_guard<std::mutex> lock(eval_mu_);
  for (const std::unique_ptr<Rule>& rule : rules_) {
    if (auto* alerting = dynamic_cast<const AlertingRule*>(rule.get());
        alerting && !alerting->restored()) {
      return false;
    }
  }
  return true;
}

void Group::CopyStateFrom(Group& old) {
  std::scoped_lock lock(eval_mu_, old.eval_mu_);
  // Rules are matched by kind, name and labels, in order: the n-th rule of a name here takes
  // the n-th of that name there.
  std::map<std::string, std::vector<Rule*>> by_key;
  for (auto it = old.rules_.rbegin(); it != old.rules_.rend(); ++it)
    by_key[RuleKey((*it)->spec())].push_back(it->get());
  for (std::unique_ptr<Rule>& rule : rules_) {
    std::vector<Rule*>& candidates = by_key[RuleKey(rule->spec())];
    if (candidates.empty()) continue;
    Rule* from = candidates.back();
    candidates.pop_back();
    rule->written = std::move(from->written);
    rule->health = from->health;
    rule->last_error = from->last_error;
    rule->last_evaluation_ms = from->last_evaluation_ms;
    rule->evaluation_seconds = from->evaluation_seconds;
    auto* to_alerting = dynamic_cast<AlertingRule*>(rule.get());
    auto* from_alerting = dynamic_cast<AlertingRule*>(from);
    if (to_alerting && from_alerting) {
      to_alerting->TakeAlertsFrom(*from_alerting);
      if (from_alerting->restored()) to_alerting->set_restored();
    }
  }
  // What the rules that are gone wrote is marked stale at this group's next evaluation.
  stale_pending_ = std::move(old.stale_pending_);
  for (auto& [key, left] : by_key) {
    for (Rule* r : left)
      stale_pending_.insert(stale_pending_.end(), r->written.begin(), r->written.end());
  }
  old.retired_ = true;
  evaluations_.store(old.evaluations_.load());
  rule_evaluations_.store(old.rule_evaluations_.load());
  rule_failures_.store(old.rule_failures_.load());
  std::shared_ptr<const GroupStatus> old_status = old.Status();
  PublishStatus(old_status->last_evaluation_ms, old_status->evaluation_seconds);
}

void Group::MarkSeriesStale(int64_t ts_ms) {
  std::lock_guard<std::mutex> lock(eval_mu_);
  retired_ = true;
  std::vector<core::Labels> all = std::move(stale_pending_);
  for (const std::unique_ptr<Rule>& rule : rules_)
    all.insert(all.end(), rule->written.begin(), rule->written.end());
  if (all.empty()) return;
  core::Status s = WriteStale(all, ts_ms - query_offset_ms_);
  if (!s.ok())
    core::LogWarn("cannot mark a removed group's series stale",
                  {{"group", spec_->name}, {"err", s.message()}});
}

void Group::PublishStatus(int64_t ts_ms, double seconds) {
  auto status = std::make_shared<GroupStatus>();
  status->spec = spec_;
  status->interval_ms = interval_ms_;
  status->last_evaluation_ms = ts_ms;
  status->evaluation_seconds = seconds;
  for (const std::unique_ptr<Rule>& rule : rules_) {
    RuleStatus r;
    r.spec = &rule->spec();
    r.health = rule->health;
    r.last_error = rule->last_error;
    r.last_evaluation_ms = rule->last_evaluation_ms;
    r.evaluation_seconds = rule->evaluation_seconds;
    if (auto* alerting = dynamic_cast<const AlertingRule*>(rule.get())) {
      r.alerts = alerting->ActiveAlerts();
      r.state = alerting->State();
    }
    status->rules.push_back(std::move(r));
  }
  std::lock_guard<std::mutex> lock(status_mu_);
  status_ = std::move(status);
}

std::shared_ptr<const GroupStatus> Group::Status() const {
  std::lock_guard<std::mutex> lock(status_mu_);
  return status_;
}

std::vector<Alert> Group::FiringAlerts(std::string_view alertname) const {
  std::lock_guard<std::mutex> lock(eval_mu_);
  std::vector<Alert> out;
  for (const std::unique_ptr<Rule>& rule : rules_) {
    auto* alerting = dynamic_cast<const AlertingRule*>(rule.get());
    if (alerting == nullptr || rule->spec().name != alertname) continue;
    for (Alert& a : alerting->ActiveAlerts()) {
      if (a.state == AlertState::kFiring) out.push_back(std::move(a));
    }
  }
  return out;
}

std::vector<std::string> Group::LastErrors() const {
  std::lock_guard<std::mutex> lock(eval_mu_);
  std::vector<std::string> out;
  for (const std::unique_ptr<Rule>& rule : rules_) out.push_back(rule->last_error);
  return out;
}

}  // namespace vigil::rules
