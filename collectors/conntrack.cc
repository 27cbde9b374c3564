// node_exporter's conntrack collector: table size and limit from /proc/sys/net/netfilter, and
// the per-CPU statistics of /proc/net/stat/nf_conntrack summed. Without the module: silent.
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

core::Status ParseConntrackCounts(std::string_view count, std::string_view max, MetricSet* out) {
  VIGIL_ASSIGN_OR_RETURN(double c, Number(TrimSpace(count), "nf_conntrack_count"));
  VIGIL_ASSIGN_OR_RETURN(double m, Number(TrimSpace(max), "nf_conntrack_max"));
  out->Add("node_nf_conntrack_entries",
           "Number of currently allocated flow entries for connection tracking.",
           core::MetricType::kGauge, c);
  out->Add("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.",
           core::MetricType::kGauge, m);
  return core::OkStatus();
}

// The header names the hex columns; the other lines are one per CPU.
core::Status ParseConntrackStat(std::string_view text, MetricSet* out) {
  struct Field {
    const char* column;
    const char* name;
    const char* help;
  };
  static constexpr Field kFields[] = {
      {"found", "node_nf_conntrack_stat_found",
       "Number of searched entries which were successful."},
      {"invalid", "node_nf_conntrack_stat_invalid",
       "Number of packets seen which can not be tracked."},
      {"ignore", "node_nf_conntrack_stat_ignore",
       "Number of packets seen which are already connected to a conntrack entry."},
      {"insert", "node_nf_conntrack_stat_insert", "Number of entries inserted into the list."},
      {"insert_failed", "node_nf_conntrack_stat_insert_failed",
       "Number of entries for which list insertion was attempted but failed."},
      {"drop", "node_nf_conntrack_stat_drop",
       "Number of packets dropped due to conntrack failure."},
      {"early_drop", "node_nf_conntrack_stat_early_drop",
       "Number of dropped conntrack entries to make room for new ones, if maximum table size was "
       "reached."},
      {"search_restart", "node_nf_conntrack_stat_search_restart",
       "Number of conntrack table lookups which had to be restarted due to hashtable resizes."},
  };
  std::vector<std::string_view> lines = Lines(text);
  if (lines.empty()) return core::InvalidArgumentError("nf_conntrack stat: empty");
  std::vector<std::string_view> header = Fields(lines[0]);
  std::vector<double> sums(header.size(), 0);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string_view> f = Fields(lines[i]);
    if (f.empty()) continue;
    if (f.size() != header.size())
      return core::InvalidArgumentError("nf_conntrack stat: column count differs on line " +
                                        std::to_string(i + 1));
    for (size_t k = 0; k < f.size(); ++k) {
      uint64_t v = 0;
      for (char c : f[k]) {
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0)
          return core::InvalidArgumentError("nf_conntrack stat: not hex: \"" + std::string(f[k]) +
                                            "\"");
        v = v * 16 + static_cast<uint64_t>(d);
      }
      sums[k] += static_cast<double>(v);
    }
  }
  for (const Field& field : kFields) {
    for (size_t k = 0; k < header.size(); ++k) {
      if (header[k] == field.column)
        out->Add(field.name, field.help, core::MetricType::kGauge, sums[k]);
    }
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
