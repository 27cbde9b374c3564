#include "server/api/query_api.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <set>

#include "core/build_info.h"
#include "core/exposition.h"
#include "core/number.h"
#include "server/api/federate.h"
#include "server/api/json.h"
#include "server/promql/lexer.h"
#include "server/promql/parser.h"

namespace vigil::server {
namespace {

constexpr int64_t kMinTime = INT64_MIN / 2;
constexpr int64_t kMaxTime = INT64_MAX / 2;

using Form = std::vector<std::pair<std::string, std::string>>;

std::string FormValue(const Form& form, std::string_view name) {
  for (const auto& [k, v] : form) {
    if (k == name) return v;
  }
  return "";
}

std::vector<std::string> FormValues(const Form& form, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : form) {
    if (k == name) out.push_back(v);
  }
  return out;
}

bool HasValue(const Form& form, std::string_view name) {
  return std::any_of(form.begin(), form.end(), [&](const auto& kv) { return kv.first == name; });
}

// Prometheus answers the stats when the parameter is given any value.
bool WantsStats(const Form& form) { return !FormValue(form, "stats").empty(); }

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// RFC 3339 with optional fractional seconds: 2023-11-14T22:13:20.5Z, ...+01:00.
std::optional<int64_t> ParseRfc3339(const std::string& s) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    int64_t scale = 100;
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
      ms += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) return ms;
  int oh = 0, om = 0;
  if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') &&
      std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) == 2) {
    const int64_t offset = (oh * 60 + om) * 60000LL;
    return s[i] == '+' ? ms - offset : ms + offset;
  }
  return std::nullopt;
}

// Prometheus's parseTime: Unix seconds with a fraction, or RFC 3339.
core::Result<int64_t> ParseTime(const std::string& text) {
  if (std::optional<double> seconds = core::ParseFloat(text)) {
    if (std::isfinite(*seconds) && std::fabs(*seconds) < 9.2e15) {
      const double whole = std::trunc(*seconds);
      return static_cast<int64_t>(whole) * 1000 +
             static_cast<int64_t>(std::round((*seconds - whole) * 1000));
    }
  }
  if (std::optional<int64_t> t = ParseRfc3339(text)) return *t;
  return core::InvalidArgumentError("cannot parse \"" + text + "\" to a valid timestamp");
}

// Prometheus's parseDuration: seconds with a fraction, or a duration such as 5m.
core::Result<int64_t> ParseDuration(const std::string& text) {
  if (std::optional<double> seconds = core::ParseFloat(text)) {
    const double ms = *seconds * 1000;
    if (!(ms < 9.2e18 && ms > -9.2e18)) {
      return core::InvalidArgumentError("cannot parse \"" + text +
                                        "\" to a valid duration. It overflows int64");
    }
    return static_cast<int64_t>(ms);
  }
  const int64_t d = promql::ParseDurationText(text);
  if (d >= 0) return d;
  return core::InvalidArgumentError("cannot parse \"" + text + "\" to a valid duration");
}

// 11000 as "11,000", as Prometheus writes its resolution limit.
std::string WithThousands(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

core::HttpResponse InvalidParam(std::string_view name, const core::Status& s) {
  return ApiError("bad_data", "invalid parameter \"" + std::string(name) + "\": " + s.message());
}

// Prometheus words a query whose timeout passed while it waited "query timed out in query
// queue" (503, timeout). Its queue has no bound, so a full queue is Vigil's own answer: 503,
// unavailable, the type Prometheus gives a service that cannot take the request now.
core::HttpResponse QueueRefusal(QueryAdmission admission, bool json) {
  const bool timed_out = admission == QueryAdmission::kTimedOut;
  const std::string message =
      timed_out ? "query timed out in query queue"
                : "too many queries waiting to run ([query] max_queued); try again later";
  if (json) return ApiError(timed_out ? "timeout" : "unavailable", message);
  return core::HttpResponse::Text(503, message + "\n");
}

core::HttpResponse ErrorFor(const core::Status& s) {
  switch (s.code()) {
    case core::StatusCode::kInvalidArgument:
      return ApiError("bad_data", s.message());
    case core::StatusCode::kDeadlineExceeded:
      return ApiError("timeout", s.message());
    case core::StatusCode::kFailedPrecondition:
    case core::StatusCode::kResourceExhausted:
      return ApiError("execution", s.message());
    default:
      return ApiError("internal", s.message());
  }
}

void AppendPoint(std::string* out, int64_t t, double value) {
  out->push_back('[');
  AppendJsonTimestamp(out, t);
  *out += ",\"";
  core::AppendFloatF(out, value);
  *out += "\"]";
}

// Prometheus's query stats (the `stats` parameter): the timings and the samples read. Vigil does
// not sort results after evaluating them (resultSortTime 0) and keeps no per-step counts.
void AppendStatsJson(std::string* out, const promql::QueryStats& s, double queue_seconds) {
  auto seconds = [out](const char* name, double v, bool last = false) {
    *out += "\"";
    *out += name;
    *out += "\":";
    core::AppendFloatF(out, v);
    if (!last) out->push_back(',');
  };
  const double eval = s.preparation_seconds + s.evaluation_seconds;
  *out += ",\"stats\":{\"timings\":{";
  seconds("evalTotalTime", eval);
  seconds("resultSortTime", 0);
  seconds("queryPreparationTime", s.preparation_seconds);
  seconds("innerEvalTime", s.evaluation_seconds);
  seconds("execQueueTime", queue_seconds);
  seconds("execTotalTime", queue_seconds + eval, true);
  *out += "},\"samples\":{\"totalQueryableSamples\":" + std::to_string(s.total_queryable_samples) +
          ",\"peakSamples\":" + std::to_string(s.peak_samples) + "}}";
}

// `queue_seconds` < 0: no stats asked for.
void AppendResultJson(std::string* body, const promql::QueryResult& r, double queue_seconds = -1) {
  std::string& out = *body;
  size_t total_points = 0;
  for (const promql::Series& s : r.matrix) total_points += s.points.size();
  out.reserve(out.size() + 64 + 32 * (r.vector.size() + total_points));  // a point is ~25 bytes
  out += "{\"resultType\":\"";
  out += promql::ValueTypeName(r.type);
  out += "\",\"result\":";
  switch (r.type) {
    case promql::ValueType::kScalar:
      AppendPoint(&out, r.time, r.scalar);
      break;
    case promql::ValueType::kString:
      out.push_back('[');
      AppendJsonTimestamp(&out, r.time);
      out.push_back(',');
      AppendJsonString(&out, r.string);
      out.push_back(']');
      break;
    case promql::ValueType::kVector:
      out.push_back('[');
      for (size_t i = 0; i < r.vector.size(); ++i) {
        if (i > 0) out.push_back(',');
        out += "{\"metric\":";
        AppendJsonLabels(&out, *r.vector[i].metric);
        out += ",\"value\":";
        AppendPoint(&out, r.vector[i].t, r.vector[i].v);
        out.push_back('}');
      }
      out.push_back(']');
      break;
    case promql::ValueType::kMatrix:
      out.push_back('[');
      for (size_t i = 0; i < r.matrix.size(); ++i) {
        if (i > 0) out.push_back(',');
        out += "{\"metric\":";
        AppendJsonLabels(&out, *r.matrix[i].metric);
        out += ",\"values\":[";
        const auto& points = r.matrix[i].points;
        for (size_t k = 0; k < points.size(); ++k) {
          if (k > 0) out.push_back(',');
          AppendPoint(&out, points[k].timestamp_ms, points[k].value);
        }
        out += "]}";
      }
      out.push_back(']');
      break;
  }
  if (queue_seconds >= 0) AppendStatsJson(&out, r.stats, queue_seconds);
  out.push_back('}');
}

std::string StringListJson(const std::vector<std::string>& list) {
  std::string out = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, list[i]);
  }
  return out + "]";
}

// match[] selectors; InvalidArgument naming the parameter. None when absent (the series
// endpoint requires one; the label endpoints then read every series).
core::Result<std::vector<storage::Matchers>> MatcherSets(const Form& form, uint64_t max_length) {
  std::vector<storage::Matchers> sets;
  for (const std::string& s : FormValues(form, "match[]")) {
    if (s.size() > max_length) {
      return core::InvalidArgumentError("invalid parameter \"match[]\": the selector is " +
                                        std::to_string(s.size()) + " bytes long, more than the " +
                                        std::to_string(max_length) +
                                        " that [query] max_length allows");
    }
    auto m = promql::ParseMetricSelector(s);
    if (!m.ok())
      return core::InvalidArgumentError("invalid parameter \"match[]\": " + m.status().message());
    sets.push_back(std::move(*m));
  }
  return sets;
}

// start and end for the metadata endpoints: unbounded when absent.
core::Result<std::pair<int64_t, int64_t>> TimeRange(const Form& form) {
  int64_t start = kMinTime, end = kMaxTime;
  if (HasValue(form, "start")) {
    auto t = ParseTime(FormValue(form, "start"));
    if (!t.ok())
      return core::InvalidArgumentError("invalid parameter \"start\": " + t.status().message());
    start = *t;
  }
  if (HasValue(form, "end")) {
    auto t = ParseTime(FormValue(form, "end"));
    if (!t.ok())
      return core::InvalidArgumentError("invalid parameter \"end\": " + t.status().message());
    end = *t;
  }
  return std::make_pair(start, end);
}

}  // namespace

QueryApi::QueryApi(QueryQueue& queue, const storage::Queryable& storage, const core::Clock& clock,
                   QueryApiOptions options,
                   std::function<std::vector<remote::MetricMetadata>()> metadata)
    : queue_(queue),
      storage_(storage),
      clock_(clock),
      options_(std::move(options)),
      engine_(storage, options_.engine),
      metadata_(std::move(metadata)),
      start_time_ms_(clock.NowUnixMillis()),
      config_text_(options_.config_text),
      config_time_ms_(start_time_ms_) {}

void QueryApi::ConfigReloaded(std::string config_text, int64_t time_ms) {
  config_text_ = std::move(config_text);
  config_time_ms_ = time_ms;
  reload_ok_ = true;
}

void QueryApi::RunQuery(core::HttpResponder responder, promql::Deadline deadline,
                        std::function<void(core::HttpResponse*)> work, bool json) {
  ++in_flight_;
  auto response = std::make_shared<core::HttpResponse>();
  queue_.Submit(
      deadline, [response, work = std::move(work)] { work(response.get()); },
      [this, response, responder, json](QueryAdmission admission) {
        --in_flight_;
        if (admission != QueryAdmission::kRan) *response = QueueRefusal(admission, json);
        responder.Send(std::move(*response));
      });
}

core::Status QueryApi::CheckLength(std::string_view text) const {
  if (text.size() <= options_.max_query_length) return core::OkStatus();
  return core::InvalidArgumentError(
      "the query is " + std::to_string(text.size()) + " bytes long, more than the " +
      std::to_string(options_.max_query_length) + " that [query] max_length allows");
}

core::Result<promql::Deadline> QueryApi::RequestDeadline(const Form& form) const {
  std::optional<std::chrono::milliseconds> timeout;
  if (HasValue(form, "timeout")) {
    VIGIL_ASSIGN_OR_RETURN(int64_t ms, ParseDuration(FormValue(form, "timeout")));
    timeout = std::chrono::milliseconds(ms);
  }
  return engine_.DeadlineFromNow(timeout);
}

void QueryApi::Query(const core::HttpRequest& request, core::HttpResponder responder) {
  Form form;
  if (!core::RequestForm(request, &form))
    return responder.Send(ApiError("bad_data", "error parsing form values"));
  int64_t time = clock_.NowUnixMillis();
  if (HasValue(form, "time")) {
    auto t = ParseTime(FormValue(form, "time"));
    if (!t.ok()) return responder.Send(InvalidParam("time", t.status()));
    time = *t;
  }
  auto deadline = RequestDeadline(form);
  if (!deadline.ok()) return responder.Send(InvalidParam("timeout", deadline.status()));
  if (core::Status s = CheckLength(FormValue(form, "query")); !s.ok())
    return responder.Send(InvalidParam("query", s));
  RunQuery(
      responder, *deadline,
      [this, query = FormValue(form, "query"), time, deadline = *deadline, stats = WantsStats(form),
       arrived = std::chrono::steady_clock::now()](core::HttpResponse* out) {
        const double queued = stats ? SecondsSince(arrived) : -1;
        auto expr = promql::ParseExpr(query);
        if (!expr.ok()) return void(*out = InvalidParam("query", expr.status()));
        auto result = engine_.InstantQuery(**expr, time, deadline);
        *out = result.ok()
                   ? ApiSuccess([&](std::string* body) { AppendResultJson(body, *result, queued); })
                   : ErrorFor(result.status());
      });
}

void QueryApi::QueryRange(const core::HttpRequest& request, core::HttpResponder responder) {
  Form form;
  if (!core::RequestForm(request, &form))
    return responder.Send(ApiError("bad_data", "error parsing form values"));
  auto start = ParseTime(FormValue(form, "start"));
  if (!start.ok()) return responder.Send(InvalidParam("start", start.status()));
  auto end = ParseTime(FormValue(form, "end"));
  if (!end.ok()) return responder.Send(InvalidParam("end", end.status()));
  if (*end < *start) {
    return responder.Send(InvalidParam(
        "end", core::InvalidArgumentError("end timestamp must not be before start time")));
  }
  auto step = ParseDuration(FormValue(form, "step"));
  if (!step.ok()) return responder.Send(InvalidParam("step", step.status()));
  if (*step <= 0) {
    return responder.Send(InvalidParam(
        "step", core::InvalidArgumentError("zero or negative query resolution step widths are not "
                                           "accepted. Try a positive integer")));
  }
  if ((*end - *start) / *step > options_.max_points_per_series) {
    return responder.Send(ApiError(
        "bad_data", "exceeded maximum resolution of " +
                        WithThousands(options_.max_points_per_series) +
                        " points per timeseries. Try decreasing the query resolution (?step=XX)"));
  }
  auto deadline = RequestDeadline(form);
  if (!deadline.ok()) return responder.Send(InvalidParam("timeout", deadline.status()));
  if (core::Status s = CheckLength(FormValue(form, "query")); !s.ok())
    return responder.Send(InvalidParam("query", s));
  RunQuery(responder, *deadline,
           [this, query = FormValue(form, "query"), s = *start, e = *end, st = *step,
            deadline = *deadline, stats = WantsStats(form),
            arrived = std::chrono::steady_clock::now()](core::HttpResponse* out) {
             const double queued = stats ? SecondsSince(arrived) : -1;
             auto expr = promql::ParseExpr(query);
             if (!expr.ok()) return void(*out = InvalidParam("query", expr.status()));
             auto result = engine_.RangeQuery(**expr, s, e, st, deadline);
             *out = result.ok() ? ApiSuccess([&](std::string* body) {
               AppendResultJson(body, *result, queued);
             })
                                : ErrorFor(result.status());
           });
}

void QueryApi::AddRoutes(core::HttpRouter& router,
                         const std::function<core::HttpHandler(core::HttpHandler)>& guard) {
  const std::vector<std::string> get_post{"GET", "POST"};
  router.Handle(
      "/api/v1/query", get_post,
      guard([this](const core::HttpRequest& r, core::HttpResponder w) { Query(r, std::move(w)); }));
  router.Handle("/api/v1/query_range", get_post,
                guard([this](const core::HttpRequest& r, core::HttpResponder w) {
                  QueryRange(r, std::move(w));
                }));
  router.Handle(
      "/federate", {"GET"}, guard([this](const core::HttpRequest& r, core::HttpResponder w) {
        Form form;
        if (!core::RequestForm(r, &form))
          return w.Send(core::HttpResponse::Text(400, "error parsing form values\n"));
        RunQuery(
            w, engine_.DeadlineFromNow(),
            [this, form = std::move(form)](core::HttpResponse* out) {
              auto sets = MatcherSets(form, options_.max_query_length);
              if (!sets.ok())
                return void(*out = core::HttpResponse::Text(400, sets.status().message() + "\n"));
              auto page = FederatePage(*storage_.OpenQuerier(), *sets, clock_.NowUnixMillis(),
                                       options_.engine.lookback_ms, options_.external_labels);
              if (!page.ok())
                return void(*out = core::HttpResponse::Text(500, page.status().message() + "\n"));
              *out = core::HttpResponse::Text(200, std::move(*page));
              out->headers.Set("Content-Type", std::string(core::kExpositionContentType));
            },
            /*json=*/false);
      }));
  router.Handle("/api/v1/series", {"GET", "POST", "DELETE"},
                guard([this](const core::HttpRequest& r, core::HttpResponder w) {
                  if (r.method == "DELETE")
                    return w.Send(ApiError("unavailable", "series deletion is not supported"));
                  Form form;
                  if (!core::RequestForm(r, &form))
                    return w.Send(ApiError("bad_data", "error parsing form values"));
                  if (!HasValue(form, "match[]"))
                    return w.Send(ApiError("bad_data", "no match[] parameter provided"));
                  auto range = TimeRange(form);
                  if (!range.ok()) return w.Send(ErrorFor(range.status()));
                  RunQuery(w, engine_.DeadlineFromNow(),
                           [this, form = std::move(form), range = *range](core::HttpResponse* out) {
                             auto sets = MatcherSets(form, options_.max_query_length);
                             if (!sets.ok()) return void(*out = ErrorFor(sets.status()));
                             auto querier = storage_.OpenQuerier();
                             std::set<core::Labels> found;
                             storage::SelectHints hints;
                             hints.labels_only = true;
                             for (const storage::Matchers& m : *sets) {
                               auto set = querier->Select(m, range.first, range.second, hints);
                               while (set->Next()) found.insert(set->labels());
                               if (!set->status().ok()) return void(*out = ErrorFor(set->status()));
                             }
                             std::string data = "[";
                             for (const core::Labels& l : found) {
                               if (data.size() > 1) data.push_back(',');
                               AppendJsonLabels(&data, l);
                             }
                             *out = ApiSuccess(data + "]");
                           });
                }));
  router.Handle("/api/v1/labels", get_post,
                guard([this](const core::HttpRequest& r, core::HttpResponder w) {
                  Form form;
                  if (!core::RequestForm(r, &form))
                    return w.Send(ApiError("bad_data", "error parsing form values"));
                  auto range = TimeRange(form);
                  if (!range.ok()) return w.Send(ErrorFor(range.status()));
                  RunQuery(w, engine_.DeadlineFromNow(),
                           [this, form = std::move(form), range = *range](core::HttpResponse* out) {
                             auto sets = MatcherSets(form, options_.max_query_length);
                             if (!sets.ok()) return void(*out = ErrorFor(sets.status()));
                             if (sets->empty()) sets->emplace_back();  // no matchers: every series
                             auto querier = storage_.OpenQuerier();
                             std::set<std::string> names;
                             for (const storage::Matchers& m : *sets) {
                               auto found = querier->LabelNames(m, range.first, range.second);
                               if (!found.ok()) return void(*out = ErrorFor(found.status()));
                               for (auto& n : *found) names.insert(std::move(n));
                             }
                             *out = ApiSuccess(StringListJson({names.begin(), names.end()}));
                           });
                }));
  router.HandlePrefix(
      "/api/v1/label/", {"GET"}, guard([this](const core::HttpRequest& r, core::HttpResponder w) {
        std::string_view path = r.Path().substr(std::string_view("/api/v1/label/").size());
        constexpr std::string_view kSuffix = "/values";
        if (path.size() <= kSuffix.size() || path.substr(path.size() - kSuffix.size()) != kSuffix) {
          return w.Send(ApiError("not_found", "not found"));
        }
        std::vector<std::pair<std::string, std::string>> decoded;
        std::string name(path.substr(0, path.size() - kSuffix.size()));
        if (core::ParseFormEncoded("n=" + name, &decoded) && decoded.size() == 1)
          name = decoded[0].second;
        if (!core::IsValidLabelName(name))
          return w.Send(ApiError("bad_data", "invalid label name: \"" + name + "\""));
        Form form;
        if (!core::RequestForm(r, &form))
          return w.Send(ApiError("bad_data", "error parsing form values"));
        auto range = TimeRange(form);
        if (!range.ok()) return w.Send(ErrorFor(range.status()));
        RunQuery(w, engine_.DeadlineFromNow(),
                 [this, name, form = std::move(form), range = *range](core::HttpResponse* out) {
                   auto sets = MatcherSets(form, options_.max_query_length);
                   if (!sets.ok()) return void(*out = ErrorFor(sets.status()));
                   if (sets->empty()) sets->emplace_back();  // no matchers: every series
                   auto querier = storage_.OpenQuerier();
                   std::set<std::string> values;
                   for (const storage::Matchers& m : *sets) {
                     auto found = querier->LabelValues(name, m, range.first, range.second);
                     if (!found.ok()) return void(*out = ErrorFor(found.status()));
                     for (auto& v : *found) values.insert(std::move(v));
                   }
                   *out = ApiSuccess(StringListJson({values.begin(), values.end()}));
                 });
      }));
  router.Handle("/api/v1/metadata", {"GET"},
                guard([this](const core::HttpRequest& r, core::HttpResponder w) {
                  Form form;
                  if (!core::RequestForm(r, &form))
                    return w.Send(ApiError("bad_data", "error parsing form values"));
                  int64_t limit = -1;
                  if (HasValue(form, "limit")) {
                    std::optional<int64_t> l = core::ParseInt64(FormValue(form, "limit"));
                    if (!l) return w.Send(ApiError("bad_data", "limit must be a number"));
                    limit = *l;
                  }
                  const std::string metric = FormValue(form, "metric");
                  std::string data = "{";
                  int64_t n = 0;
                  for (const remote::MetricMetadata& m : metadata_()) {
                    if (!metric.empty() && m.family != metric) continue;
                    if (limit >= 0 && n >= limit) break;
                    if (n++ > 0) data.push_back(',');
                    AppendJsonString(&data, m.family);
                    data += ":[{\"type\":";
                    AppendJsonString(&data, m.type == core::MetricType::kUntyped
                                                ? "unknown"
                                                : core::MetricTypeName(m.type));
                    data += ",\"help\":";
                    AppendJsonString(&data, m.help);
                    data += ",\"unit\":";
                    AppendJsonString(&data, m.unit);
                    data += "}]";
                  }
                  w.Send(ApiSuccess(data + "}"));
                }));
  router.Handle("/api/v1/query_exemplars", get_post,
                guard([](const core::HttpRequest&, core::HttpResponder w) {
                  // Vigil keeps no exemplars; an empty answer is what Prometheus gives when it has
                  // none.
                  w.Send(ApiSuccess("[]"));
                }));
  router.Handle("/api/v1/format_query", get_post,
                guard([this](const core::HttpRequest& r, core::HttpResponder w) {
                  Form form;
                  if (!core::RequestForm(r, &form))
                    return w.Send(ApiError("bad_data", "error parsing form values"));
                  if (core::Status s = CheckLength(FormValue(form, "query")); !s.ok())
                    return w.Send(InvalidParam("query", s));
                  RunQuery(w, engine_.DeadlineFromNow(),
                           [query = FormValue(form, "query")](core::HttpResponse* out) {
                             auto expr = promql::ParseExpr(query);
                             if (!expr.ok())
                               return void(*out = InvalidParam("query", expr.status()));
                             std::string data;
                             AppendJsonString(&data, (*expr)->String());
                             *out = ApiSuccess(data);
                           });
                }));
  // Agents push, so the server scrapes no targets; nor does it notify Alertmanagers yet. The
  // empty answers in Prometheus's shapes are what clients that probe these expect.
  router.Handle("/api/v1/targets", {"GET"},
                guard([](const core::HttpRequest&, core::HttpResponder w) {
                  w.Send(ApiSuccess("{\"activeTargets\":[],\"droppedTargets\":[]}"));
                }));
  router.Handle(
      "/api/v1/targets/metadata", {"GET"},
      guard([](const core::HttpRequest&, core::HttpResponder w) { w.Send(ApiSuccess("[]")); }));
  router.Handle("/api/v1/status/buildinfo", {"GET"},
                guard([](const core::HttpRequest&, core::HttpResponder w) {
                  std::string data = "{\"version\":";
                  AppendJsonString(&data, core::kVersion);
                  data += ",\"revision\":";
                  AppendJsonString(&data, core::kRevision);
                  data +=
                      ",\"branch\":\"\",\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"\"}";
                  w.Send(ApiSuccess(data));
                }));
  router.Handle("/api/v1/status/runtimeinfo", {"GET"},
                guard([this](const core::HttpRequest&, core::HttpResponder w) {
                  char cwd[4096] = "";
                  if (getcwd(cwd, sizeof cwd) == nullptr) cwd[0] = '\0';
                  std::string data = "{\"startTime\":";
                  AppendJsonString(&data, core::FormatRfc3339Millis(start_time_ms_));
                  data += ",\"CWD\":";
                  AppendJsonString(&data, cwd);
                  data += reload_ok_ ? ",\"reloadConfigSuccess\":true"
                                     : ",\"reloadConfigSuccess\":false";
                  data += ",\"lastConfigTime\":";
                  AppendJsonString(&data, core::FormatRfc3339Millis(config_time_ms_));
                  data += ",\"corruptionCount\":0,\"goroutineCount\":0,\"GOMAXPROCS\":" +
                          std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) +
                          ",\"GOGC\":\"\",\"GODEBUG\":\"\",\"storageRetention\":";
                  AppendJsonString(&data, options_.storage_retention);
                  w.Send(ApiSuccess(data + "}"));
                }));
  router.Handle("/api/v1/status/flags", {"GET"},
                guard([this](const core::HttpRequest&, core::HttpResponder w) {
                  std::string data = "{";
                  for (const auto& [k, v] : options_.flags) {
                    if (data.size() > 1) data.push_back(',');
                    AppendJsonString(&data, k);
                    data.push_back(':');
                    AppendJsonString(&data, v);
                  }
                  w.Send(ApiSuccess(data + "}"));
                }));
  router.Handle("/api/v1/status/config", {"GET"},
                guard([this](const core::HttpRequest&, core::HttpResponder w) {
                  // Prometheus answers its YAML under "yaml"; Vigil's configuration is INI,
                  // answered there.
                  std::string data = "{\"yaml\":";
                  AppendJsonString(&data, config_text_);
                  w.Send(ApiSuccess(data + "}"));
                }));
}

}  // namespace vigil::server
