#pragma once
// An HTTP/1.1 server on the loop: keep-alive, pipelined requests answered in order, request
// size and header limits, a read timeout against slow clients and an idle timeout for kept
// connections, and a clean 4xx (then close) for anything malformed. TLS when configured.
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>

#include "core/config_values.h"
#include "core/http_message.h"
#include "core/http_parser.h"
#include "core/tcp.h"
#include "core/uv.h"

namespace vigil::core {

struct HttpServerOptions {
  HostPort listen;
  HttpLimits limits;
  // From a request's first byte to its last; a client slower than this gets 408.
  std::chrono::milliseconds read_timeout{30'000};
  // How long a kept-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{120'000};
  size_t max_connections = 1024;
  TlsConfig* tls = nullptr;  // not owned; outlives the server
};

class HttpServer;
class HttpSession;

// Answers one request, once, on the loop's thread, now or later. If the connection is gone
// by then, the answer is dropped.
class HttpResponder {
 public:
  HttpResponder(std::weak_ptr<HttpSession> session) : session_(std::move(session)) {}
  void Send(HttpResponse response) const;

  // Or a response whose body follows in pieces (chunked transfer encoding), for an answer sent
  // as it is made: StartStream sends the status and headers (a body in `head` is ignored),
  // each StreamWrite one piece, EndStream the end, after which the connection takes its next
  // request; AbortStream closes the connection instead, and the client sees the body cut
  // short. Each returns false when the connection is gone (then nothing more is needed).
  bool StartStream(HttpResponse head) const;
  // `on_drained` runs on the loop once no more than `low_water` bytes wait to be sent (at once
  // if that is already so), so that a writer makes its next piece no faster than the client
  // reads. It is dropped, not run, if the connection closes first.
  bool StreamWrite(std::string_view piece, size_t low_water,
                   std::function<void()> on_drained) const;
  bool EndStream() const;
  void AbortStream() const;

 private:
  std::weak_ptr<HttpSession> session_;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponder)>;
// Called for every response written, handled or refused: for request metrics.
using HttpResponseObserver = std::function<void(const HttpRequest&, int status)>;

// Every HttpResponder must be used or dropped before the server is destroyed.
class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> Create(Loop& loop, HttpServerOptions options,
                                                    HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  const HostPort& address() const { return listener_->address(); }
  size_t connection_count() const { return sessions_.size(); }
  void SetResponseObserver(HttpResponseObserver observer) { observer_ = std::move(observer); }

  // Stops accepting, closes idle connections and closes busy ones after their response.
  void Shutdown();

 private:
  friend class HttpSession;
  HttpServer(Loop& loop, HttpServerOptions options, HttpHandler handler);
  void Accept(std::unique_ptr<Connection> connection);
  void Remove(HttpSession* session);

  Loop& loop_;
  HttpServerOptions options_;
  HttpHandler handler_;
  HttpResponseObserver observer_;
  std::unique_ptr<TcpListener> listener_;
  // shared_ptr: a responder held by work in progress may outlive its connection.
  std::list<std::shared_ptr<HttpSession>> sessions_;
  bool shutting_down_ = false;
};

// Serializes a response with Content-Length and, when closing, "Connection: close".
std::string SerializeResponse(const HttpResponse& response, bool head, bool close);
// The status line and headers of a streamed response: "Transfer-Encoding: chunked", no
// Content-Length.
std::string SerializeStreamHead(const HttpResponse& response, bool close);

}  // namespace vigil::core
