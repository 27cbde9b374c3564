#include "wal/segment_decoder.h"

#include <algorithm>

namespace vigil::wal {

void SegmentDecoder::Lost() { values_known_ = false; }

void SegmentDecoder::CatchUp(uint64_t seq, Outcome* outcome) {
  if (seq > next_seq_) {
    outcome->dropped += seq - next_seq_;
  } else if (seq < next_seq_) {
    // Sequence numbers only grow in a segment: the count in some record is wrong.
    outcome->damage = "sample sequence number " + std::to_string(seq) + " where " +
                      std::to_string(next_seq_) + " was due";
  }
  next_seq_ = seq;
}

SegmentDecoder::Outcome SegmentDecoder::Apply(RecordType type, std::string_view payload,
                                              std::vector<RefSample>* out) {
  Outcome outcome;
  if (type == RecordType::kSeries) {
    std::vector<std::pair<SeriesRef, core::Labels>> named;
    core::Status s = DecodeSeries(payload, &named);
    // Nothing of a record that fails is taken: its refs stay unnamed, and their samples are
    // dropped and counted.
    if (!s.ok()) {
      outcome.damage = "undecodable series record: " + s.message();
      return outcome;
    }
    for (auto& [ref, labels] : named) {
      if (ref >= series_.size()) series_.resize(ref + 1);
      // Assigned in place: a ref named again keeps its address for samples handed out.
      if (series_[ref]) {
        *series_[ref] = std::move(labels);
      } else {
        series_[ref] = std::make_unique<core::Labels>(std::move(labels));
      }
    }
    return outcome;
  }
  if (type == RecordType::kEnd) {
    core::Result<uint64_t> total = DecodeEnd(payload);
    if (!total.ok()) {
      outcome.damage = total.status().message();
      return outcome;
    }
    CatchUp(*total, &outcome);
    return outcome;
  }
  core::Result<SamplesHeader> h = PeekSamplesHeader(type, payload);
  if (!h.ok()) {
    // How many samples it held is unknown; the writer's values moved on with them.
    outcome.damage = h.status().message();
    values_known_ = false;
    return outcome;
  }
  if (h->seq) CatchUp(*h->seq, &outcome);
  next_seq_ += h->count;
  if (type != RecordType::kSamplesKey && !values_known_) {
    outcome.dropped += h->count;
    return outcome;
  }
  const size_t from = out->size();
  core::Status s = codec_.Decode(type, payload, out);
  if (!s.ok()) {
    outcome.damage = "undecodable samples record: " + s.message();
    outcome.dropped += h->count;
    values_known_ = false;
    return outcome;
  }
  values_known_ = true;
  // Samples of refs no intact series record named: dropped, counted.
  const auto unnamed =
      std::remove_if(out->begin() + static_cast<ptrdiff_t>(from), out->end(),
                     [this](const RefSample& x) { return labels(x.ref) == nullptr; });
  outcome.dropped += static_cast<uint64_t>(out->end() - unnamed);
  out->erase(unnamed, out->end());
  return outcome;
}

}  // namespace vigil::wal
