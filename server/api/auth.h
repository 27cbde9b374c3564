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

class Auth {
 public:
  explicit Auth(const AuthConfig& config);
  // The handler, answering 401 (with WWW-Authenticate) to requests without the credentials.
  core::HttpHandler Guard(core::HttpHandler handler) const;
  bool Allows(const core::HttpRequest& request) const;

 private:
  std::string bearer_;  // the whole expected Authorization value; empty: not accepted
  std::string basic_;
  bool enabled_;
};

}  // namespace vigil::server
