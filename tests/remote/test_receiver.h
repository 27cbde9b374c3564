#pragma once
// For the remote tests: a remote-write receiver on loopback.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/http_server.h"
#include "core/uv.h"
#include "remote/codec.h"

namespace vigil::remote {

// A remote-write receiver that records what it accepts and answers as the test says.
class Receiver {
 public:
  struct Answer {
    int status = 204;
    std::chrono::milliseconds delay{0};
    std::string retry_after;
  };
  using Policy = std::function<Answer(int request_number)>;

  Receiver(core::Loop& loop, uint16_t port = 0) : loop_(loop) {
    auto server = core::HttpServer::Create(
        loop, {.listen = {"127.0.0.1", port}},
        [this](const core::HttpRequest& r, core::HttpResponder w) { Handle(r, w); });
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  uint16_t port() const { return server_->address().port; }
  void SetPolicy(Policy p) { policy_ = std::move(p); }

  size_t accepted_samples() const { return accepted_samples_; }
  int requests() const { return requests_; }
  // Per series (by __name__), the timestamps in the order accepted.
  std::map<std::string, std::vector<int64_t>> series;
  std::vector<core::HttpRequest> headers_seen;
  std::vector<MetricMetadata> metadata;
  size_t largest_request = 0;

 private:
  void Handle(const core::HttpRequest& r, core::HttpResponder w) {
    const int n = requests_++;
    headers_seen.push_back(r);
    Answer a = policy_ ? policy_(n) : Answer{};
    auto reply = [this, a, body = r.body, w]() {
      if (a.status / 100 == 2) {
        auto decoded = DecodeWriteRequest(body);
        EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
        size_t in_request = 0;
        for (const auto& s : decoded->series) {
          auto& ts = series[std::string(s.labels.MetricName())];
          for (const auto& x : s.samples) ts.push_back(x.timestamp_ms);
          accepted_samples_ += s.samples.size();
          in_request += s.samples.size();
        }
        largest_request = std::max(largest_request, in_request);
        for (const auto& m : decoded->metadata) metadata.push_back(m);
      }
      core::HttpResponse resp =
          core::HttpResponse::Text(a.status, a.status == 400 ? "bad sample: out of bounds" : "");
      if (!a.retry_after.empty()) resp.headers.Add("Retry-After", a.retry_after);
      w.Send(std::move(resp));
    };
    if (a.delay.count() == 0) {
      reply();
    } else {
      timers_.push_back(std::make_unique<core::Timer>(loop_, reply));
      timers_.back()->Start(a.delay);
    }
  }

  core::Loop& loop_;
  std::unique_ptr<core::HttpServer> server_;
  Policy policy_;
  int requests_ = 0;
  size_t accepted_samples_ = 0;
  std::vector<std::unique_ptr<core::Timer>> timers_;
};

}  // namespace vigil::remote
