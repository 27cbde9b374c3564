#pragma once
// TCP on the loop: a listener that accepts connections and an outgoing connect, both giving a
// Connection that carries bytes for the protocol above, with or without TLS. The owner of a
// Connection may destroy it at any time on the loop's thread, including from its callbacks.
// Start, Write and CloseAfterWrites may call on_close before they return (a failed write).
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/config_values.h"
#include "core/status.h"
#include "core/tls.h"
#include "core/uv.h"

namespace vigil::core {

class Connection {
 public:
  struct Callbacks {
    std::function<void(std::string_view)> on_data;  // plaintext
    // Once: the peer closed, an error, or Close() after writes drained. Not called when the
    // owner destroys the Connection.
    std::function<void(const Status&)> on_close;
  };

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start(Callbacks callbacks);
  void Write(std::string_view bytes);
  // Sends what is queued (and TLS close_notify), then closes and calls on_close.
  void CloseAfterWrites();
  // Closes now, dropping what is not sent yet, and calls on_close: for a peer that stopped
  // taking what is written to it.
  void Abort();
  // Stops delivering data until ResumeReading (backpressure while a request is handled).
  void PauseReading();
  void ResumeReading();

  size_t queued_write_bytes() const { return queued_write_bytes_; }
  // Of those, what the kernel has not taken yet: more than zero when the peer's window and
  // the socket's buffer are full, that is when the peer does not read.
  size_t unsent_bytes() const;
  // Calls `callback` once queued_write_bytes() is at most `low_water`: now if it is, else from
  // the write that brings it there. One callback at a time (a new one replaces the last);
  // dropped if the connection closes first.
  void WhenDrained(size_t low_water, std::function<void()> callback);
  const std::string& peer() const { return peer_; }
  bool closed() const { return closed_; }

 private:
  friend class TcpListener;
  friend class Connector;
  Connection(uv_tcp_t* handle, std::unique_ptr<TlsSession> tls, std::string peer);

  void OnRead(ssize_t nread, const uv_buf_t* buf);
  void OnWriteDone(size_t bytes, int status);
  void WriteRaw(std::string bytes);
  void FlushTls();
  void Fail(const Status& status);
  void MaybeFinishClose();

  uv_tcp_t* handle_;
  std::unique_ptr<TlsSession> tls_;
  std::string peer_;
  Callbacks callbacks_;
  size_t queued_write_bytes_ = 0;
  size_t drain_low_water_ = 0;
  std::function<void()> on_drained_;
  bool reading_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool* destroyed_ = nullptr;  // set while a callback runs, so we know if it destroyed us
};

class TcpListener {
 public:
  using OnAccept = std::function<void(std::unique_ptr<Connection>)>;

  // Binds and listens; port 0 takes a free port (see address()). With `tls`, every accepted
  // connection speaks TLS; the config must outlive the listener.
  static Result<std::unique_ptr<TcpListener>> Create(Loop& loop, const HostPort& address,
                                                     TlsConfig* tls, OnAccept on_accept);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // The bound address, with the real port.
  const HostPort& address() const { return address_; }

 private:
  TcpListener(Loop& loop, TlsConfig* tls, OnAccept on_accept);
  void OnConnection(int status);

  Loop& loop_;
  uv_tcp_t* handle_;
  TlsConfig* tls_;
  OnAccept on_accept_;
  HostPort address_;
};

// Resolves and connects once; destroying it cancels the attempt (the callback is not called).
class Connector {
 public:
  using OnConnect = std::function<void(Result<std::unique_ptr<Connection>>)>;

  // With `tls`, the connection speaks TLS to `host` (SNI and certificate check).
  Connector(Loop& loop, std::string host, uint16_t port, TlsConfig* tls, OnConnect on_connect);
  ~Connector();
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

 private:
  struct Attempt;
  std::shared_ptr<Attempt> attempt_;  // shared with libuv requests that may finish after us
};

}  // namespace vigil::core
