#pragma once
// The real Alertmanager (Debian's prometheus-alertmanager, 0.25) as a child process on a free
// loopback port, for tests that check what it received. Its one receiver sends nowhere, and
// clustering is off so that it listens on nothing else. A missing binary fails the test:
// scripts/setup.sh installs it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace vigil::testing {

// A port nothing listens on right now: the kernel's pick for a socket bound and closed.
inline uint16_t FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool Listening(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class AlertmanagerProcess {
 public:
  AlertmanagerProcess() = default;
  ~AlertmanagerProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  AlertmanagerProcess(const AlertmanagerProcess&) = delete;
  AlertmanagerProcess& operator=(const AlertmanagerProcess&) = delete;

  // Starts it with its files in `dir` and waits until it accepts connections. `web_config`,
  // when given, is the YAML of --web.config.file (TLS, basic auth). Call under
  // ASSERT_NO_FATAL_FAILURE.
  void Start(const std::string& dir, const std::string& web_config = "") {
    dir_ = dir;
    port_ = FreeLoopbackPort();
    std::ofstream(dir + "/alertmanager.yml") << "route:\n"
                                                "  receiver: nowhere\n"
                                                "receivers:\n"
                                                "  - name: nowhere\n";
    std::vector<std::string> args = {"prometheus-alertmanager",
                                     "--config.file=" + dir + "/alertmanager.yml",
                                     "--storage.path=" + dir + "/data",
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                     "--cluster.listen-address=",
                                     "--log.level=warn"};
    if (!web_config.empty()) {
      std::ofstream(dir + "/web.yml") << web_config;
      args.push_back("--web.config.file=" + dir + "/web.yml");
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = dir + "/alertmanager.log";
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc =
        posix_spawnp(&pid_, "prometheus-alertmanager", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(rc, 0) << "cannot run prometheus-alertmanager (" << std::strerror(rc)
                     << "); scripts/setup.sh installs it";

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!Listening(port_)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        FAIL() << "prometheus-alertmanager exited at start:\n" << Log();
      }
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "prometheus-alertmanager did not listen within 20s:\n"
          << Log();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  uint16_t port() const { return port_; }
  std::string BaseUrl(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }
  // What it logged, for failure messages.
  std::string Log() const {
    std::ifstream in(dir_ + "/alertmanager.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string dir_;
  pid_t pid_ = 0;
  uint16_t port_ = 0;
};

}  // namespace vigil::testing
