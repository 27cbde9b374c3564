#include "core/http_parser.h"

#include <gtest/gtest.h>

namespace vigil::core {
namespace {

using State = HttpParser::State;

// Feeds the text in pieces of `step` bytes (0: all at once) and returns the final state.
State FeedAll(HttpParser& p, std::string_view text, size_t step = 0, size_t* used = nullptr) {
  size_t total = 0;
  State s = State::kNeedMore;
  while (total < text.size()) {
    size_t n = step == 0 ? text.size() - total : std::min(step, text.size() - total);
    size_t consumed = 0;
    s = p.Feed(text.substr(total, n), &consumed);
    total += consumed;
    if (s != State::kNeedMore) break;
    if (consumed < n) break;
  }
  if (used) *used = total;
  return s;
}

HttpParser RequestParser(HttpLimits limits = {}) {
  return HttpParser(HttpParser::Kind::kRequest, limits);
}

TEST(HttpParserTest, ParsesARequestInAnySplit) {
  const std::string text =
      "POST /api/v1/query?x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
      "application/x-www-form-urlencoded\r\nContent-Length: 13\r\n\r\nquery=up&a=%21";
  for (size_t step : {0, 1, 2, 7, 64}) {
    HttpParser p = RequestParser();
    size_t used = 0;
    ASSERT_EQ(FeedAll(p, text, step, &used), State::kComplete) << step << " " << p.error();
    EXPECT_EQ(used, text.size() - 1);  // one byte past the declared length is left over
    const HttpRequest& r = p.request();
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.Path(), "/api/v1/query");
    EXPECT_EQ(r.Query(), "x=1");
    EXPECT_EQ(r.headers.Get("content-type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(r.body, "query=up&a=%2");
    EXPECT_TRUE(r.KeepAlive());
  }
}

TEST(HttpParserTest, PipelinedRequestsAreParsedOneAtATime) {
  std::string text = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.0\r\n\r\n";
  HttpParser p = RequestParser();
  size_t used = 0;
  ASSERT_EQ(p.Feed(text, &used), State::kComplete);
  EXPECT_EQ(p.request().target, "/a");
  p.Reset();
  size_t used2 = 0;
  ASSERT_EQ(p.Feed(std::string_view(text).substr(used), &used2), State::kComplete);
  EXPECT_EQ(p.request().target, "/b");
  EXPECT_FALSE(p.request().KeepAlive());  // HTTP/1.0 without keep-alive
  EXPECT_EQ(used + used2, text.size());
}

TEST(HttpParserTest, ChunkedBodiesWithExtensionsAndTrailers) {
  std::string text =
      "POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n1A\r\n abcdefghijklmnopqrstuvwxy\r\n0\r\nX-Trailer: t\r\n\r\n";
  for (size_t step : {0, 1, 3}) {
    HttpParser p = RequestParser();
    ASSERT_EQ(FeedAll(p, text, step), State::kComplete) << p.error();
    EXPECT_EQ(p.request().body, "hello abcdefghijklmnopqrstuvwxy");
  }
}

TEST(HttpParserTest, ManySmallChunksDoNotCountAsHeaders) {
  std::string text = "POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 30000; ++i) text += "1\r\nx\r\n";
  text += "0\r\n\r\n";
  HttpParser p = RequestParser({.max_header_bytes = 1024});
  ASSERT_EQ(FeedAll(p, text), State::kComplete) << p.error();
  EXPECT_EQ(p.request().body.size(), 30000u);
}

struct Refusal {
  std::string text;
  int status;
  const char* why;
};

TEST(HttpParserTest, RefusesMalformedRequestsWithTheRightStatus) {
  const Refusal cases[] = {
      {"GET\r\n\r\n", 400, "malformed start line"},
      {"G(T / HTTP/1.1\r\n\r\n", 400, "malformed method"},
      {"GET / HTTP/2.0\r\n\r\n", 505, "unsupported HTTP version"},
      {"GET / HTXP/1.1\r\n\r\n", 400, "malformed HTTP version"},
      {"GET /a b HTTP/1.1\r\n\r\n", 400, "malformed request target"},
      {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "malformed header name"},
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "header line without ':'"},
      {"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400, "folded header lines are not allowed"},
      {"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400, "bare CR in header section"},
      {"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400, "control byte in header value"},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
       "both Transfer-Encoding and Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400,
       "conflicting Content-Length headers"},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "malformed Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400,
       "malformed Content-Length"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "unsupported Transfer-Encoding"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "malformed chunk size"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400,
       "chunk data longer than its size"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(2000, '1'), 400,
       "chunk size line too long"},
  };
  for (const Refusal& c : cases) {
    HttpParser p = RequestParser();
    EXPECT_EQ(FeedAll(p, c.text), State::kError) << c.text;
    EXPECT_EQ(p.error_status(), c.status) << c.text;
    EXPECT_EQ(p.error(), c.why) << c.text;
  }
}

TEST(HttpParserTest, EnforcesSizeLimitsBeforeBuffering) {
  HttpLimits limits{.max_header_bytes = 100, .max_header_count = 3, .max_body_bytes = 10};
  HttpParser a = RequestParser(limits);
  EXPECT_EQ(FeedAll(a, "GET / HTTP/1.1\r\nX: " + std::string(200, 'a')), State::kError);
  EXPECT_EQ(a.error_status(), 431);

  HttpParser b = RequestParser(limits);
  EXPECT_EQ(FeedAll(b, "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"), State::kError);
  EXPECT_EQ(b.error_status(), 431);

  HttpParser c = RequestParser(limits);
  EXPECT_EQ(FeedAll(c, "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n"), State::kError);
  EXPECT_EQ(c.error_status(), 413);

  HttpParser d = RequestParser(limits);
  EXPECT_EQ(FeedAll(d,
                    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n"
                    "8\r\n"),
            State::kError);
  EXPECT_EQ(d.error_status(), 413);
}

TEST(HttpParserTest, TruncatedRequestsNeedMoreThenFailAtEof) {
  const std::string text = "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd";
  for (size_t cut = 1; cut < text.size(); ++cut) {
    HttpParser p = RequestParser();
    EXPECT_EQ(FeedAll(p, text.substr(0, cut)), State::kNeedMore) << cut;
    EXPECT_EQ(p.FeedEof(), State::kError) << cut;
    EXPECT_EQ(p.error_status(), 400);
  }
}

TEST(HttpParserTest, ResponsesWithEveryFraming) {
  HttpParser a(HttpParser::Kind::kResponse, {});
  ASSERT_EQ(FeedAll(a, "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n"), State::kComplete);
  EXPECT_EQ(a.response().status, 204);

  HttpParser b(HttpParser::Kind::kResponse, {});
  ASSERT_EQ(
      FeedAll(b, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 1),
      State::kComplete);
  EXPECT_EQ(b.response().body, "abc");

  HttpParser c(HttpParser::Kind::kResponse, {});
  EXPECT_EQ(FeedAll(c, "HTTP/1.0 200 OK\r\n\r\nuntil the end"), State::kNeedMore);
  EXPECT_EQ(c.FeedEof(), State::kComplete);
  EXPECT_EQ(c.response().body, "until the end");

  HttpParser d(HttpParser::Kind::kResponse, {});
  d.ExpectNoBody();
  ASSERT_EQ(FeedAll(d, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"), State::kComplete);
  EXPECT_EQ(d.response().body, "");

  HttpParser e(HttpParser::Kind::kResponse, {});
  EXPECT_EQ(FeedAll(e, "HTTP/1.1 2x0 OK\r\n\r\n"), State::kError);
}

TEST(HttpParserTest, RandomBytesNeverCrash) {
  uint32_t seed = 1;
  auto next = [&seed] { return seed = seed * 1103515245 + 12345; };
  const std::string alphabet = "GET POST / HTTP/1.1\r\n:Content-Length: 0123456789abcdef\x01\xff;";
  for (int i = 0; i < 20000; ++i) {
    std::string text(next() % 128, '\0');
    for (char& ch : text) ch = alphabet[(next() >> 8) % alphabet.size()];
    HttpParser p =
        RequestParser({.max_header_bytes = 256, .max_header_count = 8, .max_body_bytes = 64});
    State s = FeedAll(p, text, (next() >> 8) % 5);
    if (s == State::kError) {
      EXPECT_GE(p.error_status(), 400);
    }
  }
}

TEST(HttpFormTest, DecodesQueryAndPostBodies) {
  std::vector<std::pair<std::string, std::string>> form;
  ASSERT_TRUE(ParseFormEncoded("query=rate(x%5B5m%5D)&time=1.5&&flag&sp=a+b", &form));
  ASSERT_EQ(form.size(), 4u);
  EXPECT_EQ(form[0].second, "rate(x[5m])");
  EXPECT_EQ(form[2].first, "flag");
  EXPECT_EQ(form[2].second, "");
  EXPECT_EQ(form[3].second, "a b");
  form.clear();
  EXPECT_FALSE(ParseFormEncoded("a=%zz", &form));
  EXPECT_FALSE(ParseFormEncoded("a=%4", &form));
  EXPECT_EQ(UrlEncode("a b/c=1&ü"), "a+b%2Fc%3D1%26%C3%BC");

  HttpRequest req;
  req.method = "POST";
  req.target = "/api/v1/query?time=5";
  req.headers.Add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  req.body = "query=up";
  form.clear();
  ASSERT_TRUE(RequestForm(req, &form));
  ASSERT_EQ(form.size(), 2u);
  EXPECT_EQ(form[0], (std::pair<std::string, std::string>{"query", "up"}));
  EXPECT_EQ(form[1], (std::pair<std::string, std::string>{"time", "5"}));
}

TEST(HttpHeadersTest, CaseInsensitiveAndTokens) {
  HttpHeaders h;
  h.Add("Connection", "keep-alive, Upgrade");
  h.Add("X-A", "1");
  EXPECT_TRUE(h.HasToken("connection", "upgrade"));
  EXPECT_FALSE(h.HasToken("connection", "close"));
  h.Set("x-a", "2");
  EXPECT_EQ(h.Get("X-A"), "2");
  EXPECT_EQ(h.fields().size(), 2u);
}

}  // namespace
}  // namespace vigil::core
