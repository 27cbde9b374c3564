#pragma once
// A writer killed mid-write, over and over: the crash tests run it in a child process that
// acknowledges, over a pipe, each id it has made durable, kill it with SIGKILL at random
// moments, and then check that everything acknowledged survived.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <set>
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

struct CrashRounds {
  int rounds = 0;
  // Each kill comes min_delay plus up to delay_spread after the child starts; the moments are
  // drawn from a fixed seed, so that a failure repeats.
  std::chrono::microseconds min_delay{0}, delay_spread{1};
  uint32_t first_id = 0;
  // Added to the next id after each round: the ids of what was written but not acknowledged
  // are never used again.
  uint32_t skip_after_round = 0;
};

// Runs `write_until_killed(first_id, ack_fd)` in a child, round after round, each child killed
// at its moment and the next one starting after the last id acknowledged; *acknowledged gets
// every id acknowledged. Call under ASSERT_NO_FATAL_FAILURE.
inline void KillRepeatedly(
    const CrashRounds& rounds,
    const std::function<void(uint32_t first_id, int ack_fd)>& write_until_killed,
    std::set<uint32_t>* acknowledged) {
  std::mt19937 rng(20261121);
  uint32_t next_id = rounds.first_id;
  for (int round = 0; round < rounds.rounds; ++round) {
    std::vector<uint32_t> acks;
    const auto delay =
        rounds.min_delay +
        std::chrono::microseconds(rng() % static_cast<uint64_t>(rounds.delay_spread.count()));
    ASSERT_NO_FATAL_FAILURE(
        RunUntilSigkill([&](int ack_fd) { write_until_killed(next_id, ack_fd); }, delay, &acks));
    for (uint32_t id : acks) {
      acknowledged->insert(id);
      next_id = id + 1;
    }
    next_id += rounds.skip_after_round;
  }
}

}  // namespace vigil::testing
