#pragma once
// The running senders, one per destination, as reloads add, change and remove destinations.
// Two senders never read one cursor: a changed destination's new sender starts only once the
// old one has settled its window (acknowledged, or given up while failing), and then from the
// cursor's committed position, so that no sample is skipped and none is sent twice by design.
// A removed destination's cursor is left to its owner (the log keeps it).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/uv.h"
#include "remote/destination_config.h"
#include "remote/sender.h"
#include "wal/cursor.h"

namespace vigil::remote {

class Destinations {
 public:
  using MetadataSource = std::function<std::vector<MetricMetadata>()>;

  // Each sender says `user_agent` and sends metadata from `metadata` (if set).
  Destinations(core::Loop& loop, const core::Clock& clock, core::MetricsRegistry& metrics,
               std::string user_agent, MetadataSource metadata);
  Destinations(const Destinations&) = delete;
  Destinations& operator=(const Destinations&) = delete;

  // A sender for `d` on `cursor` (which outlives it), from its committed position; replaces
  // the one running for that name (changed settings), after that one has settled.
  void Start(const DestinationConfig& d, wal::Cursor* cursor);
  // Stops the sender of `name`, letting it settle its window and save its position.
  void Remove(const std::string& name);

  // New samples are in the log.
  void Notify();
  // False when a destination has been failing for a minute.
  bool Healthy() const;
  // Does a sender still use the cursor of `name` (running, or settling its last window and
  // save)? The cursor may be deleted only when none does.
  bool Reads(const std::string& name) const {
    return running_.count(name) > 0 || retiring_.count(name) > 0;
  }
  size_t size() const { return running_.size(); }

  void Stop();
  bool Stopped() const;

 private:
  struct Next {
    DestinationConfig config;
    wal::Cursor* cursor;
  };
  struct Retiring {
    std::unique_ptr<Sender> sender;
    std::optional<Next> next;  // starts once `sender` has settled
  };
  void Launch(const Next& next);
  void Settle();

  core::Loop& loop_;
  const core::Clock& clock_;
  core::MetricsRegistry& metrics_;
  const std::string user_agent_;
  MetadataSource metadata_;
  std::map<std::string, std::unique_ptr<Sender>> running_;
  std::map<std::string, Retiring> retiring_;
  core::Timer settle_timer_;  // while any retire
  bool stopping_ = false;
};

}  // namespace vigil::remote
