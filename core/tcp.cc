#include "core/tcp.h"

#include <csignal>
#include <cstring>
#include <mutex>

#include "core/log.h"

namespace vigil::core {
namespace {

// libuv writes to sockets with write(2): a peer that has gone (a client leaving in the middle
// of a long answer, a server closing on a sender) raises SIGPIPE, which would end the process.
// The write's EPIPE is what the connection handles instead. Set once, by whatever opens the
// first socket, so tests and both binaries are covered alike.
void IgnoreBrokenPipes() {
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

std::string FormatAddress(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "";
  uint16_t port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    uv_ip4_name(in, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    uv_ip6_name(in6, host, sizeof host);
    port = ntohs(in6->sin6_port);
  }
  return HostPort{host, port}.ToString();
}

std::string PeerOf(uv_tcp_t* handle) {
  sockaddr_storage addr{};
  int len = sizeof addr;
  if (uv_tcp_getpeername(handle, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "?";
  return FormatAddress(addr);
}

struct WriteRequest {
  uv_write_t req;
  std::string data;
};

}  // namespace

Connection::Connection(uv_tcp_t* handle, std::unique_ptr<TlsSession> tls, std::string peer)
    : handle_(handle), tls_(std::move(tls)), peer_(std::move(peer)) {
  handle_->data = this;
  uv_tcp_nodelay(handle_, 1);
}

Connection::~Connection() {
  if (destroyed_) *destroyed_ = true;
  if (handle_) CloseAndDelete(handle_);
}

void Connection::Start(Callbacks callbacks) {
  callbacks_ = std::move(callbacks);
  FlushTls();  // a TLS client's hello is already waiting
  ResumeReading();
}

void Connection::ResumeReading() {
  if (reading_ || closing_ || closed_) return;
  // handle_ is non-null until closed_ is set.
  reading_ = true;
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(handle_),
      [](uv_handle_t*, size_t suggested, uv_buf_t* buf) {
        buf->base = new char[suggested];
        buf->len = suggested;
      },
      [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
        std::unique_ptr<char[]> owned(buf->base);
        if (auto* self = static_cast<Connection*>(stream->data)) self->OnRead(nread, buf);
      });
}

void Connection::PauseReading() {
  if (!reading_) return;
  reading_ = false;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(handle_));
}

void Connection::OnRead(ssize_t nread, const uv_buf_t* buf) {
  if (nread == 0) return;
  if (nread < 0) {
    Fail(nread == UV_EOF ? UnavailableError("connection closed by peer")
                         : UvError(static_cast<int>(nread), "read from " + peer_));
    return;
  }
  std::string_view bytes(buf->base, static_cast<size_t>(nread));
  std::string plaintext;
  if (tls_) {
    tls_->FeedCiphertext(bytes);
    Status s = tls_->Read(&plaintext);
    FlushTls();
    if (!s.ok()) {
      Fail(s);
      return;
    }
    bytes = plaintext;
  }
  if (!bytes.empty() && callbacks_.on_data) {
    bool destroyed = false;
    destroyed_ = &destroyed;
    callbacks_.on_data(bytes);
    if (destroyed) return;
    destroyed_ = nullptr;
  }
  if (tls_ && tls_->peer_closed()) Fail(UnavailableError("connection closed by peer"));
}

void Connection::Write(std::string_view bytes) {
  if (closing_ || closed_ || bytes.empty()) return;
  if (tls_) {
    Status s = tls_->Write(bytes);
    if (!s.ok()) {
      Fail(s);
      return;
    }
    FlushTls();
    return;
  }
  WriteRaw(std::string(bytes));
}

void Connection::FlushTls() {
  if (!tls_) return;
  std::string ciphertext = tls_->TakeCiphertext();
  if (!ciphertext.empty()) WriteRaw(std::move(ciphertext));
}

void Connection::WriteRaw(std::string bytes) {
  if (closed_) return;
  auto* w = new WriteRequest{{}, std::move(bytes)};
  w->req.data = w;
  queued_write_bytes_ += w->data.size();
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(handle_), &buf, 1,
                    [](uv_write_t* req, int status) {
                      std::unique_ptr<WriteRequest> done(static_cast<WriteRequest*>(req->data));
                      auto* self = static_cast<Connection*>(req->handle->data);
                      if (self) self->OnWriteDone(done->data.size(), status);
                    });
  if (rc != 0) {
    queued_write_bytes_ -= w->data.size();
    delete w;
    Fail(UvError(rc, "write to " + peer_));
  }
}

void Connection::OnWriteDone(size_t bytes, int status) {
  queued_write_bytes_ -= bytes;
  if (status != 0 && status != UV_ECANCELED) {
    Fail(UvError(status, "write to " + peer_));
    return;
  }
  if (on_drained_ && queued_write_bytes_ <= drain_low_water_) {
    auto callback = std::exchange(on_drained_, nullptr);
    bool destroyed = false;
    destroyed_ = &destroyed;
    callback();  // may write, close or destroy this
    if (destroyed) return;
    destroyed_ = nullptr;
  }
  MaybeFinishClose();
}

void Connection::WhenDrained(size_t low_water, std::function<void()> callback) {
  if (closed_) return;
  if (queued_write_bytes_ <= low_water) {
    callback();
    return;
  }
  drain_low_water_ = low_water;
  on_drained_ = std::move(callback);
}

size_t Connection::unsent_bytes() const {
  if (closed_) return 0;
  return uv_stream_get_write_queue_size(reinterpret_cast<const uv_stream_t*>(handle_));
}

void Connection::Abort() {
  Fail(UnavailableError("closed with " + std::to_string(unsent_bytes()) + " bytes unsent"));
}

void Connection::CloseAfterWrites() {
  if (closing_ || closed_) return;
  if (tls_) {
    tls_->Close();
    FlushTls();
  }
  closing_ = true;
  PauseReading();
  MaybeFinishClose();
}

void Connection::MaybeFinishClose() {
  if (closing_ && !closed_ && queued_write_bytes_ == 0) Fail(OkStatus());
}

void Connection::Fail(const Status& status) {
  if (closed_) return;
  closed_ = true;
  PauseReading();
  // The handle closes now so the peer sees it at once; memory goes in the close callback.
  CloseAndDelete(std::exchange(handle_, nullptr));
  if (callbacks_.on_close) {
    auto on_close = std::move(callbacks_.on_close);
    callbacks_.on_close = nullptr;
    on_close(status);  // may destroy this; nothing after
  }
}

TcpListener::TcpListener(Loop& loop, TlsConfig* tls, OnAccept on_accept)
    : loop_(loop), handle_(new uv_tcp_t), tls_(tls), on_accept_(std::move(on_accept)) {
  uv_tcp_init(loop.get(), handle_);
  handle_->data = this;
}

TcpListener::~TcpListener() { CloseAndDelete(handle_); }

Result<std::unique_ptr<TcpListener>> TcpListener::Create(Loop& loop, const HostPort& address,
                                                         TlsConfig* tls, OnAccept on_accept) {
  IgnoreBrokenPipes();
  std::unique_ptr<TcpListener> l(new TcpListener(loop, tls, std::move(on_accept)));
  sockaddr_storage addr{};
  std::string host = address.host.empty() ? "0.0.0.0" : address.host;
  if (host == "localhost") host = "127.0.0.1";
  int rc = uv_ip4_addr(host.c_str(), address.port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) rc = uv_ip6_addr(host.c_str(), address.port, reinterpret_cast<sockaddr_in6*>(&addr));
  if (rc != 0) {
    return InvalidArgumentError("listen address " + address.ToString() +
                                ": host must be an IP address or localhost");
  }
  rc = uv_tcp_bind(l->handle_, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(l->handle_), 511, [](uv_stream_t* s, int status) {
      if (auto* self = static_cast<TcpListener*>(s->data)) self->OnConnection(status);
    });
  }
  if (rc != 0) return UvError(rc, "listen on " + address.ToString());
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(l->handle_, reinterpret_cast<sockaddr*>(&bound), &len);
  l->address_ = *ParseHostPort(FormatAddress(bound));
  return l;
}

void TcpListener::OnConnection(int status) {
  if (status != 0) {
    LogWarn("accept failed", {{"addr", address_.ToString()}, {"err", uv_strerror(status)}});
    return;
  }
  auto* client = new uv_tcp_t;
  uv_tcp_init(loop_.get(), client);
  if (uv_accept(reinterpret_cast<uv_stream_t*>(handle_), reinterpret_cast<uv_stream_t*>(client)) !=
      0) {
    CloseAndDelete(client);
    return;
  }
  std::unique_ptr<TlsSession> tls;
  if (tls_) {
    auto session = TlsSession::Create(*tls_, "");
    if (!session.ok()) {
      LogWarn("tls session setup failed", {{"err", session.status().ToString()}});
      CloseAndDelete(client);
      return;
    }
    tls = std::move(session).value();
  }
  std::string peer = PeerOf(client);
  on_accept_(std::unique_ptr<Connection>(new Connection(client, std::move(tls), std::move(peer))));
}

struct Connector::Attempt {
  Loop& loop;
  std::string host;
  uint16_t port;
  TlsConfig* tls;
  OnConnect on_connect;
  bool cancelled = false;
  uv_getaddrinfo_t resolve{};
  uv_connect_t connect{};
  uv_tcp_t* handle = nullptr;     // ours until handed to a Connection
  uv_timer_t* defer = nullptr;    // reports a resolve that failed at once
  addrinfo* addresses = nullptr;  // what the name resolved to, freed in Finish
  addrinfo* next_address = nullptr;
  int deferred_error = 0;
  std::shared_ptr<Attempt> self;  // keeps the attempt alive while libuv holds its requests

  Attempt(Loop& l, std::string h, uint16_t p, TlsConfig* t, OnConnect cb)
      : loop(l), host(std::move(h)), port(p), tls(t), on_connect(std::move(cb)) {}

  void Finish(Result<std::unique_ptr<Connection>> result) {
    auto keep = std::move(self);  // released when this returns
    if (addresses) uv_freeaddrinfo(std::exchange(addresses, nullptr));
    if (!cancelled) on_connect(std::move(result));
  }

  void OnResolved(int status, addrinfo* res) {
    if (cancelled || status != 0) {
      if (res) uv_freeaddrinfo(res);
      Finish(UvError(status == 0 ? UV_ECANCELED : status, "resolve " + host));
      return;
    }
    addresses = res;
    next_address = res;
    TryNext(UV_EAI_NONAME);
  }

  // "localhost" may resolve to ::1 and 127.0.0.1 while the server listens on one only, so
  // each address is tried in turn, as Go's dialer does.
  void TryNext(int last_error) {
    if (next_address == nullptr) {
      Finish(UvError(last_error, "connect to " + HostPort{host, port}.ToString()));
      return;
    }
    const sockaddr* addr = next_address->ai_addr;
    next_address = next_address->ai_next;
    handle = new uv_tcp_t;
    uv_tcp_init(loop.get(), handle);
    handle->data = nullptr;
    connect.data = this;
    int rc = uv_tcp_connect(&connect, handle, addr, [](uv_connect_t* req, int st) {
      static_cast<Attempt*>(req->data)->OnConnected(st);
    });
    if (rc != 0) {
      CloseAndDelete(std::exchange(handle, nullptr));
      TryNext(rc);
    }
  }

  void OnConnected(int status) {
    std::string where = HostPort{host, port}.ToString();
    if (cancelled) {
      if (handle) CloseAndDelete(std::exchange(handle, nullptr));
      Finish(UvError(UV_ECANCELED, "connect to " + where));
      return;
    }
    if (status != 0) {
      CloseAndDelete(std::exchange(handle, nullptr));
      TryNext(status);
      return;
    }
    std::unique_ptr<TlsSession> session;
    if (tls) {
      auto created = TlsSession::Create(*tls, host);
      if (!created.ok()) {
        CloseAndDelete(std::exchange(handle, nullptr));
        Finish(created.status());
        return;
      }
      session = std::move(created).value();
    }
    // The Connection owns the socket from here on.
    Finish(std::unique_ptr<Connection>(
        new Connection(std::exchange(handle, nullptr), std::move(session), where)));
  }
};

Connector::Connector(Loop& loop, std::string host, uint16_t port, TlsConfig* tls,
                     OnConnect on_connect)
    : attempt_(std::make_shared<Attempt>(loop, std::move(host), port, tls, std::move(on_connect))) {
  IgnoreBrokenPipes();
  Attempt* a = attempt_.get();
  a->self = attempt_;
  a->resolve.data = a;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  std::string port_text = std::to_string(port);
  int rc = uv_getaddrinfo(
      loop.get(), &a->resolve,
      [](uv_getaddrinfo_t* req, int status, addrinfo* res) {
        static_cast<Attempt*>(req->data)->OnResolved(status, res);
      },
      a->host.c_str(), port_text.c_str(), &hints);
  if (rc != 0) {
    // Reported from the loop on its next turn, never from inside this constructor.
    a->deferred_error = rc;
    a->defer = new uv_timer_t;
    uv_timer_init(loop.get(), a->defer);
    a->defer->data = a;
    uv_timer_start(
        a->defer,
        [](uv_timer_t* t) {
          auto* attempt = static_cast<Attempt*>(t->data);
          CloseAndDelete(std::exchange(attempt->defer, nullptr));
          attempt->OnResolved(attempt->deferred_error, nullptr);
        },
        0, 0);
  }
}

Connector::~Connector() {
  Attempt* a = attempt_.get();
  a->cancelled = true;
  uv_cancel(reinterpret_cast<uv_req_t*>(&a->resolve));
  // Closing the socket cancels a connect in progress; its callback then sees UV_ECANCELED.
  if (a->handle) CloseAndDelete(std::exchange(a->handle, nullptr));
}

}  // namespace vigil::core
