#include "core/uv.h"

#include <cassert>
#include <memory>

#include "core/log.h"

namespace vigil::core {

Status UvError(int code, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += uv_strerror(code);
  switch (code) {
    case UV_ECONNREFUSED:
    case UV_ECONNRESET:
    case UV_ETIMEDOUT:
    case UV_EHOSTUNREACH:
    case UV_ENETUNREACH:
    case UV_EPIPE:
    case UV_EAI_AGAIN:
    case UV_ENOSPC:
    case UV_EADDRINUSE:
    case UV_ECONNABORTED:
    case UV_EOF:
      return UnavailableError(std::move(message));
    case UV_EAI_NONAME:
      return NotFoundError(std::move(message));
    case UV_EACCES:
    case UV_EPERM:
      return PermissionDeniedError(std::move(message));
    case UV_EINVAL:
    case UV_EADDRNOTAVAIL:
      return InvalidArgumentError(std::move(message));
    case UV_ECANCELED:
      return Status(StatusCode::kFailedPrecondition, std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

Loop::Loop() { uv_loop_init(&loop_); }

Loop::~Loop() {
  if (closed_) return;
  // Let pending close callbacks run so their memory is freed.
  uv_run(&loop_, UV_RUN_NOWAIT);
  int rc = uv_loop_close(&loop_);
  if (rc != 0) {
    uv_walk(
        &loop_,
        [](uv_handle_t* h, void*) {
          LogError("handle still open when the loop ends",
                   {{"type", uv_handle_type_name(h->type)}});
        },
        nullptr);
  }
  assert(rc == 0 && "a handle outlived its loop");
}

void Loop::Run() { uv_run(&loop_, UV_RUN_DEFAULT); }
void Loop::RunNoWait() { uv_run(&loop_, UV_RUN_NOWAIT); }
void Loop::Stop() { uv_stop(&loop_); }

int Loop::Close() {
  uv_run(&loop_, UV_RUN_NOWAIT);
  int rc = uv_loop_close(&loop_);
  if (rc == 0) closed_ = true;
  return rc;
}

Timer::Timer(Loop& loop, std::function<void()> on_fire)
    : handle_(new uv_timer_t), on_fire_(std::move(on_fire)) {
  uv_timer_init(loop.get(), handle_);
  handle_->data = this;
}

Timer::~Timer() { CloseAndDelete(handle_); }

void Timer::Start(std::chrono::milliseconds timeout, std::chrono::milliseconds repeat) {
  uv_timer_start(
      handle_,
      [](uv_timer_t* h) {
        if (auto* self = static_cast<Timer*>(h->data)) self->on_fire_();
      },
      static_cast<uint64_t>(timeout.count()), static_cast<uint64_t>(repeat.count()));
}

void Timer::Stop() { uv_timer_stop(handle_); }

bool Timer::active() const {
  return uv_is_active(reinterpret_cast<const uv_handle_t*>(handle_)) != 0;
}

SignalWatch::SignalWatch(Loop& loop, int signum, std::function<void(int)> on_signal)
    : handle_(new uv_signal_t), on_signal_(std::move(on_signal)) {
  uv_signal_init(loop.get(), handle_);
  handle_->data = this;
  uv_signal_start(
      handle_,
      [](uv_signal_t* h, int sig) {
        if (auto* self = static_cast<SignalWatch*>(h->data)) self->on_signal_(sig);
      },
      signum);
}

SignalWatch::~SignalWatch() { CloseAndDelete(handle_); }

Async::Async(Loop& loop, std::function<void()> on_wake)
    : handle_(new uv_async_t), on_wake_(std::move(on_wake)) {
  uv_async_init(loop.get(), handle_, [](uv_async_t* h) {
    if (auto* self = static_cast<Async*>(h->data)) self->on_wake_();
  });
  handle_->data = this;
}

Async::~Async() { CloseAndDelete(handle_); }

void Async::Send() { uv_async_send(handle_); }

void QueueWork(Loop& loop, std::function<void()> work, std::function<void()> done) {
  struct Job {
    uv_work_t req;
    std::function<void()> work;
    std::function<void()> done;
  };
  auto* job = new Job{{}, std::move(work), std::move(done)};
  job->req.data = job;
  int rc = uv_queue_work(
      loop.get(), &job->req, [](uv_work_t* req) { static_cast<Job*>(req->data)->work(); },
      [](uv_work_t* req, int) {
        std::unique_ptr<Job> finished(static_cast<Job*>(req->data));
        if (finished->done) finished->done();
      });
  if (rc != 0) {
    // Only fails for bad arguments; run inline rather than lose the work.
    job->work();
    std::unique_ptr<Job> finished(job);
    if (finished->done) finished->done();
  }
}

}  // namespace vigil::core
