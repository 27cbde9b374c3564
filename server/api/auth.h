#pragma once
// Credentials for the HTTP API and the receiver: a bearer token or one basic-auth user, as
// Prometheus's web config offers. Health endpoints stay open so probes need no secret.
#include <string>

#include "core/http_server.h"

namespace vigil::server {

// Who may use the HTTP API and the receiver: nobody needs credentials when both are unset.
struct AuthConfig {
  std::string bearer_token;
  std::string basic_username;
  std::string basic_password;
  bool enabled() const { return !bearer_token.empty() || !basic_username.empty(); }
};

// Used on the loop's thread only: requests are checked there, and reloads happen there.
class Auth {
 public:
  explicit Auth(const AuthConfig& config);
  // The handler, answering 401 (with WWW-Authenticate) to requests without the credentials
  // this Auth holds when the request comes.
  core::HttpHandler Guard(core::HttpHandler handler) const;
  bool Allows(const core::HttpRequest& request) const;
  // A reload's credentials: every guarded handler asks for these from the next request on.
  void Update(const AuthConfig& config);

 private:
  std::string bearer_;  // the whole expected Authorization value; empty: not accepted
  std::string basic_;
  bool enabled_ = false;
};

}  // namespace vigil::server
