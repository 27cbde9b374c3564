#include "remote/destinations.h"

namespace vigil::remote {
namespace {

// How often retiring senders are looked at: a window settles within a request's time.
constexpr std::chrono::milliseconds kSettleInterval{10};

}  // namespace

Destinations::Destinations(core::Loop& loop, const core::Clock& clock,
                           core::MetricsRegistry& metrics, std::string user_agent,
                           MetadataSource metadata)
    : loop_(loop),
      clock_(clock),
      metrics_(metrics),
      user_agent_(std::move(user_agent)),
      metadata_(std::move(metadata)),
      settle_timer_(loop, [this] { Settle(); }) {}

void Destinations::Start(const DestinationConfig& d, wal::Cursor* cursor) {
  if (stopping_) return;
  Next next{d, cursor};
  if (auto r = retiring_.find(d.name); r != retiring_.end()) {
    r->second.next = std::move(next);
    return;
  }
  auto it = running_.find(d.name);
  if (it == running_.end()) return Launch(next);
  it->second->Stop();
  retiring_[d.name] = {std::move(it->second), std::move(next)};
  running_.erase(it);
  Settle();
}

void Destinations::Remove(const std::string& name) {
  if (auto r = retiring_.find(name); r != retiring_.end()) r->second.next.reset();
  auto it = running_.find(name);
  if (it == running_.end()) return;
  it->second->Stop();
  retiring_[name] = {std::move(it->second), std::nullopt};
  running_.erase(it);
  Settle();
}

void Destinations::Launch(const Next& next) {
  // A sender given up while failing read past what was acknowledged. Only then: a rewind
  // replays the segment up to the position on the next read.
  if (next.cursor->read_position() != next.cursor->committed()) next.cursor->Rewind();
  auto sender =
      std::make_unique<Sender>(loop_, next.config, next.cursor, clock_, metrics_, user_agent_);
  if (metadata_) sender->SetMetadataSource(metadata_);
  sender->Start();
  running_[next.config.name] = std::move(sender);
}

void Destinations::Settle() {
  for (auto it = retiring_.begin(); it != retiring_.end();) {
    if (!it->second.sender->Stopped()) {
      ++it;
      continue;
    }
    // A sender given up while failing still has retries queued: destroying it abandons them,
    // and its unacknowledged window stays in the log for the cursor's next reader.
    std::optional<Next> next = std::move(it->second.next);
    it = retiring_.erase(it);
    if (next && !stopping_) Launch(*next);
  }
  if (retiring_.empty()) {
    settle_timer_.Stop();
  } else if (!settle_timer_.active()) {
    settle_timer_.Start(kSettleInterval, kSettleInterval);
  }
}

void Destinations::Notify() {
  for (auto& [name, sender] : running_) sender->Notify();
}

bool Destinations::Healthy() const {
  for (const auto& [name, sender] : running_) {
    if (!sender->Healthy()) return false;
  }
  return true;
}

void Destinations::Stop() {
  stopping_ = true;
  for (auto& [name, r] : retiring_) r.next.reset();
  for (auto& [name, sender] : running_) sender->Stop();
}

bool Destinations::Stopped() const {
  for (const auto& [name, sender] : running_) {
    if (!sender->Stopped()) return false;
  }
  for (const auto& [name, r] : retiring_) {
    if (!r.sender->Stopped()) return false;
  }
  return true;
}

}  // namespace vigil::remote
