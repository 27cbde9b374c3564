#pragma once
// The web console: index.html at / and at each page's path (/graph, /alerts, /rules, /status,
// /fleet, /node), the embedded files at /console/NAME. Each answer carries the file's ETag
// and "Cache-Control: no-cache", so a browser asks again and is answered 304 until the server
// is upgraded. The pages read the HTTP API; the console adds no endpoint of its own.
#include <functional>

#include "core/http_router.h"

namespace vigil::server {

// The page paths that answer index.html: the console's router draws the page from the path.
inline constexpr const char* kConsolePages[] = {"/",       "/graph", "/alerts", "/rules",
                                                "/status", "/fleet", "/node"};

// The response for an embedded file at `path` (404 when there is none), 304 when the request's
// If-None-Match names its ETag.
core::HttpResponse ConsoleFile(const core::HttpRequest& request, std::string_view path);

void AddConsoleRoutes(core::HttpRouter& router,
                      const std::function<core::HttpHandler(core::HttpHandler)>& guard);

}  // namespace vigil::server
