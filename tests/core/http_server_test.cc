#include "core/http_server.h"

#include <gtest/gtest.h>

#include "core/http_client.h"
#include "tests/core/loop_helpers.h"

namespace vigil::core {
namespace {

using std::chrono::milliseconds;
using testing::RawClient;
using testing::RunUntil;

// A server on a free loopback port that answers "<METHOD> <target> <body>" and can hold
// answers back to test asynchronous responders.
class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    options.listen = HostPort{"127.0.0.1", 0};
    auto created =
        HttpServer::Create(loop_, options, [this](const HttpRequest& r, HttpResponder w) {
          ++handled_;
          if (r.Path() == "/later") {
            held_.push_back(w);
            return;
          }
          if (r.Path() == "/big")
            return w.Send(HttpResponse::Text(200, std::string(4u << 20, 'x')));
          w.Send(HttpResponse::Text(200, r.method + " " + r.target + " " + r.body));
        });
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    server_ = std::move(created).value();
    server_->SetResponseObserver(
        [this](const HttpRequest&, int status) { statuses_.push_back(status); });
    port_ = server_->address().port;
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    held_.clear();
    client_.reset();
    server_.reset();
    EXPECT_EQ(loop_.Close(), 0) << "a handle was left open";
  }

  Url UrlFor(const std::string& target) {
    return *ParseUrl("http://127.0.0.1:" + std::to_string(port_) + target);
  }

  HttpClient& Client(HttpClientOptions options = {}) {
    if (!client_) client_ = std::make_unique<HttpClient>(loop_, options);
    return *client_;
  }

  Result<HttpResponse> Exchange(HttpRequest request, const std::string& target) {
    std::optional<Result<HttpResponse>> result;
    Client().Send(UrlFor(target), std::move(request),
                  [&result](Result<HttpResponse> r) { result = std::move(r); });
    EXPECT_TRUE(RunUntil(loop_, [&] { return result.has_value(); }));
    return result ? std::move(*result) : Result<HttpResponse>(InternalError("no answer"));
  }

  Loop loop_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
  uint16_t port_ = 0;
  int handled_ = 0;
  std::vector<HttpResponder> held_;
  std::vector<int> statuses_;
};

HttpRequest Get() {
  HttpRequest r;
  r.method = "GET";
  return r;
}

TEST_F(HttpServerTest, ClientAndServerKeepTheConnectionAlive) {
  StartServer();
  auto first = Exchange(Get(), "/a?x=1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "GET /a?x=1 ");
  EXPECT_EQ(Client().idle_connections(), 1u);

  HttpRequest post;
  post.method = "POST";
  post.body = std::string(100000, 'b');
  auto second = Exchange(post, "/w");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->body, "POST /w " + post.body);
  EXPECT_EQ(server_->connection_count(), 1u);  // the same connection served both
  EXPECT_EQ(statuses_, (std::vector<int>{200, 200}));
}

TEST_F(HttpServerTest, ClientFindsAServerOnLocalhostWhicheverAddressComesFirst) {
  StartServer();  // on 127.0.0.1 only; localhost may resolve to ::1 first
  std::optional<Result<HttpResponse>> result;
  Client().Send(*ParseUrl("http://localhost:" + std::to_string(port_) + "/l"), Get(),
                [&result](Result<HttpResponse> r) { result = std::move(r); });
  ASSERT_TRUE(RunUntil(loop_, [&] { return result.has_value(); }));
  ASSERT_TRUE(result->ok()) << result->status().ToString();
  EXPECT_EQ((*result)->body, "GET /l ");
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  RawClient c(port_);
  ASSERT_TRUE(c.connected());
  c.Send(
      "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(RunUntil(loop_, [&] { return c.eof(); }));
  const std::string& got = c.received();
  size_t a = got.find("GET /1 "), b = got.find("GET /2 "), d = got.find("GET /3 ");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(d, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_LT(b, d);
  EXPECT_NE(got.find("Connection: close"), std::string::npos);
}

TEST_F(HttpServerTest, HeadGetsHeadersOnlyAndHttp10Closes) {
  StartServer();
  RawClient c(port_);
  c.Send("HEAD /h HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(RunUntil(loop_, [&] { return c.eof(); }));
  EXPECT_EQ(c.received().rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(c.received().find("Content-Length: 8\r\n"), std::string::npos);
  EXPECT_EQ(c.received().find("HEAD /h"), std::string::npos);  // no body
}

struct BadRequest {
  std::string bytes;
  std::string status_line;
};

TEST_F(HttpServerTest, MalformedRequestsGetA4xxAndTheConnectionCloses) {
  StartServer(
      {.limits = {.max_header_bytes = 1024, .max_header_count = 10, .max_body_bytes = 100}});
  const BadRequest cases[] = {
      {"garbage\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET / HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n",
       "HTTP/1.1 431 Request Header Fields Too Large"},
      {"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", "HTTP/1.1 413 Request Entity Too Large"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET / HTTP/3.0\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: br\r\n\r\n", "HTTP/1.1 501 Not Implemented"},
  };
  for (const BadRequest& bad : cases) {
    RawClient c(port_);
    c.Send(bad.bytes);
    ASSERT_TRUE(RunUntil(loop_, [&] { return c.eof(); })) << bad.bytes.substr(0, 40);
    EXPECT_EQ(c.received().rfind(bad.status_line + "\r\n", 0), 0u) << c.received();
    EXPECT_NE(c.received().find("Connection: close"), std::string::npos);
  }
  EXPECT_EQ(handled_, 0);  // nothing malformed reached the handler
  ASSERT_TRUE(RunUntil(loop_, [&] { return server_->connection_count() == 0; }));
}

TEST_F(HttpServerTest, ATruncatedRequestReachesNobody) {
  StartServer();
  {
    RawClient c(port_);
    c.Send("POST /w HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part of it");
    ASSERT_TRUE(RunUntil(loop_, [&] { return server_->connection_count() == 1; }));
  }  // the client goes away mid-body
  ASSERT_TRUE(RunUntil(loop_, [&] { return server_->connection_count() == 0; }));
  EXPECT_EQ(handled_, 0);
  EXPECT_TRUE(statuses_.empty());
}

TEST_F(HttpServerTest, SlowClientsGet408AndIdleConnectionsClose) {
  StartServer({.read_timeout = milliseconds(150), .idle_timeout = milliseconds(150)});
  RawClient slow(port_);
  slow.Send("GET / HTTP/1.1\r\nHost: x\r\n");  // never finishes its headers
  RawClient idle(port_);                       // never says anything
  ASSERT_TRUE(RunUntil(loop_, [&] { return slow.eof() && idle.eof(); }));
  EXPECT_EQ(slow.received().rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u);
  EXPECT_EQ(idle.received(), "");
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerTest, AClientThatNeverReadsIsNotAnsweredFurtherAndIsDropped) {
  StartServer({.idle_timeout = milliseconds(300)});
  RawClient deaf(port_);
  // 40 answers of 4 MB asked for at once: 160 MB, far more than the kernel's socket buffers
  // hold, so were the requests all read, the server would keep most of it.
  std::string pipelined;
  for (int i = 0; i < 40; ++i) pipelined += "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
  deaf.Send(pipelined);
  ASSERT_TRUE(RunUntil(loop_, [&] { return handled_ > 0; }));
  ASSERT_TRUE(RunUntil(loop_, [&] { return server_->connection_count() == 0; }));
  // Requests stopped being read once the kernel's buffers were full; the rest were never handled.
  EXPECT_LT(handled_, 20);
  // The server goes on answering others.
  auto answer = Exchange(Get(), "/after");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->status, 200);
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimResponse) {
  StartServer();
  RawClient c(port_);
  c.Send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(RunUntil(loop_, [&] { return !c.received().empty(); }));
  EXPECT_EQ(c.received(), "HTTP/1.1 100 Continue\r\n\r\n");
  c.Send("hello");
  ASSERT_TRUE(
      RunUntil(loop_, [&] { return c.received().find("POST /up hello") != std::string::npos; }));
}

TEST_F(HttpServerTest, AnswersMayComeLaterAndAreDroppedIfTheClientLeft) {
  StartServer();
  {
    RawClient gone(port_);
    gone.Send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(RunUntil(loop_, [&] { return held_.size() == 1; }));
  }  // the client closes its socket while its answer is being prepared
  std::optional<Result<HttpResponse>> result;
  Client().Send(UrlFor("/later"), Get(), [&](Result<HttpResponse> r) { result = std::move(r); });
  ASSERT_TRUE(RunUntil(loop_, [&] { return held_.size() == 2; }));
  EXPECT_FALSE(result.has_value());
  held_[1].Send(HttpResponse::Text(202, "done"));
  held_[0].Send(HttpResponse::Text(202, "nobody listens"));  // must not crash
  ASSERT_TRUE(RunUntil(loop_, [&] { return result.has_value(); }));
  ASSERT_TRUE(result->ok());
  EXPECT_EQ((*result)->status, 202);
  EXPECT_EQ((*result)->body, "done");
  // The departed client's session goes; the kept-alive one stays.
  ASSERT_TRUE(RunUntil(loop_, [&] { return server_->connection_count() == 1; }));
}

// A streamed answer: pieces sent one after the other as the client takes them, then the
// connection serves the next request.
TEST_F(HttpServerTest, StreamedAnswerArrivesWholeAndTheConnectionGoesOn) {
  StartServer();
  std::optional<Result<HttpResponse>> result;
  Client().Send(UrlFor("/later"), Get(), [&](Result<HttpResponse> r) { result = std::move(r); });
  ASSERT_TRUE(RunUntil(loop_, [&] { return held_.size() == 1; }));
  HttpResponse head;
  head.status = 200;
  head.headers.Set("Content-Type", "application/x-test");
  ASSERT_TRUE(held_[0].StartStream(head));
  // Pieces of 1 MB each, the next written only once the last is taken (low water 0).
  const std::string piece(1 << 20, 'p');
  int written = 0;
  std::function<void()> next = [&] {
    if (++written < 6) {
      EXPECT_TRUE(held_[0].StreamWrite(piece, 0, next));
    } else {
      EXPECT_TRUE(held_[0].EndStream());
    }
  };
  ASSERT_TRUE(held_[0].StreamWrite(piece, 0, next));
  ASSERT_TRUE(RunUntil(loop_, [&] { return result.has_value(); }));
  ASSERT_TRUE(result->ok()) << result->status().ToString();
  EXPECT_EQ((*result)->status, 200);
  EXPECT_EQ((*result)->headers.Get("Content-Type"), "application/x-test");
  EXPECT_EQ((*result)->headers.Get("Transfer-Encoding"), "chunked");
  EXPECT_FALSE((*result)->headers.Has("Content-Length"));
  EXPECT_EQ((*result)->body.size(), 6u << 20);
  EXPECT_EQ(written, 6);
  EXPECT_EQ(statuses_, std::vector<int>{200});
  // A Send after the stream began is ignored; the next request is answered on.
  held_[0].Send(HttpResponse::Text(500, "late"));
  auto again = Exchange(Get(), "/b");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->body, "GET /b ");
  EXPECT_EQ(server_->connection_count(), 1u);
}

TEST_F(HttpServerTest, AnAbortedStreamIsACutShortBodyForTheClient) {
  StartServer();
  std::optional<Result<HttpResponse>> result;
  Client().Send(UrlFor("/later"), Get(), [&](Result<HttpResponse> r) { result = std::move(r); });
  ASSERT_TRUE(RunUntil(loop_, [&] { return held_.size() == 1; }));
  ASSERT_TRUE(held_[0].StartStream(HttpResponse{}));
  ASSERT_TRUE(held_[0].StreamWrite("part of it", 0, nullptr));
  held_[0].AbortStream();
  ASSERT_TRUE(RunUntil(loop_, [&] { return result.has_value(); }));
  EXPECT_FALSE(result->ok());
  EXPECT_FALSE(held_[0].StreamWrite("more", 0, nullptr));
  EXPECT_FALSE(held_[0].EndStream());
  ASSERT_TRUE(RunUntil(loop_, [&] { return server_->connection_count() == 0; }));
}

// A client that leaves while a long answer is being written: the writes fail (EPIPE) and the
// session goes, the process is not killed by SIGPIPE (it was, before sockets ignored it).
TEST_F(HttpServerTest, AClientLeavingMidAnswerEndsOnlyItsConnection) {
  StartServer();
  {
    RawClient gone(port_);
    gone.Send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(RunUntil(loop_, [&] { return held_.size() == 1; }));
    ASSERT_TRUE(held_[0].StartStream(HttpResponse{}));
    ASSERT_TRUE(held_[0].StreamWrite(std::string(64 << 10, 'x'), 0, nullptr));
    RunUntil(loop_, [&] { return !gone.received().empty(); });
  }  // closed with most of the answer unread
  // Keeps writing until the connection reports the peer gone; each piece is more than the
  // socket buffers take once the peer has reset the connection.
  const std::string piece(1 << 20, 'y');
  ASSERT_TRUE(RunUntil(loop_, [&] { return !held_[0].StreamWrite(piece, 0, nullptr); }));
  ASSERT_TRUE(RunUntil(loop_, [&] { return server_->connection_count() == 0; }));
  auto after = Exchange(Get(), "/still-here");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->body, "GET /still-here ");
}

TEST_F(HttpServerTest, ShutdownClosesIdleConnectionsAndStopsListening) {
  StartServer();
  ASSERT_TRUE(Exchange(Get(), "/").ok());
  EXPECT_EQ(server_->connection_count(), 1u);
  server_->Shutdown();
  ASSERT_TRUE(RunUntil(loop_, [&] { return server_->connection_count() == 0; }));
  RawClient late(port_);
  EXPECT_FALSE(late.connected());
}

TEST(HttpClientTest, RetriesOnceWhenAKeptConnectionTurnsOutClosed) {
  Loop loop;
  {
    testing::RawServer server;
    HttpClient client(loop, {});
    Url url = *ParseUrl("http://127.0.0.1:" + std::to_string(server.port()) + "/x");
    std::vector<Result<HttpResponse>> results;
    auto record = [&results](Result<HttpResponse> r) { results.push_back(std::move(r)); };

    client.Send(url, Get(), record);
    int a = -1;
    ASSERT_TRUE(RunUntil(loop, [&] {
      if (a < 0) a = server.Accept();
      return a >= 0 && server.Received(a).find("\r\n\r\n") != std::string::npos;
    }));
    server.Send(a, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");
    ASSERT_TRUE(RunUntil(loop, [&] { return results.size() == 1; }));
    ASSERT_EQ(client.idle_connections(), 1u);

    // The second request goes out on the kept connection, which the server then closes
    // without answering, as a server does when its idle timeout races the request.
    client.Send(url, Get(), record);
    ASSERT_TRUE(RunUntil(loop, [&] { return server.Received(a).size() > 40; }));
    server.Close(a);
    int b = -1;
    ASSERT_TRUE(RunUntil(loop, [&] {
      if (b < 0) b = server.Accept();
      return b >= 0 && server.Received(b).find("\r\n\r\n") != std::string::npos;
    }));
    server.Send(b, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb");
    ASSERT_TRUE(RunUntil(loop, [&] { return results.size() == 2; }));
    ASSERT_TRUE(results[1].ok()) << results[1].status().ToString();
    EXPECT_EQ(results[1]->body, "b");
    EXPECT_EQ(server.accepted(), 2u);

    // On a fresh connection the same close is an error, not retried: the server may have
    // acted on the request.
    HttpClient fresh(loop, {});
    std::optional<Result<HttpResponse>> failed;
    fresh.Send(url, Get(), [&failed](Result<HttpResponse> r) { failed = std::move(r); });
    int c = -1;
    ASSERT_TRUE(RunUntil(loop, [&] {
      if (c < 0) c = server.Accept();
      return c >= 0 && server.Received(c).find("\r\n\r\n") != std::string::npos;
    }));
    server.Close(c);
    ASSERT_TRUE(RunUntil(loop, [&] { return failed.has_value(); }));
    ASSERT_FALSE(failed->ok());
    EXPECT_EQ(failed->status().code(), StatusCode::kUnavailable);
    RunUntil(
        loop, [] { return false; }, std::chrono::milliseconds(50));
    EXPECT_EQ(server.Accept(), -1);  // no second attempt
  }
  EXPECT_EQ(loop.Close(), 0);
}

TEST_F(HttpServerTest, ClientTimesOutAndReportsRefusedConnections) {
  StartServer();
  Client({.timeout = milliseconds(100)});
  auto late = Exchange(Get(), "/later");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), StatusCode::kDeadlineExceeded);

  uint16_t closed_port = port_;
  server_.reset();
  port_ = closed_port;
  held_.clear();
  auto refused = Exchange(Get(), "/");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable) << refused.status().ToString();
}

}  // namespace
}  // namespace vigil::core
