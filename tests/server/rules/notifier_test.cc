// The notifier against the real Alertmanager 0.25 (what arrived is read back from its API),
// and against small loopback servers only where a real Alertmanager cannot be made to
// misbehave: counting batch sizes, answering 400 or 500, answering bytes that are not HTTP,
// never answering.
#include "server/rules/notifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/exposition.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "core/log.h"
#include "tests/core/json_value.h"
#include "tests/core/loop_helpers.h"
#include "tests/core/temp_dir.h"
#include "tests/core/test_pki.h"
#include "tests/server/rules/alertmanager_process.h"

namespace vigil::rules {
namespace {

using std::chrono::milliseconds;
using testing::AlertmanagerProcess;
using testing::JsonReader;
using testing::JsonValue;
using testing::RunUntil;

using Pairs = std::vector<std::pair<std::string, std::string>>;

NotifierAlert MakeAlert(const std::string& name, core::Labels extra = {}) {
  std::vector<core::Label> pairs{{"alertname", name}};
  for (const core::Label& l : extra) pairs.push_back(l);
  NotifierAlert a;
  a.labels = *core::Labels::Create(std::move(pairs));
  const int64_t now = core::SystemClock::Get().NowUnixMillis();
  a.starts_at_ms = now - 60'000;
  a.ends_at_ms = now + 3'600'000;
  return a;
}

std::vector<NotifierAlert> Numbered(const std::string& prefix, int from, int to) {
  std::vector<NotifierAlert> out;
  for (int i = from; i < to; ++i) out.push_back(MakeAlert(prefix + std::to_string(i)));
  return out;
}

// A loopback HTTP server standing in for an Alertmanager: records each request and the number
// of alerts in its body, and answers with `answer` (200 by default), now or when released.
class RecordingServer {
 public:
  using Answer = std::function<core::HttpResponse(size_t index, const core::HttpRequest&)>;

  void Start(core::Loop& loop, Answer answer = nullptr) {
    answer_ = std::move(answer);
    core::HttpServerOptions options;
    options.listen = core::HostPort{"127.0.0.1", 0};
    auto created = core::HttpServer::Create(
        loop, options, [this](const core::HttpRequest& r, core::HttpResponder w) {
          requests.push_back(r);
          std::optional<JsonValue> body = JsonReader::Parse(r.body);
          batch_sizes.push_back(body && body->type == JsonValue::Type::kArray ? body->array.size()
                                                                              : SIZE_MAX);
          if (body) {
            for (const JsonValue& a : body->array) {
              if (const JsonValue* labels = a.Find("labels"))
                names.push_back(labels->Str("alertname"));
            }
          }
          max_in_flight = std::max(max_in_flight, held.size() + 1);
          if (hold) {
            held.push_back(w);
            return;
          }
          w.Send(Reply(requests.size() - 1));
        });
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    server_ = std::move(created).value();
  }
  // Answers every held request.
  void Release() {
    for (size_t i = 0; i < held.size(); ++i) held[i].Send(Reply(requests.size() - held.size() + i));
    held.clear();
  }
  std::string Url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(server_->address().port) + path;
  }
  void Reset() {
    held.clear();
    server_.reset();
  }

  bool hold = false;
  std::vector<core::HttpResponder> held;
  std::vector<core::HttpRequest> requests;
  std::vector<size_t> batch_sizes;  // SIZE_MAX: the body was not a JSON array
  std::vector<std::string> names;   // alertname of every alert received, in order
  size_t max_in_flight = 0;

 private:
  core::HttpResponse Reply(size_t index) {
    if (answer_) return answer_(index, requests[index]);
    return core::HttpResponse::Text(200, "");
  }
  Answer answer_;
  std::unique_ptr<core::HttpServer> server_;
};

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core::SetLogSink([this](std::string_view line) {
      std::lock_guard lock(log_mu_);
      log_.emplace_back(line);
    });
  }
  void TearDown() override {
    notifier_.reset();
    recorder_.Reset();
    raw_.reset();
    EXPECT_EQ(loop_.Close(), 0) << "a handle was left open";
    core::SetLogSink({});
  }

  void StartNotifier(const std::vector<std::string>& urls, NotifierOptions options = {}) {
    for (const std::string& u : urls) {
      core::Result<core::Url> url = core::ParseUrl(u);
      ASSERT_TRUE(url.ok()) << u;
      options.alertmanager.urls.push_back(*url);
    }
    notifier_ = std::make_unique<Notifier>(loop_, std::move(options), metrics_);
  }

  double Value(const std::string& family, size_t am) {
    return metrics_.Counter(family, "", {"alertmanager"})
        .With({notifier_->Endpoints().at(am)})
        ->Value();
  }
  double Sent(size_t am = 0) { return Value("vigil_notifications_sent_total", am); }
  double Errors(size_t am = 0) { return Value("vigil_notifications_errors_total", am); }
  double Dropped(size_t am = 0) { return Value("vigil_notifications_dropped_total", am); }
  double QueueLength(size_t am = 0) { return Value("vigil_notifications_queue_length", am); }

  // GET on the test's loop; `client` may carry TLS options.
  core::Result<core::HttpResponse> Get(const std::string& url,
                                       core::HttpClientOptions client_options = {},
                                       const std::string& authorization = "") {
    core::HttpClient client(loop_, std::move(client_options));
    core::HttpRequest request;
    request.method = "GET";
    if (!authorization.empty()) request.headers.Add("Authorization", authorization);
    std::optional<core::Result<core::HttpResponse>> answer;
    client.Send(*core::ParseUrl(url), std::move(request),
                [&answer](core::Result<core::HttpResponse> r) { answer = std::move(r); });
    if (!RunUntil(
            loop_, [&] { return answer.has_value(); }, milliseconds(10'000))) {
      return core::UnavailableError("no answer from " + url);
    }
    return std::move(*answer);
  }

  // The alerts Alertmanager shows (GET /api/v2/alerts: active ones), by alertname.
  std::map<std::string, JsonValue> AlertsOf(const std::string& base,
                                            core::HttpClientOptions client_options = {},
                                            const std::string& authorization = "") {
    std::map<std::string, JsonValue> out;
    core::Result<core::HttpResponse> r =
        Get(base + "/api/v2/alerts", std::move(client_options), authorization);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return out;
    EXPECT_EQ(r->status, 200) << r->body;
    std::optional<JsonValue> doc = JsonReader::Parse(r->body);
    EXPECT_TRUE(doc && doc->type == JsonValue::Type::kArray) << r->body;
    if (!doc) return out;
    for (const JsonValue& a : doc->array) {
      const JsonValue* labels = a.Find("labels");
      if (labels) out[labels->Str("alertname")] = a;
    }
    return out;
  }

  // Alertmanager's own count of alerts it received with this status ("firing", "resolved").
  double ReceivedByAlertmanager(const std::string& base, const std::string& status) {
    core::Result<core::HttpResponse> r = Get(base + "/metrics");
    if (!r.ok()) return -1;
    core::Result<core::ParsedExposition> page = core::ParseExposition(r->body);
    if (!page.ok()) return -1;
    double sum = 0;
    for (const core::ParsedSample& s : page->samples) {
      if (s.labels.MetricName() == "alertmanager_alerts_received_total" &&
          s.labels.Get("status") == status)
        sum += s.value;
    }
    return sum;
  }

  std::vector<std::string> LogLines() {
    std::lock_guard lock(log_mu_);
    return log_;
  }

  core::Loop loop_;
  core::MetricsRegistry metrics_;
  RecordingServer recorder_;
  std::unique_ptr<testing::RawServer> raw_;
  std::unique_ptr<Notifier> notifier_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_F(NotifierTest, AlertArrivesWithExternalLabelsAnnotationsTimesAndGeneratorUrl) {
  AlertmanagerProcess am;
  ASSERT_NO_FATAL_FAILURE(am.Start(testing::FreshTempDir()));
  NotifierOptions options;
  options.external_labels =
      core::Labels::FromLiteral({{"cluster", "eu1"}, {"replica", "a"}, {"severity", "external"}});
  ASSERT_NO_FATAL_FAILURE(StartNotifier({am.BaseUrl()}, options));
  EXPECT_EQ(notifier_->Endpoints(), std::vector<std::string>{am.BaseUrl() + "/api/v2/alerts"});

  NotifierAlert a =
      MakeAlert("HighLatency", core::Labels::FromLiteral({{"job", "api"}, {"severity", "page"}}));
  a.annotations = {{"description",
                    "p99 <1s> & \"quoted\", \xc3\xbc"
                    "n\xc3\xaf"
                    "code\nsecond line"},
                   {"summary", "Latency is high"}};
  a.starts_at_ms = 1'700'000'000'123;
  a.ends_at_ms = core::SystemClock::Get().NowUnixMillis() + 3'600'000;
  a.generator_url = "http://vigil.example:9090/graph?g0.expr=up%3D%3D0&g0.tab=1";
  notifier_->Send({a});
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return Sent() == 1; }, milliseconds(10'000)))
      << "errors " << Errors() << "\n"
      << am.Log();

  std::map<std::string, JsonValue> shown = AlertsOf(am.BaseUrl());
  ASSERT_EQ(shown.count("HighLatency"), 1u);
  const JsonValue& got = shown["HighLatency"];
  // The external labels are added; the alert's own severity wins over the external one.
  EXPECT_EQ(got.Find("labels")->StringPairs(), (Pairs{{"alertname", "HighLatency"},
                                                      {"cluster", "eu1"},
                                                      {"job", "api"},
                                                      {"replica", "a"},
                                                      {"severity", "page"}}));
  Pairs annotations = got.Find("annotations")->StringPairs();
  std::sort(annotations.begin(), annotations.end());
  EXPECT_EQ(annotations, a.annotations);
  EXPECT_EQ(got.Str("startsAt"), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(got.Str("endsAt"), core::FormatRfc3339Millis(a.ends_at_ms));
  EXPECT_EQ(got.Str("generatorURL"), a.generator_url);
  EXPECT_EQ(got.Find("status")->Str("state"), "active");
  EXPECT_EQ(Errors(), 0);
  EXPECT_EQ(Dropped(), 0);
  EXPECT_EQ(QueueLength(), 0);
}

TEST_F(NotifierTest, ResolvedAlertIsNoLongerShownActive) {
  AlertmanagerProcess am;
  ASSERT_NO_FATAL_FAILURE(am.Start(testing::FreshTempDir()));
  ASSERT_NO_FATAL_FAILURE(StartNotifier({am.BaseUrl()}));
  NotifierAlert firing = MakeAlert("DiskFull");
  NotifierAlert other = MakeAlert("StillFiring");
  notifier_->Send({firing, other});
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return Sent() == 2; }, milliseconds(10'000)));
  EXPECT_EQ(AlertsOf(am.BaseUrl()).count("DiskFull"), 1u);

  // As the rules send a resolved alert: the same labels, endsAt when it resolved.
  NotifierAlert resolved = firing;
  resolved.ends_at_ms = core::SystemClock::Get().NowUnixMillis() - 1'000;
  notifier_->Send({resolved});
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return Sent() == 3; }, milliseconds(10'000)));
  std::map<std::string, JsonValue> shown = AlertsOf(am.BaseUrl());
  EXPECT_EQ(shown.count("DiskFull"), 0u) << "Alertmanager lists only alerts that have not ended";
  EXPECT_EQ(shown.count("StillFiring"), 1u);
  EXPECT_EQ(ReceivedByAlertmanager(am.BaseUrl(), "resolved"), 1);
  EXPECT_EQ(ReceivedByAlertmanager(am.BaseUrl(), "firing"), 2);
}

TEST_F(NotifierTest, DownOrSlowAlertmanagerHoldsBackNoOther) {
  AlertmanagerProcess am;
  ASSERT_NO_FATAL_FAILURE(am.Start(testing::FreshTempDir()));
  const uint16_t closed = testing::FreeLoopbackPort();  // nothing listens there
  raw_ = std::make_unique<testing::RawServer>();        // accepts (in the kernel), never answers
  NotifierOptions options;
  options.alertmanager.timeout = milliseconds(2'000);
  ASSERT_NO_FATAL_FAILURE(
      StartNotifier({"http://127.0.0.1:" + std::to_string(closed),
                     "http://127.0.0.1:" + std::to_string(raw_->port()), am.BaseUrl()},
                    options));
  constexpr size_t kDown = 0, kSlow = 1, kLive = 2;

  notifier_->Send(Numbered("first", 0, 3));
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return Sent(kLive) == 3; }, milliseconds(10'000)));
  // The slow one's request is still waiting for its timeout: it did not hold the live one up.
  EXPECT_EQ(Errors(kSlow), 0);
  ASSERT_TRUE(RunUntil(loop_, [&] { return Errors(kDown) == 3; }));
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return Errors(kSlow) == 3; }, milliseconds(10'000)));

  // Later alerts still get through to the live one, and fail again on the others.
  notifier_->Send(Numbered("second", 0, 2));
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return Sent(kLive) == 5; }, milliseconds(10'000)));
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return Errors(kDown) == 5 && Errors(kSlow) == 5; }, milliseconds(10'000)));
  EXPECT_EQ(Sent(kDown), 0);
  EXPECT_EQ(Sent(kSlow), 0);
  EXPECT_EQ(Errors(kLive), 0);
  EXPECT_EQ(Dropped(kDown), 5);  // a failed batch is not sent again
  std::map<std::string, JsonValue> shown = AlertsOf(am.BaseUrl());
  for (const char* name : {"first0", "first1", "first2", "second0", "second1"}) {
    EXPECT_EQ(shown.count(name), 1u) << name;
  }
  bool logged = false;
  for (const std::string& line : LogLines()) {
    logged |= line.find("error sending alerts") != std::string::npos &&
              line.find("127.0.0.1:" + std::to_string(closed)) != std::string::npos;
  }
  EXPECT_TRUE(logged);
}

TEST_F(NotifierTest, FullQueueDropsTheOldest) {
  AlertmanagerProcess am;
  ASSERT_NO_FATAL_FAILURE(am.Start(testing::FreshTempDir()));
  NotifierOptions options;
  options.queue_capacity = 5;
  ASSERT_NO_FATAL_FAILURE(StartNotifier({am.BaseUrl()}, options));
  // The loop does not run in between, so nothing is sent before the queue overflows.
  notifier_->Send(Numbered("a", 0, 3));
  notifier_->Send(Numbered("a", 3, 10));
  EXPECT_EQ(Dropped(), 5);
  EXPECT_EQ(QueueLength(), 5);
  EXPECT_EQ(metrics_.Gauge("vigil_notifications_queue_capacity", "").Get()->Value(), 5);

  ASSERT_TRUE(RunUntil(
      loop_, [&] { return Sent() == 5; }, milliseconds(10'000)));
  std::map<std::string, JsonValue> shown = AlertsOf(am.BaseUrl());
  std::set<std::string> names;
  for (const auto& [name, alert] : shown) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"a5", "a6", "a7", "a8", "a9"}));

  // What comes after the overflow goes through.
  notifier_->Send({MakeAlert("after")});
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return Sent() == 6; }, milliseconds(10'000)));
  EXPECT_EQ(AlertsOf(am.BaseUrl()).count("after"), 1u);
  EXPECT_EQ(Dropped(), 5);
  EXPECT_EQ(QueueLength(), 0);
}

TEST_F(NotifierTest, SixHundredAlertsGoInBatchesOfAtMost256OneAtATime) {
  AlertmanagerProcess am;
  ASSERT_NO_FATAL_FAILURE(am.Start(testing::FreshTempDir()));
  ASSERT_NO_FATAL_FAILURE(recorder_.Start(loop_));
  recorder_.hold = true;  // answered by the test, to see that a second batch waits
  ASSERT_NO_FATAL_FAILURE(StartNotifier({recorder_.Url(), am.BaseUrl()}));
  notifier_->Send(Numbered("many", 0, 600));
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return Sent(1) == 600; }, milliseconds(20'000)));
  for (size_t expected = 1; expected <= 3; ++expected) {
    ASSERT_TRUE(RunUntil(loop_, [&] { return recorder_.requests.size() == expected; }));
    // The next batch is not sent while this one is unanswered.
    RunUntil(
        loop_, [] { return false; }, milliseconds(50));
    EXPECT_EQ(recorder_.requests.size(), expected);
    recorder_.Release();
  }
  ASSERT_TRUE(RunUntil(loop_, [&] { return Sent(0) == 600; }));
  EXPECT_EQ(recorder_.batch_sizes, (std::vector<size_t>{256, 256, 88}));
  EXPECT_EQ(recorder_.max_in_flight, 1u);
  std::vector<std::string> expected_names;
  for (int i = 0; i < 600; ++i) expected_names.push_back("many" + std::to_string(i));
  EXPECT_EQ(recorder_.names, expected_names) << "in the order they were queued";
  EXPECT_EQ(AlertsOf(am.BaseUrl()).size(), 600u);
  EXPECT_EQ(ReceivedByAlertmanager(am.BaseUrl(), "firing"), 600);
}

TEST_F(NotifierTest, RequestCarriesPathPrefixContentTypeUserAgentAndBearerToken) {
  ASSERT_NO_FATAL_FAILURE(recorder_.Start(loop_));
  NotifierOptions options;
  options.alertmanager.bearer_token = "s3cret-token";
  // The same Alertmanager twice (with and without the slash) is one.
  ASSERT_NO_FATAL_FAILURE(
      StartNotifier({recorder_.Url("/proxy/am/"), recorder_.Url("/proxy/am")}, options));
  EXPECT_EQ(notifier_->Endpoints(),
            std::vector<std::string>{recorder_.Url("/proxy/am/api/v2/alerts")});
  EXPECT_EQ(metrics_.Gauge("vigil_notifications_alertmanagers_discovered", "").Get()->Value(), 1);
  notifier_->Send({MakeAlert("One")});
  ASSERT_TRUE(RunUntil(loop_, [&] { return Sent() == 1; }));
  RunUntil(
      loop_, [] { return false; }, milliseconds(50));
  ASSERT_EQ(recorder_.requests.size(), 1u);
  const core::HttpRequest& r = recorder_.requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/proxy/am/api/v2/alerts");
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(r.headers.Get("User-Agent").substr(0, 13), "vigil-server/");
  EXPECT_GT(r.headers.Get("User-Agent").size(), 13u) << "with the version";
  EXPECT_EQ(r.headers.Get("Authorization"), "Bearer s3cret-token");
}

TEST_F(NotifierTest, RefusedOrGarbledAnswersAreErrorsAndNotRetried) {
  const std::string long_body(10'000, 'x');
  ASSERT_NO_FATAL_FAILURE(recorder_.Start(loop_, [&](size_t i, const core::HttpRequest&) {
    if (i == 0) return core::HttpResponse::Text(400, "bad alerts " + long_body);
    if (i == 1) return core::HttpResponse::Text(500, "boom");
    return core::HttpResponse::Text(200, "");
  }));
  raw_ = std::make_unique<testing::RawServer>();  // answers bytes that are not HTTP
  ASSERT_NO_FATAL_FAILURE(
      StartNotifier({recorder_.Url(), "http://127.0.0.1:" + std::to_string(raw_->port())}));
  std::vector<int> answered;
  auto garble = [&] {
    raw_->Accept();
    for (int i = 0; i < static_cast<int>(raw_->accepted()); ++i) {
      if (std::find(answered.begin(), answered.end(), i) != answered.end()) continue;
      const std::string& got = raw_->Received(i);
      if (got.empty() || got.back() != ']') continue;  // the whole JSON body has arrived
      raw_->Send(i, "garbage\r\n\r\n\x01\x02");
      raw_->Close(i);
      answered.push_back(i);
    }
  };

  notifier_->Send(Numbered("refused", 0, 2));
  ASSERT_TRUE(RunUntil(loop_, [&] {
    garble();
    return Errors(0) == 2 && Errors(1) == 2;
  }));
  notifier_->Send(Numbered("failed", 0, 3));
  ASSERT_TRUE(RunUntil(loop_, [&] {
    garble();
    return Errors(0) == 5 && Errors(1) == 5;
  }));
  notifier_->Send({MakeAlert("accepted")});
  ASSERT_TRUE(RunUntil(loop_, [&] {
    garble();
    return Sent(0) == 1 && Errors(1) == 6;
  }));

  // Each batch went once: nothing was sent again after the 400 or the 500.
  EXPECT_EQ(recorder_.batch_sizes, (std::vector<size_t>{2, 3, 1}));
  EXPECT_EQ(recorder_.names.back(), "accepted");
  EXPECT_EQ(Dropped(0), 5);
  EXPECT_EQ(Sent(1), 0);
  EXPECT_EQ(Dropped(1), 6);

  bool logged_400 = false, logged_500 = false, logged_garbage = false;
  for (const std::string& line : LogLines()) {
    if (line.find("error sending alerts") == std::string::npos) continue;
    if (line.find("status=400") != std::string::npos) {
      logged_400 = line.find("bad alerts xxx") != std::string::npos;
      EXPECT_LT(line.size(), 1'000u) << "the body is logged only in part";
    }
    logged_500 |=
        line.find("status=500") != std::string::npos && line.find("boom") != std::string::npos;
    logged_garbage |= line.find(std::to_string(raw_->port())) != std::string::npos &&
                      line.find("err=") != std::string::npos;
  }
  EXPECT_TRUE(logged_400);
  EXPECT_TRUE(logged_500);
  EXPECT_TRUE(logged_garbage);
}

TEST_F(NotifierTest, StopSendsNothingMoreAndIsStoppedWhenNothingIsInFlight) {
  ASSERT_NO_FATAL_FAILURE(recorder_.Start(loop_));
  recorder_.hold = true;
  NotifierOptions options;
  options.max_batch = 2;
  ASSERT_NO_FATAL_FAILURE(StartNotifier({recorder_.Url()}, options));
  notifier_->Send(Numbered("s", 0, 5));
  ASSERT_TRUE(RunUntil(loop_, [&] { return recorder_.requests.size() == 1; }));
  EXPECT_FALSE(notifier_->Stopped());

  notifier_->Stop();
  EXPECT_FALSE(notifier_->Stopped()) << "a batch is in flight";
  EXPECT_EQ(Dropped(), 3);  // what was still queued
  EXPECT_EQ(QueueLength(), 0);
  notifier_->Send({MakeAlert("late")});
  EXPECT_EQ(Dropped(), 4);

  recorder_.Release();
  ASSERT_TRUE(RunUntil(loop_, [&] { return notifier_->Stopped(); }));
  EXPECT_EQ(Sent(), 2);
  RunUntil(
      loop_, [] { return false; }, milliseconds(100));
  EXPECT_EQ(recorder_.requests.size(), 1u) << "nothing is sent after Stop";
}

TEST_F(NotifierTest, SendFromManyThreadsWhileTheLoopSends) {
  ASSERT_NO_FATAL_FAILURE(recorder_.Start(loop_));
  ASSERT_NO_FATAL_FAILURE(StartNotifier({recorder_.Url()}));
  constexpr int kThreads = 4, kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        notifier_->Send({MakeAlert("t" + std::to_string(t) + "_" + std::to_string(i))});
      }
    });
  }
  const bool all = RunUntil(loop_, [&] { return Sent() == kThreads * kPerThread; });
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(all) << Sent();
  std::set<std::string> names(recorder_.names.begin(), recorder_.names.end());
  EXPECT_EQ(names.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(recorder_.names.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(recorder_.max_in_flight, 1u);
  // Each thread's alerts arrive in the order it sent them.
  std::map<int, int> next;
  for (const std::string& n : recorder_.names) {
    const int t = n[1] - '0';
    const int i = std::stoi(n.substr(3));
    EXPECT_EQ(i, next[t]) << n;
    next[t] = i + 1;
  }
}

// bcrypt of "notifier-secret" (cost 4), as Alertmanager's web config wants a password.
constexpr char kPasswordHash[] = "$2b$04$Sj8L89cAnIY6JpyqYWYWTuVE4ioFaBJS0hlnGjRuKrHHNtK8zp/fK";

TEST_F(NotifierTest, HttpsWithBasicAuthToTheRealAlertmanager) {
  testing::TestPki pki;
  ASSERT_TRUE(pki.ok()) << "openssl could not make the test certificates";
  AlertmanagerProcess am;
  ASSERT_NO_FATAL_FAILURE(am.Start(testing::FreshTempDir(),
                                   "tls_server_config:\n"
                                   "  cert_file: " +
                                       pki.Path("server.crt") +
                                       "\n"
                                       "  key_file: " +
                                       pki.Path("server.key") +
                                       "\n"
                                       "basic_auth_users:\n"
                                       "  vigil: " +
                                       std::string(kPasswordHash) + "\n"));
  NotifierOptions options;
  options.alertmanager.tls.ca_file = pki.Path("ca.crt");
  options.alertmanager.basic_auth_username = "vigil";
  options.alertmanager.basic_auth_password = "notifier-secret";
  ASSERT_NO_FATAL_FAILURE(StartNotifier({am.BaseUrl("https")}, options));
  notifier_->Send({MakeAlert("OverTls")});
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return Sent() + Errors() == 1; }, milliseconds(10'000)));
  EXPECT_EQ(Sent(), 1) << am.Log();

  // A wrong password is refused (401): an error, logged.
  core::MetricsRegistry other_metrics;
  options.alertmanager.basic_auth_password = "wrong";
  options.alertmanager.urls = {*core::ParseUrl(am.BaseUrl("https"))};
  Notifier wrong(loop_, options, other_metrics);
  wrong.Send({MakeAlert("Refused")});
  core::Metric* wrong_errors =
      other_metrics.Counter("vigil_notifications_errors_total", "", {"alertmanager"})
          .With({wrong.Endpoints()[0]});
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return wrong_errors->Value() == 1; }, milliseconds(10'000)));

  // And a CA that did not sign the server's certificate fails the handshake.
  core::MetricsRegistry third_metrics;
  options.alertmanager.basic_auth_password = "notifier-secret";
  options.alertmanager.tls.ca_file = pki.Path("other-ca.crt");
  Notifier untrusted(loop_, options, third_metrics);
  untrusted.Send({MakeAlert("Untrusted")});
  core::Metric* untrusted_errors =
      third_metrics.Counter("vigil_notifications_errors_total", "", {"alertmanager"})
          .With({untrusted.Endpoints()[0]});
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return untrusted_errors->Value() == 1; }, milliseconds(10'000)));

  core::HttpClientOptions client;
  client.tls.ca_file = pki.Path("ca.crt");
  std::map<std::string, JsonValue> shown =
      AlertsOf(am.BaseUrl("https"), client, "Basic " + core::Base64("vigil:notifier-secret"));
  EXPECT_EQ(shown.count("OverTls"), 1u);
  EXPECT_EQ(shown.count("Refused"), 0u);
  EXPECT_EQ(shown.count("Untrusted"), 0u);
}

TEST_F(NotifierTest, NoAlertmanagersIsQuietAndStopsAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartNotifier({}));
  notifier_->Send({MakeAlert("Nowhere")});
  loop_.RunNoWait();
  notifier_->Stop();
  EXPECT_TRUE(notifier_->Stopped());
  EXPECT_TRUE(notifier_->Endpoints().empty());
  EXPECT_EQ(metrics_.Gauge("vigil_notifications_alertmanagers_discovered", "").Get()->Value(), 0);
}

}  // namespace
}  // namespace vigil::rules
