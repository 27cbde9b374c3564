#pragma once
// How a section of the configuration says who Vigil is to an HTTP peer and whom it trusts:
// the keys [remote_write.NAME] and [alertmanager] share.
//   basic_auth_username, basic_auth_password_file   (a username alone sends an empty password)
//   bearer_token_file                               (not with basic_auth_username)
//   tls_ca_file, tls_cert_file + tls_key_file, tls_server_name, tls_insecure_skip_verify
#include <string>

#include "core/ini.h"
#include "core/tls.h"

namespace vigil::core {

struct ClientAuth {
  std::string basic_auth_username;
  std::string basic_auth_password;  // read from basic_auth_password_file
  std::string bearer_token;         // read from bearer_token_file
};

// Problems (unreadable files, keys that do not go together) go to the section's errors.
ClientAuth ReadClientAuth(ConfigSection& section);
TlsClientOptions ReadTlsClientOptions(ConfigSection& section);

}  // namespace vigil::core
