// The client's HTTP/1.1 response parser (remote write's answers, Alertmanager's, scrapes):
// any bytes, including bodies that run to the end of the connection; the same stream split
// at other points must parse to the same responses (http_stream.h).
#include "fuzz/http_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vigil::fuzz::CheckSplitsAgree(vigil::core::HttpParser::Kind::kResponse, data, size);
  return 0;
}
