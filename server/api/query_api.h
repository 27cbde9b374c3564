#pragma once
// The Prometheus HTTP API's read side: /api/v1/query, query_range, series, labels, label
// values, metadata, query_exemplars, format_query and status/*, with Prometheus's JSON shapes,
// error types and status codes, so Grafana and promtool talk to the server unchanged.
// Queries run on the query threads of a QueryQueue, their parsing included (a query's size is
// bounded only by the request's, and the loop must stay free for everyone else), at most
// [query] max_concurrency at once; the loop only reads the other parameters and writes answers.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/http_router.h"
#include "core/uv.h"
#include "remote/codec.h"
#include "server/api/query_queue.h"
#include "server/promql/engine.h"

namespace vigil::server {

struct QueryApiOptions {
  promql::EngineOptions engine;
  // What /api/v1/status/config shows at start (QueryApi::ConfigReloaded changes it), and
  // /api/v1/status/flags.
  std::string config_text;
  std::map<std::string, std::string> flags;
  std::string storage_retention;  // "15d", for runtimeinfo
  // A range query's (end - start) / step at most, as Prometheus's fixed 11,000.
  int64_t max_points_per_series = 11'000;
  // Bytes of an expression or selector at most; longer ones are refused before parsing.
  uint64_t max_query_length = 256u << 10;
  // Added to what /federate answers ([global] external_labels).
  core::Labels external_labels;
};

class QueryApi {
 public:
  // Every read request waits in `queue` (not owned; outlives this) for a query thread.
  QueryApi(QueryQueue& queue, const storage::Queryable& storage, const core::Clock& clock,
           QueryApiOptions options, std::function<std::vector<remote::MetricMetadata>()> metadata);

  // Registers the routes, each wrapped by `guard` (authentication).
  void AddRoutes(core::HttpRouter& router,
                 const std::function<core::HttpHandler(core::HttpHandler)>& guard);
  // Queries running or waiting for a query thread: the server waits for them at shutdown.
  size_t in_flight() const { return in_flight_; }
  // A reload's outcome, for /api/v1/status/config and runtimeinfo (as Prometheus shows it):
  // the text of the file now applied, with the time, when it was good; refused, only that.
  void ConfigReloaded(std::string config_text, int64_t time_ms);
  void ConfigRefused() { reload_ok_ = false; }

 private:
  void Query(const core::HttpRequest& request, core::HttpResponder responder);
  void QueryRange(const core::HttpRequest& request, core::HttpResponder responder);
  // OK, or why `text` (an expression or selector) is too long to parse.
  core::Status CheckLength(std::string_view text) const;
  // From now, with the request's timeout parameter when it has one.
  core::Result<promql::Deadline> RequestDeadline(
      const std::vector<std::pair<std::string, std::string>>& form) const;
  // Runs `work` (which fills the answer) on a query thread, then sends what it filled; or
  // answers 503 when the queue is full or `deadline` passes first. `json`: in the API's
  // envelope, else as text (/federate).
  void RunQuery(core::HttpResponder responder, promql::Deadline deadline,
                std::function<void(core::HttpResponse*)> work, bool json = true);

  QueryQueue& queue_;
  const storage::Queryable& storage_;
  const core::Clock& clock_;
  const QueryApiOptions options_;
  const promql::Engine engine_;
  std::function<std::vector<remote::MetricMetadata>()> metadata_;
  const int64_t start_time_ms_;
  // Loop thread only, as the reloads that set them and the handlers that read them.
  std::string config_text_;
  int64_t config_time_ms_;
  bool reload_ok_ = true;
  size_t in_flight_ = 0;  // loop thread only
};

}  // namespace vigil::server
