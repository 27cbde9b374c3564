// The server's HTTP/1.1 request parser: any bytes, pipelined; the same stream split at other
// points must parse to the same requests (http_stream.h).
#include "fuzz/http_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vigil::fuzz::CheckSplitsAgree(vigil::core::HttpParser::Kind::kRequest, data, size);
  return 0;
}
