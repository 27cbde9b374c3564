#pragma once
// A writer killed mid-write: the crash tests run it in a child process that acknowledges, over
// a pipe, each id it has made durable, kill it with SIGKILL at a moment they choose, and then
// check that everything acknowledged survived.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace vigil::testing {

// In the child: tells the parent that `id` is durable. A pipe that takes no more ends the child.
inline void Acknowledge(int ack_fd, uint32_t id) {
  if (write(ack_fd, &id, sizeof id) != sizeof id) _exit(5);
}

// Forks a child that runs `write_until_killed(ack_fd)`, which must never return (it exits with
// a code of its own when something fails), kills it with SIGKILL after `delay`, and appends to
// *acknowledged the ids it acknowledged, in order. A child that ended by itself fails the test.
// Call under ASSERT_NO_FATAL_FAILURE.
inline void RunUntilSigkill(const std::function<void(int ack_fd)>& write_until_killed,
                            std::chrono::microseconds delay, std::vector<uint32_t>* acknowledged) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    write_until_killed(fds[1]);
    _exit(2);  // not reached: a child that stops writing is a failure
  }
  close(fds[1]);
  std::this_thread::sleep_for(delay);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child failed by itself, status " << status;
  uint32_t id;
  while (read(fds[0], &id, sizeof id) == sizeof id) acknowledged->push_back(id);
  close(fds[0]);
}

}  // namespace vigil::testing
