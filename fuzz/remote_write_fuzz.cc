// The remote-write body: snappy, then the protobuf WriteRequest read in place
// (WriteRequestView) and into owned label sets (DecodeWriteRequest). Both must accept and
// refuse alike and agree on every label and sample; what they accept, marshalled again,
// must read back the same.

#include "fuzz/fuzz_input.h"
#include "fuzz/same_samples.h"
#include "remote/codec.h"
#include "remote/write_view.h"

namespace {

using vigil::core::LabelView;
using vigil::fuzz::SameSamples;

void CheckSame(const vigil::remote::WriteRequestView& view,
               const vigil::remote::WriteRequest& owned) {
  FUZZ_CHECK(view.size() == owned.series.size());
  for (size_t i = 0; i < view.size(); ++i) {
    const auto labels = view.labels(i);
    const vigil::core::Labels& want = owned.series[i].labels;
    FUZZ_CHECK(labels.size() == want.size());
    for (size_t j = 0; j < labels.size(); ++j) {
      FUZZ_CHECK(labels[j].name == want[j].name);
      FUZZ_CHECK(labels[j].value == want[j].value);
    }
    FUZZ_CHECK(SameSamples(view.samples(i), owned.series[i].samples));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  // Random bytes are rarely valid snappy: half the inputs are the protobuf itself,
  // compressed here, so the fuzzer works on the wire format too.
  const std::string body =
      (mode & 1) != 0 ? remote::SnappyCompress(in.Rest()) : std::string(in.Rest());
  const remote::DecodeLimits limits{.max_uncompressed_bytes = 1 << 20,
                                    .max_labels_per_series = 8 + (mode >> 4)};
  remote::WriteRequestView view;
  const core::Status viewed = view.Decode(body, limits);
  core::Result<remote::WriteRequest> owned = remote::DecodeWriteRequest(body, limits);
  FUZZ_CHECK(viewed.ok() == owned.ok());
  if (!viewed.ok()) {
    FUZZ_CHECK(view.size() == 0);
    return 0;
  }
  CheckSame(view, *owned);
  FUZZ_CHECK(view.metadata().size() == owned->metadata.size());

  std::string raw;
  remote::MarshalWriteRequest(*owned, &raw);
  remote::WriteRequestView again;
  FUZZ_CHECK(again.Parse(raw, limits).ok());
  CheckSame(again, *owned);
  FUZZ_CHECK(again.metadata().size() == owned->metadata.size());
  for (size_t i = 0; i < owned->metadata.size(); ++i) {
    FUZZ_CHECK(again.metadata()[i].family == owned->metadata[i].family);
    FUZZ_CHECK(again.metadata()[i].type == owned->metadata[i].type);
    FUZZ_CHECK(again.metadata()[i].help == owned->metadata[i].help);
    FUZZ_CHECK(again.metadata()[i].unit == owned->metadata[i].unit);
  }
  return 0;
}
