#include "server/api/auth.h"

namespace vigil::server {
namespace {

// Compares without stopping at the first difference, so timing tells nothing of the secret.
bool SameSecret(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

Auth::Auth(const AuthConfig& config) { Update(config); }

void Auth::Update(const AuthConfig& config) {
  enabled_ = config.enabled();
  bearer_ = config.bearer_token.empty() ? "" : "Bearer " + config.bearer_token;
  basic_ = config.basic_username.empty()
               ? ""
               : "Basic " + core::Base64(config.basic_username + ":" + config.basic_password);
}

bool Auth::Allows(const core::HttpRequest& request) const {
  if (!enabled_) return true;
  const std::string_view given = request.headers.Get("Authorization");
  return SameSecret(given, bearer_) || SameSecret(given, basic_);
}

core::HttpHandler Auth::Guard(core::HttpHandler handler) const {
  // Wrapped even while no credentials are set: a reload may set them.
  return [this, handler = std::move(handler)](const core::HttpRequest& request,
                                              core::HttpResponder responder) {
    if (Allows(request)) return handler(request, std::move(responder));
    core::HttpResponse r = core::HttpResponse::Text(401, "Unauthorized\n");
    r.headers.Set("WWW-Authenticate", basic_.empty() ? "Bearer" : "Basic realm=\"vigil\"");
    responder.Send(std::move(r));
  };
}

}  // namespace vigil::server
