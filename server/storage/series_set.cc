#include "server/storage/series_set.h"

#include <algorithm>

namespace vigil::storage {
namespace {

class Empty final : public SeriesSet {
 public:
  explicit Empty(core::Status status) : status_(std::move(status)) {}
  bool Next() override { return false; }
  const core::Labels& labels() const override { return labels_; }
  std::vector<core::Sample>& samples() override { return samples_; }
  core::Status status() const override { return status_; }

 private:
  core::Status status_;
  core::Labels labels_;
  std::vector<core::Sample> samples_;
};

class Merged final : public SeriesSet {
 public:
  Merged(std::vector<std::unique_ptr<SeriesSet>> sources, SelectHints hints)
      : sources_(std::move(sources)), hints_(hints), live_(sources_.size(), false) {}

  bool Next() override {
    if (!status_.ok()) return false;
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < sources_.size(); ++i) {
        if (!Advance(i)) return false;
      }
    } else {
      // The sources that gave the last series move on.
      for (size_t i : current_) {
        if (!Advance(i)) return false;
      }
    }
    // The smallest label set among the live sources, and every source that has it.
    current_.clear();
    for (size_t i = 0; i < sources_.size(); ++i) {
      if (!live_[i]) continue;
      if (current_.empty() || sources_[i]->labels() < sources_[current_[0]]->labels()) {
        current_.assign(1, i);
      } else if (sources_[i]->labels() == sources_[current_[0]]->labels()) {
        current_.push_back(i);
      }
    }
    if (current_.empty()) return false;
    samples_.clear();
    if (current_.size() == 1) {
      samples_.swap(sources_[current_[0]]->samples());
    } else {
      for (size_t i : current_) {
        const std::vector<core::Sample>& s = sources_[i]->samples();
        samples_.insert(samples_.end(), s.begin(), s.end());
      }
      SortUniqueByTime(&samples_);
    }
    read_ += samples_.size();
    if (hints_.max_samples != 0 && read_ > hints_.max_samples) {
      status_ = core::ResourceExhaustedError("query would load more than " +
                                             std::to_string(hints_.max_samples) + " samples");
      return false;
    }
    return true;
  }
  const core::Labels& labels() const override { return sources_[current_[0]]->labels(); }
  std::vector<core::Sample>& samples() override { return samples_; }
  core::Status status() const override { return status_; }

 private:
  // Source i to its next series; false (with the status) when it failed.
  bool Advance(size_t i) {
    live_[i] = sources_[i]->Next();
    if (!live_[i] && !sources_[i]->status().ok()) {
      status_ = sources_[i]->status();
      return false;
    }
    return true;
  }

  std::vector<std::unique_ptr<SeriesSet>> sources_;
  const SelectHints hints_;
  std::vector<bool> live_;       // source i has a current series
  std::vector<size_t> current_;  // the sources whose current series is this set's
  bool started_ = false;
  size_t read_ = 0;
  std::vector<core::Sample> samples_;
  core::Status status_;
};

}  // namespace

void SortUniqueByTime(std::vector<core::Sample>* samples) {
  std::stable_sort(samples->begin(), samples->end(),
                   [](const auto& a, const auto& b) { return a.timestamp_ms < b.timestamp_ms; });
  samples->erase(
      std::unique(samples->begin(), samples->end(),
                  [](const auto& a, const auto& b) { return a.timestamp_ms == b.timestamp_ms; }),
      samples->end());
}

std::unique_ptr<SeriesSet> MergeSeriesSets(std::vector<std::unique_ptr<SeriesSet>> sources,
                                           SelectHints hints) {
  return std::make_unique<Merged>(std::move(sources), hints);
}

std::unique_ptr<SeriesSet> EmptySeriesSet(core::Status status) {
  return std::make_unique<Empty>(std::move(status));
}

}  // namespace vigil::storage
