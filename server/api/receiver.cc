#include "server/api/receiver.h"

#include <memory>

#include "core/log.h"

namespace vigil::server {
namespace {

constexpr size_t kKeptViewBytes = 8u << 20;

int StatusFor(const core::Status& s) {
  switch (s.code()) {
    case core::StatusCode::kInvalidArgument:
    case core::StatusCode::kDataLoss:
      return 400;
    case core::StatusCode::kUnavailable:
    case core::StatusCode::kResourceExhausted:
      return 503;
    default:
      return 500;
  }
}

}  // namespace

core::Result<storage::AppendResult> StoreWriteRequest(const remote::WriteRequestView& request,
                                                      storage::Appendable& storage) {
  std::unique_ptr<storage::Appender> batch = storage.OpenAppender();
  for (size_t i = 0; i < request.size(); ++i) {
    VIGIL_RETURN_IF_ERROR(batch->Add(request.labels(i), request.samples(i)));
  }
  return batch->Commit();
}

Receiver::Receiver(core::Loop& loop, storage::Appendable& storage, core::MetricsRegistry& metrics,
                   ReceiverOptions options)
    : loop_(loop),
      storage_(storage),
      options_(options),
      requests_(metrics.Counter("vigil_receiver_requests_total",
                                "Remote-write requests received, by answer.", {"code"})),
      samples_received_(metrics
                            .Counter("vigil_receiver_samples_total",
                                     "Samples in remote-write requests answered 2xx.")
                            .Get()) {}

void Receiver::Answer(core::HttpResponder& responder, int status, std::string body) {
  requests_.With({std::to_string(status)})->Inc();
  if (status == 204) {
    core::HttpResponse r;
    r.status = 204;
    responder.Send(std::move(r));
    return;
  }
  core::HttpResponse r = core::HttpResponse::Text(status, std::move(body) + "\n");
  if (status == 503) r.headers.Set("Retry-After", std::to_string(options_.retry_after.count()));
  responder.Send(std::move(r));
}

Receiver::Outcome Receiver::Store(remote::WriteRequestView& write, std::string_view body) {
  remote::DecodeLimits limits;
  limits.max_uncompressed_bytes = options_.max_uncompressed_bytes;
  if (core::Status st = write.Decode(body, limits); !st.ok()) return {400, st.message(), 0};
  Outcome out;
  out.decoded = true;
  if (fleet_ != nullptr) out.nodes = DescribeNodes(write);
  core::Result<storage::AppendResult> stored = StoreWriteRequest(write, storage_);
  if (!stored.ok()) {
    out.status = StatusFor(stored.status());
    out.body = stored.status().message();
    return out;
  }
  if (!write.metadata().empty()) {
    std::lock_guard lock(metadata_mu_);
    for (auto& m : write.metadata()) metadata_[m.family] = std::move(m);
  }
  out.samples = stored->samples + stored->duplicates;
  return out;
}

void Receiver::TellFleet(const core::HttpRequest& request, const Outcome& outcome) {
  if (fleet_ == nullptr) return;
  SenderContact contact;
  contact.received_ms = clock_->NowUnixMillis();
  contact.remote_address = request.remote_address;
  contact.user_agent = std::string(request.headers.Get("User-Agent"));
  contact.status = outcome.status;
  contact.reason = outcome.body;
  if (outcome.decoded) {
    fleet_->Record(contact, outcome.nodes);
  } else {
    fleet_->RecordUndecoded(contact);
  }
}

void Receiver::Handle(const core::HttpRequest& request, core::HttpResponder responder) {
  const std::string_view type = request.headers.Get("Content-Type");
  const std::string_view encoding = request.headers.Get("Content-Encoding");
  auto refuse = [&](int status, std::string why) {
    TellFleet(request, {status, why});
    Answer(responder, status, std::move(why));
  };
  if (type.substr(0, remote::kContentType.size()) != remote::kContentType) {
    return refuse(415, "Content-Type must be " + std::string(remote::kContentType) + ", not \"" +
                           std::string(type) + "\"");
  }
  if (encoding != remote::kContentEncoding) {
    return refuse(415, "Content-Encoding must be snappy, not \"" + std::string(encoding) + "\"");
  }
  if (in_flight_ >= options_.max_in_flight) {
    return refuse(503, "too many write requests in progress; retry later");
  }
  ++in_flight_;
  auto outcome = std::make_shared<Outcome>();
  auto body = std::make_shared<std::string>(request.body);
  // The request is gone once the handler returns: what the fleet needs of it is kept.
  auto contact = std::make_shared<core::HttpRequest>();
  if (fleet_ != nullptr) {
    contact->remote_address = request.remote_address;
    contact->headers.Add("User-Agent", std::string(request.headers.Get("User-Agent")));
  }
  core::QueueWork(
      loop_,
      [this, outcome, body] {
        // One per worker thread, reused: its buffers grow to the requests agents send and
        // stay; one grown by an unusually large request (up to 100 MB) is let go.
        thread_local remote::WriteRequestView write;
        *outcome = Store(write, *body);
        if (write.memory() > kKeptViewBytes) write.Release();
      },
      [this, outcome, responder, contact]() mutable {
        --in_flight_;
        TellFleet(*contact, *outcome);
        if (outcome->status == 204) {
          samples_received_->Inc(static_cast<double>(outcome->samples));
          if (on_stored_) on_stored_();
        } else if (outcome->status >= 500) {
          core::LogWarn("write request not stored",
                        {{"code", outcome->status}, {"err", outcome->body}});
        }
        Answer(responder, outcome->status, std::move(outcome->body));
      });
}

std::vector<remote::MetricMetadata> Receiver::Metadata() const {
  std::lock_guard lock(metadata_mu_);
  std::vector<remote::MetricMetadata> out;
  for (const auto& [name, m] : metadata_) out.push_back(m);
  return out;
}

}  // namespace vigil::server
