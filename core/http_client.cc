#include "core/http_client.h"

#include <algorithm>

namespace vigil::core {

struct HttpClient::PooledConnection {
  std::string key;  // scheme://host:port
  std::unique_ptr<Connection> connection;
  HttpParser parser;
  Exchange* exchange = nullptr;  // the exchange using it, or null while idle
  std::unique_ptr<Timer> idle_timer;

  PooledConnection(std::string k, std::unique_ptr<Connection> c, const HttpLimits& limits)
      : key(std::move(k)), connection(std::move(c)), parser(HttpParser::Kind::kResponse, limits) {}
};

struct HttpClient::Exchange {
  Url url;
  std::string key;
  std::string wire;  // the serialized request
  bool head = false;
  Callback done;
  bool reused = false;   // on a kept-alive connection: may find it closed
  bool retried = false;  // one retry on a fresh connection, no more
  bool got_response_bytes = false;
  std::unique_ptr<Timer> deadline;
  std::unique_ptr<Connector> connector;
  std::unique_ptr<PooledConnection> connection;
};

HttpClient::HttpClient(Loop& loop, HttpClientOptions options)
    : loop_(loop), options_(std::move(options)) {}

HttpClient::~HttpClient() = default;

size_t HttpClient::idle_connections() const {
  size_t n = 0;
  for (const auto& [key, list] : idle_) n += list.size();
  return n;
}

Result<TlsConfig*> HttpClient::Tls() {
  if (!tls_) {
    VIGIL_ASSIGN_OR_RETURN(tls_, TlsConfig::CreateClient(options_.tls));
  }
  return tls_.get();
}

void HttpClient::Send(const Url& url, HttpRequest request, Callback done) {
  auto owned = std::make_unique<Exchange>();
  Exchange* ex = owned.get();
  ex->url = url;
  ex->key = url.scheme + "://" + url.HostHeader() + ":" + std::to_string(url.port);
  ex->head = request.method == "HEAD";
  ex->done = std::move(done);
  std::string& w = ex->wire;
  w = request.method + " " + url.target + " HTTP/1.1\r\nHost: " + url.HostHeader() + "\r\n";
  if (!request.headers.Has("User-Agent")) w += "User-Agent: " + options_.user_agent + "\r\n";
  for (const auto& [name, value] : request.headers.fields()) {
    if (EqualsIgnoreCase(name, "Host") || EqualsIgnoreCase(name, "Content-Length")) continue;
    w += name + ": " + value + "\r\n";
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    w += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  w += "\r\n";
  w += request.body;
  ex->deadline = std::make_unique<Timer>(loop_, [this, ex] {
    Finish(ex,
           DeadlineExceededError("no response from " + ex->url.ToString() + " within " +
                                 FormatDuration(options_.timeout)),
           false);
  });
  ex->deadline->Start(options_.timeout);
  exchanges_.push_back(std::move(owned));

  auto& pool = idle_[ex->key];
  if (!pool.empty()) {
    std::unique_ptr<PooledConnection> pc = std::move(pool.back());
    pool.pop_back();
    pc->idle_timer.reset();
    ex->reused = true;
    Bind(ex, std::move(pc))->connection->Write(ex->wire);
    return;
  }
  Connect(ex);
}

void HttpClient::Connect(Exchange* ex) {
  TlsConfig* tls = nullptr;
  if (ex->url.https()) {
    auto config = Tls();
    if (!config.ok()) {
      Finish(ex, config.status(), false);
      return;
    }
    tls = *config;
  }
  ex->reused = false;
  ex->connector = std::make_unique<Connector>(
      loop_, ex->url.host, ex->url.port, tls,
      [this, ex](Result<std::unique_ptr<Connection>> connected) {
        if (!connected.ok()) {
          Finish(ex, connected.status().WithContext(ex->url.ToString()), false);
          return;
        }
        PooledConnection* pc =
            Bind(ex, std::make_unique<PooledConnection>(ex->key, std::move(connected).value(),
                                                        options_.limits));
        pc->connection->Start({[this, pc](std::string_view b) { OnData(pc, b); },
                               [this, pc](const Status& st) { OnClosed(pc, st); }});
        // Start may already have failed and finished (or retried) the exchange.
        if (Alive(ex) && ex->connection.get() == pc) pc->connection->Write(ex->wire);
      });
}

HttpClient::PooledConnection* HttpClient::Bind(Exchange* ex, std::unique_ptr<PooledConnection> pc) {
  pc->exchange = ex;
  pc->parser.Reset();
  if (ex->head) pc->parser.ExpectNoBody();
  ex->connection = std::move(pc);
  return ex->connection.get();
}

bool HttpClient::Alive(const Exchange* ex) const {
  return std::any_of(exchanges_.begin(), exchanges_.end(),
                     [ex](const auto& e) { return e.get() == ex; });
}

void HttpClient::OnData(PooledConnection* pc, std::string_view bytes) {
  Exchange* ex = pc->exchange;
  if (!ex) {  // a server talking on an idle connection: not to be trusted with the next request
    DropIdle(pc);
    return;
  }
  ex->got_response_bytes = true;
  size_t consumed = 0;
  HttpParser::State state = pc->parser.Feed(bytes, &consumed);
  if (state == HttpParser::State::kNeedMore) return;
  if (state == HttpParser::State::kError) {
    Finish(ex,
           UnavailableError("bad response from " + ex->url.ToString() + ": " + pc->parser.error()),
           false);
    return;
  }
  HttpResponse response = std::move(pc->parser.response());
  bool keep = consumed == bytes.size() && !response.headers.HasToken("Connection", "close");
  Finish(ex, std::move(response), keep);
}

void HttpClient::OnClosed(PooledConnection* pc, const Status& status) {
  Exchange* ex = pc->exchange;
  if (!ex) {
    DropIdle(pc);
    return;
  }
  if (pc->parser.FeedEof() == HttpParser::State::kComplete) {
    Finish(ex, std::move(pc->parser.response()), false);
    return;
  }
  ex->connection.reset();  // pc is gone from here on
  if (ex->reused && !ex->got_response_bytes && !ex->retried) {
    // The server closed a kept-alive connection as we reused it; nothing was processed.
    ex->retried = true;
    Connect(ex);
    return;
  }
  Finish(ex,
         status.ok() ? UnavailableError("connection closed before the response")
                     : status.WithContext(ex->url.ToString()),
         false);
}

void HttpClient::Finish(Exchange* ex, Result<HttpResponse> result, bool keep_connection) {
  auto it = std::find_if(exchanges_.begin(), exchanges_.end(),
                         [ex](const auto& e) { return e.get() == ex; });
  if (it == exchanges_.end()) return;
  std::unique_ptr<Exchange> owned = std::move(*it);
  exchanges_.erase(it);
  if (keep_connection && owned->connection) {
    owned->connection->exchange = nullptr;
    Park(std::move(owned->connection));
  }
  Callback done = std::move(owned->done);
  owned.reset();  // closes its connection unless parked; may run inside that connection's callback
  done(std::move(result));
}

void HttpClient::Park(std::unique_ptr<PooledConnection> pc) {
  auto& pool = idle_[pc->key];
  if (pool.size() >= options_.max_idle_per_host) return;  // pc closes as it goes
  PooledConnection* raw = pc.get();
  raw->idle_timer = std::make_unique<Timer>(loop_, [this, raw] { DropIdle(raw); });
  raw->idle_timer->Start(options_.idle_timeout);
  pool.push_back(std::move(pc));
}

void HttpClient::DropIdle(PooledConnection* pc) {
  auto& pool = idle_[pc->key];
  std::erase_if(pool, [pc](const auto& p) { return p.get() == pc; });
}

}  // namespace vigil::core
