#pragma once
// The server tests' way to end a server they started: a clean stop run on the loop, then the
// server freed. True once it stopped within RunUntil's time.
#include <memory>

#include "server/server.h"
#include "tests/core/loop_helpers.h"

namespace vigil::testing {

inline bool StopServer(core::Loop& loop, std::unique_ptr<server::Server>& server) {
  if (!server) return true;
  server->Stop();
  const bool stopped = RunUntil(loop, [&] { return server->Stopped(); });
  server.reset();
  return stopped;
}

}  // namespace vigil::testing
