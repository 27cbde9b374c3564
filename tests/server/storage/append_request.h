#pragma once
// Tests write owned requests (remote::WriteRequest) through the storage's appender, all or
// nothing, as the receiver writes what it decodes.
#include "remote/codec.h"
#include "server/storage/appender.h"

namespace vigil::testing {

inline core::Result<storage::AppendResult> AppendRequest(storage::Appendable& storage,
                                                         const remote::WriteRequest& request) {
  std::unique_ptr<storage::Appender> batch = storage.OpenAppender();
  for (const remote::SeriesSamples& s : request.series) {
    VIGIL_RETURN_IF_ERROR(batch->Add(s.labels, s.samples));
  }
  return batch->Commit();
}

}  // namespace vigil::testing
