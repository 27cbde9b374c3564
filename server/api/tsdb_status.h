#pragma once
// /api/v1/status/tsdb: the head's figures and its top label pairs, in Prometheus's shape.
#include <string>

#include "core/http_message.h"
#include "server/storage/storage.h"

namespace vigil::server {

core::HttpResponse TsdbStatusResponse(const storage::TsdbStatus& status);

}  // namespace vigil::server
