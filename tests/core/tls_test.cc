// HTTPS on loopback with certificates made for the test by openssl: a CA, a server
// certificate for 127.0.0.1/localhost, a client certificate, and an unrelated CA.
#include <gtest/gtest.h>

#include "core/http_client.h"
#include "core/http_server.h"
#include "tests/core/loop_helpers.h"
#include "tests/core/test_pki.h"

namespace vigil::core {
namespace {

using testing::RunUntil;
using testing::TestPki;

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new TestPki(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void StartServer(const std::string& client_ca = "") {
    ASSERT_TRUE(pki_->ok()) << "openssl could not make the test certificates";
    auto config =
        TlsConfig::CreateServer({pki_->Path("server.crt"), pki_->Path("server.key"), client_ca});
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    server_tls_ = std::move(config).value();
    HttpServerOptions options;
    options.listen = {"127.0.0.1", 0};
    options.tls = server_tls_.get();
    auto server = HttpServer::Create(loop_, options, [](const HttpRequest& r, HttpResponder w) {
      w.Send(HttpResponse::Text(200, "secure " + r.body));
    });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  Result<HttpResponse> Post(TlsClientOptions tls, const std::string& host = "127.0.0.1",
                            std::string body = "hello") {
    HttpClient client(loop_, {.timeout = std::chrono::milliseconds(3000), .tls = std::move(tls)});
    std::optional<Result<HttpResponse>> result;
    HttpRequest request;
    request.method = "POST";
    request.body = std::move(body);
    client.Send(*ParseUrl("https://" + host + ":" + std::to_string(server_->address().port) + "/"),
                request, [&](Result<HttpResponse> r) { result = std::move(r); });
    EXPECT_TRUE(RunUntil(loop_, [&] { return result.has_value(); }));
    return result ? std::move(*result) : Result<HttpResponse>(InternalError("no answer"));
  }

  void TearDown() override {
    server_.reset();
    EXPECT_EQ(loop_.Close(), 0);
  }

  static TestPki* pki_;
  Loop loop_;
  std::unique_ptr<TlsConfig> server_tls_;
  std::unique_ptr<HttpServer> server_;
};

TestPki* TlsTest::pki_ = nullptr;

TEST_F(TlsTest, ClientTrustingTheCaTalksToTheServer) {
  StartServer();
  auto r = Post({.ca_file = pki_->Path("ca.crt")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "secure hello");
  // Larger than one TLS record, both ways.
  std::string big(200000, 'z');
  auto r2 = Post({.ca_file = pki_->Path("ca.crt")}, "localhost", big);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->body, "secure " + big);
}

TEST_F(TlsTest, ClientWithTheWrongCaIsRefused) {
  StartServer();
  auto r = Post({.ca_file = pki_->Path("other-ca.crt")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("certificate verify failed"), std::string::npos)
      << r.status().message();
}

TEST_F(TlsTest, NameMismatchIsRefusedUnlessVerificationIsOff) {
  StartServer();
  auto wrong = Post({.ca_file = pki_->Path("ca.crt"), .server_name = "central.example"});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("certificate verify failed"), std::string::npos)
      << wrong.status().message();
  // IP certificates are matched by address: 127.0.0.9 is not in the certificate.
  auto wrong_ip = Post({.ca_file = pki_->Path("ca.crt"), .server_name = "127.0.0.9"});
  ASSERT_FALSE(wrong_ip.ok());
  EXPECT_NE(wrong_ip.status().message().find("certificate verify failed"), std::string::npos);
  auto skip = Post({.server_name = "central.example", .insecure_skip_verify = true});
  ASSERT_TRUE(skip.ok()) << skip.status().ToString();
}

TEST_F(TlsTest, MutualTlsNeedsAClientCertificate) {
  StartServer(pki_->Path("ca.crt"));
  auto without = Post({.ca_file = pki_->Path("ca.crt")});
  ASSERT_FALSE(without.ok());
  auto with = Post({.ca_file = pki_->Path("ca.crt"),
                    .cert_file = pki_->Path("client.crt"),
                    .key_file = pki_->Path("client.key")});
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(with->body, "secure hello");
}

TEST_F(TlsTest, PlainHttpToATlsPortFailsCleanly) {
  StartServer();
  testing::RawClient c(server_->address().port);
  c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(RunUntil(loop_, [&] { return c.eof(); }));
  EXPECT_EQ(server_->connection_count(), 0u);
}

TEST(TlsConfigTest, BadFilesAreClearErrors) {
  auto missing = TlsConfig::CreateServer({"/nonexistent.crt", "/nonexistent.key", ""});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent.crt"), std::string::npos);
  EXPECT_FALSE(TlsConfig::CreateServer({"", "", ""}).ok());
  EXPECT_FALSE(TlsConfig::CreateClient({.cert_file = "/x.crt"}).ok());
  auto bad_ca = TlsConfig::CreateClient({.ca_file = "/nonexistent-ca.crt"});
  ASSERT_FALSE(bad_ca.ok());
  EXPECT_NE(bad_ca.status().message().find("/nonexistent-ca.crt"), std::string::npos);
}

}  // namespace
}  // namespace vigil::core
