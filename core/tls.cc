#include "core/tls.h"

#include <arpa/inet.h>
#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <cstring>

namespace vigil::core {
namespace {

constexpr char kSystemCaFile[] = "/etc/ssl/certs/ca-certificates.crt";

std::string MbedError(int rc) {
  char buf[160];
  mbedtls_strerror(rc, buf, sizeof buf);
  return buf;
}

// The address bytes of an IP literal (4 or 16), or "" for a DNS name.
std::string IpBytes(const std::string& host) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1)
    return std::string(reinterpret_cast<char*>(buf), 4);
  if (inet_pton(AF_INET6, host.c_str(), buf) == 1)
    return std::string(reinterpret_cast<char*>(buf), 16);
  return "";
}

// Does the certificate list `ip` among its subjectAltName iPAddress entries? mbedTLS 2.28
// matches DNS names only, so IP certificates are checked here, walking the raw extensions:
//   Extensions ::= SEQUENCE OF SEQUENCE { extnID OID, critical BOOLEAN OPTIONAL, extnValue
//   OCTET STRING }, and the SAN value is GeneralNames ::= SEQUENCE OF [7] iPAddress | ...
bool CertificateHasIp(const mbedtls_x509_crt& crt, const std::string& ip) {
  static const unsigned char kSanOid[] = {0x55, 0x1d, 0x11};  // 2.5.29.17
  unsigned char* p = crt.v3_ext.p;
  if (p == nullptr) return false;
  const unsigned char* end = p + crt.v3_ext.len;
  size_t len = 0;
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) {
    return false;
  }
  end = p + len;
  while (p < end) {
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) !=
        0) {
      return false;
    }
    const unsigned char* ext_end = p + len;
    size_t oid_len = 0;
    if (mbedtls_asn1_get_tag(&p, ext_end, &oid_len, MBEDTLS_ASN1_OID) != 0) return false;
    bool is_san = oid_len == sizeof kSanOid && std::memcmp(p, kSanOid, oid_len) == 0;
    p += oid_len;
    int critical = 0;
    (void)mbedtls_asn1_get_bool(&p, ext_end, &critical);  // absent is fine
    size_t value_len = 0;
    if (mbedtls_asn1_get_tag(&p, ext_end, &value_len, MBEDTLS_ASN1_OCTET_STRING) != 0) return false;
    if (is_san) {
      unsigned char* q = p;
      const unsigned char* value_end = p + value_len;
      size_t names_len = 0;
      if (mbedtls_asn1_get_tag(&q, value_end, &names_len,
                               MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) {
        return false;
      }
      while (q < value_end) {
        unsigned char tag = *q++;
        size_t name_len = 0;
        if (mbedtls_asn1_get_len(&q, value_end, &name_len) != 0) return false;
        if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && name_len == ip.size() &&
            std::memcmp(q, ip.data(), name_len) == 0) {
          return true;
        }
        q += name_len;
      }
    }
    p = const_cast<unsigned char*>(ext_end);
  }
  return false;
}

}  // namespace

struct TlsConfig::Impl {
  mbedtls_ssl_config conf;
  mbedtls_x509_crt ca;
  mbedtls_x509_crt cert;
  mbedtls_pk_context key;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;

  Impl() {
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&cert);
    mbedtls_pk_init(&key);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
  }
  ~Impl() {
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&ca);
    mbedtls_x509_crt_free(&cert);
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }

  Status Setup(int endpoint) {
    static const char kPers[] = "vigil";
    int rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                                   reinterpret_cast<const unsigned char*>(kPers), sizeof kPers);
    if (rc != 0) return InternalError("tls: seeding the random generator: " + MbedError(rc));
    rc = mbedtls_ssl_config_defaults(&conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return InternalError("tls: config defaults: " + MbedError(rc));
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    // TLS 1.2 is the floor; mbedTLS 2.28 has no production TLS 1.3.
    mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    return OkStatus();
  }

  Status LoadCertAndKey(const std::string& cert_file, const std::string& key_file) {
    int rc = mbedtls_x509_crt_parse_file(&cert, cert_file.c_str());
    if (rc != 0)
      return InvalidArgumentError("tls: certificate " + cert_file + ": " + MbedError(rc));
    rc = mbedtls_pk_parse_keyfile(&key, key_file.c_str(), nullptr);
    if (rc != 0) return InvalidArgumentError("tls: key " + key_file + ": " + MbedError(rc));
    rc = mbedtls_ssl_conf_own_cert(&conf, &cert, &key);
    if (rc != 0) {
      return InvalidArgumentError("tls: certificate " + cert_file + " does not match key " +
                                  key_file + ": " + MbedError(rc));
    }
    return OkStatus();
  }

  Status LoadCa(const std::string& ca_file) {
    int rc = mbedtls_x509_crt_parse_file(&ca, ca_file.c_str());
    // A positive result counts certificates that failed to parse in a bundle; the rest load.
    if (rc < 0) return InvalidArgumentError("tls: CA file " + ca_file + ": " + MbedError(rc));
    mbedtls_ssl_conf_ca_chain(&conf, &ca, nullptr);
    return OkStatus();
  }
};

TlsConfig::TlsConfig(bool server) : impl_(std::make_unique<Impl>()), server_(server) {}
TlsConfig::~TlsConfig() = default;

Result<std::unique_ptr<TlsConfig>> TlsConfig::CreateServer(const TlsServerOptions& options) {
  if (options.cert_file.empty() || options.key_file.empty()) {
    return InvalidArgumentError("tls: a server needs both a certificate and a key file");
  }
  std::unique_ptr<TlsConfig> config(new TlsConfig(true));
  Impl& impl = *config->impl_;
  VIGIL_RETURN_IF_ERROR(impl.Setup(MBEDTLS_SSL_IS_SERVER));
  VIGIL_RETURN_IF_ERROR(impl.LoadCertAndKey(options.cert_file, options.key_file));
  if (!options.client_ca_file.empty()) {
    VIGIL_RETURN_IF_ERROR(impl.LoadCa(options.client_ca_file));
    mbedtls_ssl_conf_authmode(&impl.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  } else {
    mbedtls_ssl_conf_authmode(&impl.conf, MBEDTLS_SSL_VERIFY_NONE);
  }
  return config;
}

Result<std::unique_ptr<TlsConfig>> TlsConfig::CreateClient(const TlsClientOptions& options) {
  if (options.cert_file.empty() != options.key_file.empty()) {
    return InvalidArgumentError(
        "tls: a client certificate needs its key, and a key its certificate");
  }
  std::unique_ptr<TlsConfig> config(new TlsConfig(false));
  config->server_name_ = options.server_name;
  Impl& impl = *config->impl_;
  VIGIL_RETURN_IF_ERROR(impl.Setup(MBEDTLS_SSL_IS_CLIENT));
  if (options.insecure_skip_verify) {
    mbedtls_ssl_conf_authmode(&impl.conf, MBEDTLS_SSL_VERIFY_NONE);
  } else {
    VIGIL_RETURN_IF_ERROR(impl.LoadCa(options.ca_file.empty() ? kSystemCaFile : options.ca_file));
    mbedtls_ssl_conf_authmode(&impl.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  }
  if (!options.cert_file.empty()) {
    VIGIL_RETURN_IF_ERROR(impl.LoadCertAndKey(options.cert_file, options.key_file));
  }
  return config;
}

struct TlsSession::Impl {
  mbedtls_ssl_context ssl;
  Impl() { mbedtls_ssl_init(&ssl); }
  ~Impl() { mbedtls_ssl_free(&ssl); }
};

TlsSession::TlsSession() : impl_(std::make_unique<Impl>()) {}
TlsSession::~TlsSession() = default;

Result<std::unique_ptr<TlsSession>> TlsSession::Create(TlsConfig& config, std::string_view host) {
  std::unique_ptr<TlsSession> session(new TlsSession());
  mbedtls_ssl_context* ssl = &session->impl_->ssl;
  int rc = mbedtls_ssl_setup(ssl, &config.impl_->conf);
  if (rc != 0) return InternalError("tls: session setup: " + MbedError(rc));
  if (!config.is_server()) {
    std::string name = config.server_name().empty() ? std::string(host) : config.server_name();
    session->expected_ip_ = IpBytes(name);
    if (session->expected_ip_.empty()) {
      rc = mbedtls_ssl_set_hostname(ssl, name.c_str());
      if (rc != 0)
        return InvalidArgumentError("tls: server name \"" + name + "\": " + MbedError(rc));
    } else {
      // An IP address is neither sent as SNI (RFC 6066) nor matched by mbedTLS: we check it.
      mbedtls_ssl_set_verify(
          ssl,
          [](void* ctx, mbedtls_x509_crt* crt, int depth, uint32_t* flags) -> int {
            auto* self = static_cast<TlsSession*>(ctx);
            if (depth == 0 && !CertificateHasIp(*crt, self->expected_ip_)) {
              *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
            }
            return 0;
          },
          session.get());
    }
  }
  auto send = [](void* ctx, const unsigned char* buf, size_t len) -> int {
    static_cast<TlsSession*>(ctx)->outgoing_.append(reinterpret_cast<const char*>(buf), len);
    return static_cast<int>(len);
  };
  auto recv = [](void* ctx, unsigned char* buf, size_t len) -> int {
    auto* self = static_cast<TlsSession*>(ctx);
    size_t available = self->incoming_.size() - self->incoming_pos_;
    if (available == 0) return MBEDTLS_ERR_SSL_WANT_READ;
    size_t n = std::min(len, available);
    std::memcpy(buf, self->incoming_.data() + self->incoming_pos_, n);
    self->incoming_pos_ += n;
    if (self->incoming_pos_ == self->incoming_.size()) {
      self->incoming_.clear();
      self->incoming_pos_ = 0;
    }
    return static_cast<int>(n);
  };
  mbedtls_ssl_set_bio(ssl, session.get(), send, recv, nullptr);
  if (!config.is_server()) {
    // A client speaks first: the ClientHello goes out before any byte comes in.
    std::string ignored;
    VIGIL_RETURN_IF_ERROR(session->Read(&ignored));
  }
  return session;
}

void TlsSession::FeedCiphertext(std::string_view bytes) { incoming_.append(bytes); }

Status TlsSession::Read(std::string* plaintext) {
  mbedtls_ssl_context* ssl = &impl_->ssl;
  if (!handshake_done_) {
    int rc = mbedtls_ssl_handshake(ssl);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return OkStatus();
    if (rc != 0) {
      uint32_t flags = mbedtls_ssl_get_verify_result(ssl);
      if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0 && flags != uint32_t(-1)) {
        char info[256];
        mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
        std::string why(info);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        return UnavailableError("tls: certificate verify failed: " + why);
      }
      return UnavailableError("tls: handshake failed: " + MbedError(rc));
    }
    handshake_done_ = true;
    VIGIL_RETURN_IF_ERROR(FlushPending());
  }
  char buf[16 * 1024];
  for (;;) {
    int rc = mbedtls_ssl_read(ssl, reinterpret_cast<unsigned char*>(buf), sizeof buf);
    if (rc > 0) {
      plaintext->append(buf, static_cast<size_t>(rc));
      continue;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return OkStatus();
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      peer_closed_ = true;
      return OkStatus();
    }
    return UnavailableError("tls: read: " + MbedError(rc));
  }
}

Status TlsSession::Write(std::string_view plaintext) {
  pending_plaintext_.append(plaintext);
  if (!handshake_done_) return OkStatus();
  return FlushPending();
}

Status TlsSession::FlushPending() {
  size_t pos = 0;
  while (pos < pending_plaintext_.size()) {
    int rc = mbedtls_ssl_write(
        &impl_->ssl, reinterpret_cast<const unsigned char*>(pending_plaintext_.data()) + pos,
        pending_plaintext_.size() - pos);
    if (rc < 0) {
      pending_plaintext_.clear();
      return UnavailableError("tls: write: " + MbedError(rc));
    }
    pos += static_cast<size_t>(rc);
  }
  pending_plaintext_.clear();
  return OkStatus();
}

std::string TlsSession::TakeCiphertext() { return std::exchange(outgoing_, std::string()); }

void TlsSession::Close() {
  if (handshake_done_) mbedtls_ssl_close_notify(&impl_->ssl);
}

}  // namespace vigil::core
