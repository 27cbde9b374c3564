#pragma once
// An HTTP/1.1 client on the loop: keeps connections alive per host and reuses them, with one
// deadline covering connect, send and the whole response. HTTPS verifies the server against
// the configured CA (or the system's) unless told not to.
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/config_values.h"
#include "core/http_message.h"
#include "core/http_parser.h"
#include "core/tcp.h"
#include "core/tls.h"
#include "core/uv.h"

namespace vigil::core {

struct HttpClientOptions {
  std::chrono::milliseconds timeout{30'000};  // per exchange, connect included
  std::chrono::milliseconds idle_timeout{90'000};
  size_t max_idle_per_host = 8;
  HttpLimits limits{
      .max_header_bytes = 64 * 1024, .max_header_count = 200, .max_body_bytes = 64 * 1024 * 1024};
  TlsClientOptions tls;  // used for https:// URLs
  std::string user_agent = "vigil";
};

class HttpClient {
 public:
  // Called once, on the loop's thread: a response of any status, or why there is none
  // (Unavailable: could not connect or the connection broke; DeadlineExceeded: timeout).
  using Callback = std::function<void(Result<HttpResponse>)>;

  HttpClient(Loop& loop, HttpClientOptions options);
  // Exchanges still in flight are abandoned: their callbacks are not called.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends request.method with its headers and body to `url`; Host, Content-Length and
  // User-Agent are set here.
  void Send(const Url& url, HttpRequest request, Callback done);

  size_t idle_connections() const;
  size_t in_flight() const { return exchanges_.size(); }

 private:
  struct Exchange;
  struct PooledConnection;

  void Connect(Exchange* ex);
  PooledConnection* Bind(Exchange* ex, std::unique_ptr<PooledConnection> pc);
  bool Alive(const Exchange* ex) const;
  void OnData(PooledConnection* pc, std::string_view bytes);
  void OnClosed(PooledConnection* pc, const Status& status);
  void Finish(Exchange* ex, Result<HttpResponse> result, bool keep_connection);
  void Park(std::unique_ptr<PooledConnection> pc);
  void DropIdle(PooledConnection* pc);
  Result<TlsConfig*> Tls();

  Loop& loop_;
  HttpClientOptions options_;
  std::unique_ptr<TlsConfig> tls_;
  std::list<std::unique_ptr<Exchange>> exchanges_;
  std::map<std::string, std::vector<std::unique_ptr<PooledConnection>>> idle_;
};

}  // namespace vigil::core
