#include "core/client_auth.h"

#include <fstream>

namespace vigil::core {
namespace {

// A file named now is checked now, so that a typo is reported at start, not at first use.
std::string ReadablePath(ConfigSection& section, std::string_view key) {
  std::string path = section.String(key);
  if (!path.empty() && !std::ifstream(path)) section.Error(key, "cannot read \"" + path + "\"");
  return path;
}

}  // namespace

ClientAuth ReadClientAuth(ConfigSection& section) {
  ClientAuth a;
  a.basic_auth_username = section.String("basic_auth_username");
  a.basic_auth_password = section.SecretFile("basic_auth_password_file").value_or("");
  if (a.basic_auth_username.empty() && !section.String("basic_auth_password_file").empty()) {
    section.Error("basic_auth_password_file", "needs basic_auth_username");
  }
  a.bearer_token = section.SecretFile("bearer_token_file").value_or("");
  if (!section.String("bearer_token_file").empty() && !a.basic_auth_username.empty()) {
    section.Error("bearer_token_file", "cannot be used with basic_auth_username");
  }
  return a;
}

TlsClientOptions ReadTlsClientOptions(ConfigSection& section) {
  TlsClientOptions t;
  t.ca_file = ReadablePath(section, "tls_ca_file");
  t.cert_file = ReadablePath(section, "tls_cert_file");
  t.key_file = ReadablePath(section, "tls_key_file");
  if (t.cert_file.empty() != t.key_file.empty()) {
    section.Error(t.cert_file.empty() ? "tls_key_file" : "tls_cert_file",
                  "tls_cert_file and tls_key_file go together");
  }
  t.server_name = section.String("tls_server_name");
  t.insecure_skip_verify = section.Bool("tls_insecure_skip_verify", false);
  return t;
}

}  // namespace vigil::core
