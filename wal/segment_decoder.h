#pragma once
// What a reader may believe of one segment, read record by record in order: the samples that
// are exactly what was written, and how many of those written it must drop because the log
// was damaged (FORMAT.md, "Reading, and what damage means"). Every Cursor reads through one,
// so the agent's senders, the server's replay and its forwarders drop and count alike.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "wal/codec.h"
#include "wal/format.h"

namespace vigil::wal {

class SegmentDecoder {
 public:
  // From a segment's first record, of any version: a version 1 segment has no key records,
  // so after a loss nothing more of its values is known.
  SegmentDecoder() = default;
  SegmentDecoder(const SegmentDecoder&) = delete;
  SegmentDecoder& operator=(const SegmentDecoder&) = delete;

  // A damaged range was skipped before the next record: the records in it are lost. Values in
  // delta records depend on them up to the next key record (to the end of a version 1
  // segment), and series they named stay unnamed.
  void Lost();

  struct Outcome {
    // Samples written but not handed out: those of lost records, once a sequence number or
    // the end record tells how many, and those of this record that depend on what was lost.
    uint64_t dropped = 0;
    // Why this record, whose checksum held, could not be decoded; empty when it could.
    std::string damage;
  };
  // Applies one intact record, in order. The samples of a samples record that are exactly what
  // was written go to *out, each with a named ref (see labels()); the others are counted.
  Outcome Apply(RecordType type, std::string_view payload, std::vector<RefSample>* out);

  // The labels of `ref` as the segment named them; null when it did not (or the naming record
  // was lost). Valid as long as the decoder.
  const core::Labels* labels(SeriesRef ref) const {
    return ref < series_.size() ? series_[ref].get() : nullptr;
  }

 private:
  // Counts the samples of records lost before one that says it follows `seq` samples.
  void CatchUp(uint64_t seq, Outcome* outcome);

  SampleCodec codec_;
  // By ref (dense from 1, as the codec's state is); null where unnamed. Pointers, so that
  // labels handed out stay where they are while more series are named.
  std::vector<std::unique_ptr<core::Labels>> series_;
  bool values_known_ = true;  // false from a loss to the next key record
  uint64_t next_seq_ = 0;     // samples accounted for: read, or counted as dropped
};

}  // namespace vigil::wal
