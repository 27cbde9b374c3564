#include "server/api/tsdb_status.h"

#include "server/api/json.h"

namespace vigil::server {
namespace {

std::string TopListJson(const std::vector<std::pair<std::string, uint64_t>>& list) {
  std::string out = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ",";
    out += "{\"name\":";
    AppendJsonString(&out, list[i].first);
    out += ",\"value\":" + std::to_string(list[i].second) + "}";
  }
  return out + "]";
}

}  // namespace

core::HttpResponse TsdbStatusResponse(const storage::TsdbStatus& st) {
  // Prometheus answers 0 for the times of an empty head, not its sentinels.
  const bool empty = st.head.series == 0;
  return ApiSuccess("{\"headStats\":{\"numSeries\":" + std::to_string(st.head.series) +
                    ",\"numLabelPairs\":" + std::to_string(st.series_by_label_pair.size()) +
                    ",\"chunkCount\":" + std::to_string(st.head.chunks) +
                    ",\"minTime\":" + std::to_string(empty ? 0 : st.head.min_time) +
                    ",\"maxTime\":" + std::to_string(empty ? 0 : st.head.max_time) +
                    "},\"seriesCountByMetricName\":" + TopListJson(st.series_by_metric) +
                    ",\"labelValueCountByLabelName\":" + TopListJson(st.values_by_label_name) +
                    ",\"memoryInBytesByLabelName\":" + TopListJson(st.memory_by_label_name) +
                    ",\"seriesCountByLabelValuePair\":" + TopListJson(st.series_by_label_pair) +
                    "}");
}

}  // namespace vigil::server
