#pragma once
// The libuv loop and RAII wrappers for its handles. A handle's memory is released only in its
// close callback: a wrapper's destructor detaches the handle from the wrapper and calls
// uv_close, and the loop frees it on its next turn. Wrappers are neither copied nor moved,
// are used on the loop's thread only (except Async::Send), and the loop outlives them.
#include <uv.h>

#include <chrono>
#include <functional>

#include "core/status.h"

namespace vigil::core {

Status UvError(int code, std::string_view what);

class Loop {
 public:
  Loop();
  // Runs the loop until every closed handle's callback has run, then closes it; a handle
  // still open at this point is a bug in its owner (asserted in debug builds).
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_t* get() { return &loop_; }
  // Until Stop() or until nothing is left to do.
  void Run();
  // One turn without blocking: for tests that drive the loop step by step.
  void RunNoWait();
  void Stop();
  // uv_loop_close: 0 when every handle is closed, UV_EBUSY otherwise.
  int Close();

 private:
  uv_loop_t loop_;
  bool closed_ = false;
};

class Timer {
 public:
  Timer(Loop& loop, std::function<void()> on_fire);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // First after `timeout`, then every `repeat` (zero: once).
  void Start(std::chrono::milliseconds timeout,
             std::chrono::milliseconds repeat = std::chrono::milliseconds(0));
  void Stop();
  bool active() const;

 private:
  uv_timer_t* handle_;
  std::function<void()> on_fire_;
};

// Delivers a signal on the loop's thread.
class SignalWatch {
 public:
  SignalWatch(Loop& loop, int signum, std::function<void(int)> on_signal);
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

 private:
  uv_signal_t* handle_;
  std::function<void(int)> on_signal_;
};

// Wakes the loop from any thread; several Sends may fold into one call of on_wake.
class Async {
 public:
  Async(Loop& loop, std::function<void()> on_wake);
  ~Async();
  Async(const Async&) = delete;
  Async& operator=(const Async&) = delete;

  void Send();  // thread-safe

 private:
  uv_async_t* handle_;
  std::function<void()> on_wake_;
};

// Runs `work` on libuv's thread pool, then `done` on the loop's thread. For fsync and other
// slow disk work that must not stall the loop. Whatever both capture must outlive them.
void QueueWork(Loop& loop, std::function<void()> work, std::function<void()> done);

// Closes a handle and frees it (with `delete`) in the close callback. Callbacks of the handle
// find handle->data == nullptr afterwards and must do nothing.
template <typename H>
void CloseAndDelete(H* handle) {
  handle->data = nullptr;
  if (uv_is_closing(reinterpret_cast<uv_handle_t*>(handle))) return;
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) { delete reinterpret_cast<H*>(h); });
}

}  // namespace vigil::core
