#pragma once
// TLS through mbedTLS 2.28. A TlsConfig holds what one server or one destination needs
// (certificates, keys, the random generator); a TlsSession is one connection's TLS state,
// working on byte buffers only: the connection feeds it ciphertext from the network and
// sends what it gives back, so TLS knows nothing of sockets or the loop.
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil::core {

struct TlsServerOptions {
  std::string cert_file;       // PEM chain, leaf first
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // when set, clients must present a certificate it signed (mTLS)
};

struct TlsClientOptions {
  std::string ca_file;    // empty: the system's CAs (/etc/ssl/certs/ca-certificates.crt)
  std::string cert_file;  // client certificate for mTLS (with key_file)
  std::string key_file;
  std::string server_name;  // overrides the URL's host for SNI and certificate checks
  bool insecure_skip_verify = false;
};

class TlsConfig {
 public:
  static Result<std::unique_ptr<TlsConfig>> CreateServer(const TlsServerOptions& options);
  static Result<std::unique_ptr<TlsConfig>> CreateClient(const TlsClientOptions& options);
  ~TlsConfig();
  TlsConfig(const TlsConfig&) = delete;
  TlsConfig& operator=(const TlsConfig&) = delete;

  bool is_server() const { return server_; }
  // The name to send and verify instead of the URL's host, or "".
  const std::string& server_name() const { return server_name_; }

 private:
  friend class TlsSession;
  struct Impl;
  explicit TlsConfig(bool server);
  std::unique_ptr<Impl> impl_;
  bool server_;
  std::string server_name_;
};

class TlsSession {
 public:
  // For a client, `host` is sent as SNI and checked against the server's certificate.
  static Result<std::unique_ptr<TlsSession>> Create(TlsConfig& config, std::string_view host);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Bytes that arrived from the peer.
  void FeedCiphertext(std::string_view bytes);
  // Advances the handshake and decrypts what can be; appends plaintext. An error means the
  // connection must be closed (bad certificate, bad record, ...).
  Status Read(std::string* plaintext);
  // Encrypts plaintext; held back until the handshake is done.
  Status Write(std::string_view plaintext);
  // Ciphertext to send to the peer, taken.
  std::string TakeCiphertext();
  // Queues close_notify.
  void Close();

  bool handshake_done() const { return handshake_done_; }
  // The peer said close_notify.
  bool peer_closed() const { return peer_closed_; }

 private:
  struct Impl;
  TlsSession();
  Status FlushPending();
  std::unique_ptr<Impl> impl_;
  std::string incoming_;
  size_t incoming_pos_ = 0;
  std::string outgoing_;
  std::string pending_plaintext_;
  std::string expected_ip_;  // a client connecting to an IP address: its 4 or 16 bytes
  bool handshake_done_ = false;
  bool peer_closed_ = false;
};

}  // namespace vigil::core
