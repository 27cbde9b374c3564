#include "core/http_server.h"

#include <cstdio>
#include <ctime>

#include "core/log.h"

namespace vigil::core {

namespace {

// The status line, the response's own headers but those the server sets, and Date.
std::string StatusAndHeaders(const HttpResponse& response) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " ";
  out += HttpReasonPhrase(response.status);
  out += "\r\n";
  for (const auto& [name, value] : response.headers.fields()) {
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Connection") ||
        EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;
    }
    out += name + ": " + value + "\r\n";
  }
  char date[64];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  out += "Date: ";
  out += date;
  out += "\r\n";
  return out;
}

}  // namespace

std::string SerializeStreamHead(const HttpResponse& response, bool close) {
  std::string out = StatusAndHeaders(response);
  out += "Transfer-Encoding: chunked\r\n";
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

std::string SerializeResponse(const HttpResponse& response, bool head, bool close) {
  std::string out = StatusAndHeaders(response);
  bool bodiless = response.status / 100 == 1 || response.status == 204 || response.status == 304;
  if (!bodiless) out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head && !bodiless) out += response.body;
  return out;
}

// One client connection: parses requests one at a time, hands each to the handler, writes
// the answer, and reads the next (pipelined bytes wait in the buffer meanwhile).
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(HttpServer& server, std::unique_ptr<Connection> connection)
      : server_(server),
        connection_(std::move(connection)),
        parser_(HttpParser::Kind::kRequest, server.options_.limits),
        read_timer_(server.loop_, [this] { OnReadTimeout(); }),
        idle_timer_(server.loop_, [this] { Close(); }),
        write_timer_(server.loop_, [this] { OnWriteStalled(); }) {}

  void Start() {
    connection_->Start({[this](std::string_view bytes) { OnData(bytes); },
                        [this](const Status&) {
                          closed_ = true;
                          read_timer_.Stop();
                          idle_timer_.Stop();
                          write_timer_.Stop();
                          server_.Remove(this);  // may destroy this; nothing after
                        }});
    if (!closed_) idle_timer_.Start(server_.options_.idle_timeout);
  }

  void Respond(HttpResponse response) {
    if (!busy_ || closed_ || streaming_) return;
    auto keep = shared_from_this();  // a failed write may remove this session from the server
    const HttpRequest& request = parser_.request();
    bool close = server_.shutting_down_ || !request.KeepAlive() ||
                 response.headers.HasToken("Connection", "close");
    if (server_.observer_) server_.observer_(request, response.status);
    connection_->Write(SerializeResponse(response, request.method == "HEAD", close));
    Finish(close);
  }

  bool StartStream(const HttpResponse& head) {
    if (!busy_ || closed_ || streaming_) return false;
    auto keep = shared_from_this();
    streaming_ = true;
    stream_close_ = server_.shutting_down_ || !parser_.request().KeepAlive() ||
                    head.headers.HasToken("Connection", "close");
    if (server_.observer_) server_.observer_(parser_.request(), head.status);
    connection_->Write(SerializeStreamHead(head, stream_close_));
    return !closed_;
  }

  bool StreamWrite(std::string_view piece, size_t low_water, std::function<void()> on_drained) {
    if (!streaming_ || closed_) return false;
    auto keep = shared_from_this();
    if (!piece.empty()) {  // an empty chunk would end the body
      char size[32];
      const int n = std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
      connection_->Write(std::string_view(size, static_cast<size_t>(n)));
      connection_->Write(piece);
      connection_->Write("\r\n");
    }
    if (closed_) return false;
    if (on_drained) connection_->WhenDrained(low_water, std::move(on_drained));
    return !closed_;
  }

  bool EndStream() {
    if (!streaming_ || closed_) return false;
    auto keep = shared_from_this();
    streaming_ = false;
    connection_->Write("0\r\n\r\n");
    Finish(stream_close_);
    return true;
  }

  void AbortStream() {
    if (!streaming_ || closed_) return;
    auto keep = shared_from_this();
    streaming_ = false;
    busy_ = false;
    Close();
  }

  void ShutdownWhenIdle() {
    if (!busy_) Close();
  }

 private:
  // After a whole response: the next request, or the end of the connection.
  void Finish(bool close) {
    busy_ = false;
    if (connection_->unsent_bytes() > 0) {
      // The client is not taking the answer: the kernel's buffers are full. Until it does,
      // no further request of its is read, so answers cannot pile up here.
      waiting_for_drain_ = true;
      unsent_at_check_ = connection_->unsent_bytes();
      write_timer_.Start(server_.options_.idle_timeout);
      connection_->WhenDrained(0, [this] { OnDrained(); });
    }
    if (close) {
      Close();
      return;
    }
    parser_.Reset();
    continue_sent_ = false;
    if (waiting_for_drain_) return;
    connection_->ResumeReading();
    Process();  // a pipelined request may already be buffered
  }

  void OnData(std::string_view bytes) {
    auto keep = shared_from_this();  // the handler or a failed write may remove this session
    buffer_.append(bytes);
    Process();
  }

  void Process() {
    if (busy_ || closed_) return;
    if (buffer_.empty()) {
      idle_timer_.Start(server_.options_.idle_timeout);
      return;
    }
    idle_timer_.Stop();
    size_t consumed = 0;
    HttpParser::State state = parser_.Feed(buffer_, &consumed);
    buffer_.erase(0, consumed);
    switch (state) {
      case HttpParser::State::kNeedMore:
        if (parser_.started() && !read_timer_.active()) {
          read_timer_.Start(server_.options_.read_timeout);
        }
        MaybeSendContinue();
        return;
      case HttpParser::State::kError:
        Refuse(parser_.error_status(), parser_.error());
        return;
      case HttpParser::State::kComplete:
        read_timer_.Stop();
        busy_ = true;
        // Backpressure: the next request waits in the socket until this one is answered.
        connection_->PauseReading();
        parser_.request().remote_address = connection_->peer();
        server_.handler_(parser_.request(), HttpResponder(weak_from_this()));
        return;
    }
  }

  // curl and Go wait (a second or for ever) for "100 Continue" before sending a large body.
  void MaybeSendContinue() {
    if (continue_sent_ || !parser_.headers_complete()) return;
    const HttpRequest& r = parser_.request();
    if (r.version_minor == 1 && EqualsIgnoreCase(r.headers.Get("Expect"), "100-continue")) {
      connection_->Write("HTTP/1.1 100 Continue\r\n\r\n");
      continue_sent_ = true;
    }
  }

  void Refuse(int status, const std::string& why) {
    busy_ = true;  // so Respond writes it
    HttpResponse r = HttpResponse::Text(status, why + "\n");
    r.headers.Set("Connection", "close");
    Respond(std::move(r));
  }

  void OnDrained() {
    if (!waiting_for_drain_) return;
    waiting_for_drain_ = false;
    write_timer_.Stop();
    if (busy_ || closed_) return;
    connection_->ResumeReading();
    Process();
  }

  // A client that takes nothing of its answer for idle_timeout is let go, and the answer with
  // it: without this, one that never reads would hold its connection and answer for ever.
  void OnWriteStalled() {
    const size_t unsent = connection_->unsent_bytes();
    if (unsent == 0) return;          // drained; OnDrained follows
    if (unsent < unsent_at_check_) {  // slow, but reading
      unsent_at_check_ = unsent;
      write_timer_.Start(server_.options_.idle_timeout);
      return;
    }
    auto keep = shared_from_this();
    LogWarn("connection dropped: the client took none of its answer",
            {{"peer", connection_->peer()},
             {"unsent_bytes", unsent},
             {"within", FormatDuration(server_.options_.idle_timeout)}});
    closed_ = true;
    read_timer_.Stop();
    idle_timer_.Stop();
    connection_->Abort();  // on_close removes this session
  }

  void OnReadTimeout() {
    if (busy_ || closed_) return;
    auto keep = shared_from_this();
    Refuse(408, "request not received within " + FormatDuration(server_.options_.read_timeout));
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    read_timer_.Stop();
    idle_timer_.Stop();
    connection_->CloseAfterWrites();  // on_close removes this session
  }

  HttpServer& server_;
  std::unique_ptr<Connection> connection_;
  HttpParser parser_;
  Timer read_timer_;
  Timer idle_timer_;
  std::string buffer_;
  Timer write_timer_;
  bool waiting_for_drain_ = false;  // an answer waits for the client to read it
  size_t unsent_at_check_ = 0;
  bool busy_ = false;       // a request is with the handler
  bool streaming_ = false;  // its response's head is sent, its body is on its way
  bool stream_close_ = false;
  bool continue_sent_ = false;
  bool closed_ = false;
};

void HttpResponder::Send(HttpResponse response) const {
  if (auto session = session_.lock()) session->Respond(std::move(response));
}

bool HttpResponder::StartStream(HttpResponse head) const {
  auto session = session_.lock();
  return session && session->StartStream(head);
}

bool HttpResponder::StreamWrite(std::string_view piece, size_t low_water,
                                std::function<void()> on_drained) const {
  auto session = session_.lock();
  return session && session->StreamWrite(piece, low_water, std::move(on_drained));
}

bool HttpResponder::EndStream() const {
  auto session = session_.lock();
  return session && session->EndStream();
}

void HttpResponder::AbortStream() const {
  if (auto session = session_.lock()) session->AbortStream();
}

HttpServer::HttpServer(Loop& loop, HttpServerOptions options, HttpHandler handler)
    : loop_(loop), options_(std::move(options)), handler_(std::move(handler)) {}

HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::Create(Loop& loop, HttpServerOptions options,
                                                       HttpHandler handler) {
  std::unique_ptr<HttpServer> server(new HttpServer(loop, std::move(options), std::move(handler)));
  HttpServer* raw = server.get();
  VIGIL_ASSIGN_OR_RETURN(
      server->listener_,
      TcpListener::Create(loop, server->options_.listen, server->options_.tls,
                          [raw](std::unique_ptr<Connection> c) { raw->Accept(std::move(c)); }));
  return server;
}

void HttpServer::Accept(std::unique_ptr<Connection> connection) {
  if (shutting_down_ || sessions_.size() >= options_.max_connections) {
    LogWarn("connection refused",
            {{"peer", connection->peer()},
             {"reason", shutting_down_ ? "shutting down" : "too many connections"}});
    return;  // the Connection's destructor closes the socket
  }
  auto session = std::make_shared<HttpSession>(*this, std::move(connection));
  sessions_.push_back(session);
  session->Start();
}

void HttpServer::Remove(HttpSession* session) {
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->get() == session) {
      sessions_.erase(it);  // destroys the session (and its connection) unless a responder holds it
      return;
    }
  }
}

void HttpServer::Shutdown() {
  shutting_down_ = true;
  listener_.reset();
  // Copy: closing may remove sessions from the list.
  auto sessions = sessions_;
  for (auto& s : sessions) s->ShutdownWhenIdle();
}

}  // namespace vigil::core
