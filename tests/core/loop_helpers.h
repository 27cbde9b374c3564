#pragma once
// Drives a loop from a test until something happens, and a blocking-free raw TCP client for
// sending bytes no well-behaved client would.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/uv.h"

namespace vigil::testing {

// Runs the loop until `done` is true or `limit` passes; returns done().
inline bool RunUntil(core::Loop& loop, const std::function<bool()>& done,
                     std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    loop.RunNoWait();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  void Send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }
  // Reads what has arrived; notes when the server closed.
  void Poll() {
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        received_.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) eof_ = true;
      return;
    }
  }
  const std::string& received() {
    Poll();
    return received_;
  }
  bool eof() {
    Poll();
    return eof_;
  }
  void CloseWrite() { ::shutdown(fd_, SHUT_WR); }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string received_;
};

// A listening socket the test scripts by hand: accept, read, answer or close at will.
class RawServer {
 public:
  RawServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~RawServer() {
    for (int c : clients_) ::close(c);
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  // Accepts a waiting connection; returns its index or -1.
  int Accept() {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return -1;
    ::fcntl(c, F_SETFL, O_NONBLOCK);
    clients_.push_back(c);
    received_.emplace_back();
    return static_cast<int>(clients_.size()) - 1;
  }
  size_t accepted() const { return clients_.size(); }
  const std::string& Received(int i) {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(clients_[i], buf, sizeof buf, 0)) > 0) received_[i].append(buf, n);
    return received_[i];
  }
  void Send(int i, const std::string& bytes) {
    ::send(clients_[i], bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  void Close(int i) { ::shutdown(clients_[i], SHUT_RDWR); }

 private:
  int fd_;
  uint16_t port_ = 0;
  std::vector<int> clients_;
  std::vector<std::string> received_;
};

}  // namespace vigil::testing
