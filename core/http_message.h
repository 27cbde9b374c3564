#pragma once
// HTTP/1.1 requests and responses as values, and the helpers both ends use.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::core {

// Header fields in arrival order; names compare without regard to case.
class HttpHeaders {
 public:
  void Add(std::string name, std::string value);
  // Replaces every field of that name.
  void Set(std::string_view name, std::string value);
  // The first value, or "" when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  // Does a comma-separated header (Connection, Transfer-Encoding) list `token`?
  bool HasToken(std::string_view name, std::string_view token) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

struct HttpRequest {
  std::string method;
  std::string target;     // as sent: path and query
  int version_minor = 1;  // HTTP/1.x
  HttpHeaders headers;
  std::string body;
  // The client's "host:port" as the server's socket sees it: the fleet view shows who pushes.
  std::string remote_address;

  std::string_view Path() const;   // target up to '?'
  std::string_view Query() const;  // after '?', or ""
  // HTTP/1.1 keeps the connection unless "Connection: close"; 1.0 closes unless keep-alive.
  bool KeepAlive() const;
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;

  static HttpResponse Text(int status, std::string body);
};

std::string_view HttpReasonPhrase(int status);

// "a=1&b=x+y%21": pairs in order, '+' as space, %XX decoded. Bad escapes are an error.
bool ParseFormEncoded(std::string_view text, std::vector<std::pair<std::string, std::string>>* out);
std::string UrlEncode(std::string_view text);
// RFC 4648 base64 with padding: for basic auth.
std::string Base64(std::string_view bytes);

// The form fields of a request: the query string, and for a POST with
// Content-Type application/x-www-form-urlencoded, the body too (as Go's ParseForm).
bool RequestForm(const HttpRequest& request, std::vector<std::pair<std::string, std::string>>* out);

}  // namespace vigil::core
