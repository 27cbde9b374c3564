// The owned form of a decoded request, for callers that keep what they decode (tests, tools);
// the receiver uses WriteRequestView directly.
#include "remote/codec.h"
#include "remote/write_view.h"

namespace vigil::remote {

core::Result<WriteRequest> DecodeWriteRequest(std::string_view body, DecodeLimits limits) {
  WriteRequestView view;
  VIGIL_RETURN_IF_ERROR(view.Decode(body, limits));
  WriteRequest out;
  out.series.reserve(view.size());
  for (size_t i = 0; i < view.size(); ++i) {
    std::vector<core::Label> pairs;
    pairs.reserve(view.labels(i).size());
    for (const core::LabelView& l : view.labels(i))
      pairs.push_back({std::string(l.name), std::string(l.value)});
    VIGIL_ASSIGN_OR_RETURN(core::Labels labels, core::Labels::Create(std::move(pairs)));
    const auto samples = view.samples(i);
    out.series.push_back({std::move(labels), {samples.begin(), samples.end()}});
  }
  out.metadata = std::move(view.metadata());
  return out;
}

}  // namespace vigil::remote
