// Fakes N agents x M series pushing by remote-write, as the community's avalanche does:
// series {__name__="load_metric_K", job="load", instance="agent-A", series_id="S"}, gauges on a
// random walk. With --backfill it first sends that much history as fast as the receiver takes
// it (a fleet coming back from an outage), then one round every --interval until --duration.
// --duration 0s sends the whole backfill and stops there (data for query benchmarks).
//   vigil-loadgen --url http://127.0.0.1:9090/api/v1/write [--agents 10] [--series 1000]
//                 [--interval 15s] [--backfill 0s] [--duration 60s] [--concurrency 4]
//                 [--batch 2000] [--spread 1]
// --batch is the samples in one request: --batch SERIES sends one request per agent and
// interval, as agents do; --spread 1 sends a live round's requests evenly over the interval,
// as agents each at their own phase do, rather than all at once. A 429 or 503 is retried after its
// Retry-After, as agents do. Prints what was sent and acknowledged, then the answers by status and
// the latency of those that were accepted. Exits 1 when any request was refused (4xx other than
// 429).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config_values.h"
#include "core/http_client.h"
#include "core/uv.h"
#include "remote/backoff.h"
#include "remote/codec.h"

namespace vigil {
namespace {

struct Options {
  std::string url;
  int agents = 10;
  int series = 1000;
  int metrics = 100;
  std::chrono::milliseconds interval{15'000};
  std::chrono::milliseconds backfill{0};
  std::chrono::milliseconds duration{60'000};
  int concurrency = 4;
  size_t batch = 2000;
  bool spread = false;
};

class LoadGenerator {
 public:
  LoadGenerator(core::Loop& loop, Options o, core::Url url)
      : loop_(loop),
        options_(std::move(o)),
        url_(std::move(url)),
        client_(loop, core::HttpClientOptions{.max_idle_per_host =
                                                  static_cast<size_t>(options_.concurrency)}),
        timer_(loop, [this] { Round(); }),
        retry_timer_(loop, [this] { Retry(); }),
        pace_timer_(loop, [this] { Pump(); }) {
    for (int a = 0; a < options_.agents; ++a) {
      for (int s = 0; s < options_.series; ++s) {
        labels_.push_back(core::Labels::FromLiteral(
            {{"__name__", "load_metric_" + std::to_string(s % options_.metrics)},
             {"instance", "agent-" + std::to_string(a)},
             {"job", "load"},
             {"series_id", std::to_string(s)}}));
        values_.push_back(static_cast<double>(rng_() % 1000));
      }
    }
    const int64_t now = core::SystemClock::Get().NowUnixMillis();
    next_t_ = now - options_.backfill.count();
    // With a duration of 0 the backfill is sent whole, however long that takes.
    end_ = options_.duration.count() == 0 ? std::chrono::steady_clock::time_point::max()
                                          : std::chrono::steady_clock::now() + options_.duration;
  }

  void Start() { Round(); }
  bool done() const { return finished_ && in_flight_ == 0 && queue_.empty() && delayed_.empty(); }

  void Report(double seconds) const {
    std::printf(
        "series %zu  samples sent %llu  acknowledged %llu  requests %llu  refused %llu  "
        "retried %llu  %.1f s  %.0f samples/s\n",
        labels_.size(), static_cast<unsigned long long>(queued_samples_),
        static_cast<unsigned long long>(acked_samples_), static_cast<unsigned long long>(requests_),
        static_cast<unsigned long long>(refused_), static_cast<unsigned long long>(retried_),
        seconds, acked_samples_ / seconds);
    std::vector<double> sorted = accepted_ms_;
    std::sort(sorted.begin(), sorted.end());
    auto quantile = [&](double q) {
      return sorted.empty()
                 ? 0.0
                 : sorted[static_cast<size_t>(q * static_cast<double>(sorted.size() - 1))];
    };
    std::printf(
        "answers: 2xx %llu  429/503 %llu  other 4xx %llu  other 5xx %llu  none %llu  "
        "accepted latency p50 %.1f ms  p99 %.1f ms  max %.1f ms\n",
        static_cast<unsigned long long>(sorted.size()), static_cast<unsigned long long>(retried_),
        static_cast<unsigned long long>(refused_), static_cast<unsigned long long>(failed_),
        static_cast<unsigned long long>(unanswered_), quantile(0.5), quantile(0.99),
        sorted.empty() ? 0.0 : sorted.back());
  }
  uint64_t refused() const { return refused_; }

 private:
  struct Body {
    std::string bytes;
    size_t samples;
    std::chrono::steady_clock::time_point not_before{};  // with --spread
  };

  // Queues one round: every series' next sample at next_t_, in requests of `batch` samples.
  void Round() {
    if (std::chrono::steady_clock::now() >= end_) {
      finished_ = true;
      return;
    }
    remote::WriteRequest req;
    const size_t first = queue_.size();
    for (size_t i = 0; i < labels_.size(); ++i) {
      values_[i] += static_cast<double>(static_cast<int>(rng_() % 21) - 10);
      req.series.push_back({labels_[i], {{next_t_, values_[i]}}});
      if (req.series.size() == options_.batch || i + 1 == labels_.size()) {
        queue_.push_back({remote::EncodeWriteRequest(req), req.series.size()});
        queued_samples_ += req.series.size();
        req.series.clear();
      }
    }
    // Live rounds spread over the interval, as agents each push at their own phase; history
    // goes as fast as it is taken.
    const bool live =
        next_t_ + options_.interval.count() > core::SystemClock::Get().NowUnixMillis();
    if (options_.spread && live) {
      const auto start = std::chrono::steady_clock::now();
      const size_t n = queue_.size() - first;
      for (size_t k = 0; k < n; ++k) {
        queue_[first + k].not_before = start + options_.interval * k / n;
      }
    }
    next_t_ += options_.interval.count();
    Pump();
  }

  void Pump() {
    while (in_flight_ < options_.concurrency && !queue_.empty()) {
      const auto now = std::chrono::steady_clock::now();
      if (queue_.front().not_before > now) {
        if (!pace_timer_.active()) {
          pace_timer_.Start(
              std::chrono::ceil<std::chrono::milliseconds>(queue_.front().not_before - now));
        }
        break;
      }
      Body body = std::move(queue_.front());
      queue_.pop_front();
      Send(std::move(body));
    }
    if (queue_.empty() && in_flight_ == 0 && !finished_ && !timer_.active()) {
      // History goes as fast as it is taken; the present at the interval.
      const int64_t now = core::SystemClock::Get().NowUnixMillis();
      if (next_t_ < now) {
        Round();
      } else if (options_.duration.count() == 0) {
        finished_ = true;  // the backfill alone
      } else {
        timer_.Start(std::chrono::milliseconds(next_t_ - now));
      }
    }
  }

  // The delayed requests whose wait is over go first; the timer is set for the next.
  void Retry() {
    const auto now = std::chrono::steady_clock::now();
    std::vector<Body> due;
    while (!delayed_.empty() && delayed_.front().first <= now) {
      due.push_back(std::move(delayed_.front().second));
      delayed_.pop_front();
    }
    for (auto it = due.rbegin(); it != due.rend(); ++it) queue_.push_front(std::move(*it));
    if (!delayed_.empty()) {
      retry_timer_.Start(
          std::chrono::ceil<std::chrono::milliseconds>(delayed_.front().first - now));
    }
    Pump();
  }

  void Send(Body body) {
    ++in_flight_;
    ++requests_;
    core::HttpRequest r;
    r.method = "POST";
    r.target = url_.target;
    r.headers.Set("Content-Type", std::string(remote::kContentType));
    r.headers.Set("Content-Encoding", std::string(remote::kContentEncoding));
    r.headers.Set("X-Prometheus-Remote-Write-Version", std::string(remote::kProtocolVersion));
    r.body = body.bytes;
    auto held = std::make_shared<Body>(std::move(body));
    const auto sent = std::chrono::steady_clock::now();
    client_.Send(url_, std::move(r), [this, held, sent](core::Result<core::HttpResponse> res) {
      --in_flight_;
      const int status = res.ok() ? res->status : 0;
      if (status / 100 == 2) {
        acked_samples_ += held->samples;
        accepted_ms_.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent)
                .count());
      } else if (status / 100 == 4 && status != 429) {
        ++refused_;
        if (refused_ <= 3)
          std::fprintf(stderr, "refused %d: %s\n", status, res.ok() ? res->body.c_str() : "");
      } else {
        if (status == 429 || status == 503) {
          ++retried_;
          // This agent waits as told; the others go on sending.
          auto wait = remote::ParseRetryAfter(res->headers.Get("Retry-After"),
                                              core::SystemClock::Get().NowUnixMillis());
          delayed_.push_back(
              {std::chrono::steady_clock::now() + wait.value_or(std::chrono::seconds(1)),
               std::move(*held)});
          if (!retry_timer_.active()) retry_timer_.Start(wait.value_or(std::chrono::seconds(1)));
        } else {
          ++(status == 0 ? unanswered_ : failed_);
          queue_.push_front(std::move(*held));  // order per series is kept: it goes first
        }
      }
      Pump();
    });
  }

  core::Loop& loop_;
  Options options_;
  core::Url url_;
  core::HttpClient client_;
  core::Timer timer_;
  core::Timer retry_timer_;
  core::Timer pace_timer_;  // the next spread request's time
  std::mt19937_64 rng_{42};
  std::vector<core::Labels> labels_;
  std::vector<double> values_;
  std::deque<Body> queue_;
  // Refused with 429 or 503, each until its Retry-After is over (all waits are alike, so the
  // first due is first).
  std::deque<std::pair<std::chrono::steady_clock::time_point, Body>> delayed_;
  int64_t next_t_ = 0;
  std::chrono::steady_clock::time_point end_;
  bool finished_ = false;
  int in_flight_ = 0;
  uint64_t queued_samples_ = 0, acked_samples_ = 0, requests_ = 0, refused_ = 0, retried_ = 0;
  uint64_t failed_ = 0, unanswered_ = 0;
  std::vector<double> accepted_ms_;  // send to answer, of each request answered 2xx
};

int Usage() {
  std::fprintf(
      stderr,
      "usage: vigil-loadgen --url URL [--agents N] [--series M] [--metrics K] "
      "[--interval D] [--backfill D] [--duration D] [--concurrency C] [--batch B] [--spread 1]\n");
  return 2;
}

}  // namespace
}  // namespace vigil

int main(int argc, char** argv) {
  using namespace vigil;
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    auto duration = [&](std::chrono::milliseconds* out) {
      auto d = core::ParseDuration(value);
      if (!d.ok()) return false;
      *out = *d;
      return true;
    };
    bool ok = true;
    if (flag == "--url")
      o.url = value;
    else if (flag == "--agents")
      o.agents = std::atoi(value.c_str());
    else if (flag == "--series")
      o.series = std::atoi(value.c_str());
    else if (flag == "--metrics")
      o.metrics = std::atoi(value.c_str());
    else if (flag == "--concurrency")
      o.concurrency = std::atoi(value.c_str());
    else if (flag == "--spread")
      o.spread = value == "1";
    else if (flag == "--batch")
      o.batch = static_cast<size_t>(std::max(1, std::atoi(value.c_str())));
    else if (flag == "--interval")
      ok = duration(&o.interval);
    else if (flag == "--backfill")
      ok = duration(&o.backfill);
    else if (flag == "--duration")
      ok = duration(&o.duration);
    else
      ok = false;
    if (!ok) return Usage();
  }
  auto url = core::ParseUrl(o.url);
  if (!url.ok() || o.agents <= 0 || o.series <= 0 || o.metrics <= 0 || o.concurrency <= 0)
    return Usage();
  core::Loop loop;
  LoadGenerator gen(loop, o, *url);
  const auto start = std::chrono::steady_clock::now();
  gen.Start();
  while (!gen.done()) uv_run(loop.get(), UV_RUN_ONCE);
  gen.Report(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return gen.refused() == 0 ? 0 : 1;
}
