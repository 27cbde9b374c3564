#include "server/api/console.h"

#include "server/web/assets.h"

namespace vigil::server {

core::HttpResponse ConsoleFile(const core::HttpRequest& request, std::string_view path) {
  const web::Asset* asset = web::FindAsset(path);
  if (asset == nullptr) return core::HttpResponse::Text(404, "404 page not found\n");
  core::HttpResponse r;
  r.headers.Set("ETag", std::string(asset->etag));
  // Names carry no hash, so the browser must ask again; the ETag makes asking cheap.
  r.headers.Set("Cache-Control", "no-cache");
  std::string_view match = request.headers.Get("If-None-Match");
  if (!match.empty() &&
      (match == asset->etag || match.find(asset->etag) != std::string_view::npos)) {
    r.status = 304;
    return r;
  }
  r.headers.Set("Content-Type", std::string(asset->content_type));
  r.headers.Set("X-Content-Type-Options", "nosniff");
  r.body = std::string(asset->body);
  return r;
}

void AddConsoleRoutes(core::HttpRouter& router,
                      const std::function<core::HttpHandler(core::HttpHandler)>& guard) {
  for (const char* page : kConsolePages) {
    router.Handle(page, {"GET"}, guard([](const core::HttpRequest& r, core::HttpResponder w) {
                    w.Send(ConsoleFile(r, "/console/index.html"));
                  }));
  }
  router.HandlePrefix("/console/", {"GET"},
                      guard([](const core::HttpRequest& r, core::HttpResponder w) {
                        w.Send(ConsoleFile(r, r.Path()));
                      }));
}

}  // namespace vigil::server
