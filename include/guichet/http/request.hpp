#pragma once
// Guichet's own request and response types. Handlers see only these: Boost.Beast stays inside
// http/server.cpp and http/wire.cpp, so most translation units never include it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "guichet/core/result.hpp"
#include "guichet/http/headers.hpp"

namespace guichet::http {

enum class Method { get, head, post, put, patch, del, options, other };
Method parse_method(std::string_view name);
std::string_view to_string(Method method);

// Ordered name/value pairs (query strings, forms, cookies, path parameters).
class Params {
 public:
  std::optional<std::string_view> get(std::string_view name) const;
  std::vector<std::string_view> all(std::string_view name) const;
  void add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct UploadedFile {
  std::string field;
  std::string filename;
  std::string content_type;
  std::string content;
};

enum class RouteKind {
  page,   // HTML for people: language, CSRF, HTML error pages
  api,    // JSON under /api/: bearer tokens, JSON errors, no CSRF cookie
  asset,  // static files and probes: the lightest chain
};

// Who makes the request, once a session or token has been checked.
struct Principal {
  std::int64_t user_id = 0;
  std::int64_t session_id = 0;
  std::string email;
  std::string assurance_level;  // the identity's level: "high" once verified in person
  // What this session proved (see identity::Authentication): "low", "substantial" or "high".
  std::string acr = "low";
  std::int64_t auth_time_us = 0;  // Unix microseconds
  std::vector<std::string> amr;
  // A business account: the organisation this session acts for (0 when acting for oneself).
  std::int64_t organisation_id = 0;
  std::string organisation_name;
  std::string organisation_role;
  // The staff pages this person's roles open, (path, title message key): the header's staff
  // navigation. Empty for everyone without a role.
  std::vector<std::pair<std::string, std::string>> staff_links;
};

struct Request {
  // From the wire
  Method method = Method::other;
  std::string method_name;
  std::string target;  // as received: path and query
  Headers headers;
  std::string body;
  std::string remote_address;
  bool tls = false;

  // Decoded before the handler runs (http/request_decoding.cpp)
  std::string path;  // percent-decoded
  std::vector<std::string> segments;
  Params query;
  Params cookies;
  Params form;  // application/x-www-form-urlencoded or the text fields of multipart/form-data
  std::vector<UploadedFile> files;

  // Set by routing and middleware
  Params path_params;
  std::string route_pattern = "unmatched";
  RouteKind route_kind = RouteKind::page;
  std::string request_id;
  std::string lang = "en";
  std::string csrf_token;
  // The session's own secret (its cookie's value), set by the session layer when the request
  // belongs to a live session: the CSRF token is then derived from it, so it is bound to the
  // session (empty: anonymous, double-submit cookie).
  std::string csrf_binding;
  std::optional<Principal> principal;
  bool secure = false;  // served over https, directly or behind the configured public https URL
  // An error found before the handler could run (bad target, body too large, ...).
  std::optional<Error> early_error;
  std::string allowed_methods;  // for a 405 answer's Allow header
  // Set while the request is handled on a network thread (a shed 503, a route marked
  // on_network_thread): layers that would block, such as the session lookup, leave themselves out.
  bool on_network_thread = false;

  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
};

struct Cookie {
  std::string name;
  std::string value;
  std::string path = "/";
  std::optional<std::int64_t> max_age_seconds;
  bool http_only = true;
  bool secure = false;
  std::string same_site = "Lax";
};

// A body too large to hold at once (an export of a million cases): written chunk by chunk, each
// produced on the worker pool (it may read the database) just before it is sent, so memory holds
// one chunk per connection whatever the size. `length` is sent as Content-Length; `next` gives
// the following chunk, an empty string at the end, or an error, after which the connection is
// closed (the length promised cannot be kept; the client sees a cut transfer, never a wrong file).
struct BodyStream {
  std::uint64_t length = 0;
  std::function<Result<std::string>()> next;
};

// A body without end: Server-Sent Events (display boards, live ticket pages). `first` goes right
// after the head; then each text the source pushes, as it comes, and a comment line every
// `heartbeat` so proxies and the client keep an idle stream open. The server calls `subscribe`
// once, on the connection's network thread; the source may push from any thread (texts are
// shared, so one event for thousands of screens is one string) and stops when the object
// `subscribe` returned is destroyed (the client went away, or the server stops). A client that
// lets more than `max_pending` texts pile up is disconnected; its EventSource reconnects with
// Last-Event-ID.
struct EventStream {
  std::string first;
  using Push = std::function<void(std::shared_ptr<const std::string>)>;
  std::function<std::shared_ptr<void>(Push)> subscribe;
  std::chrono::seconds heartbeat{15};
  std::size_t max_pending = 256;
};

class LaterResponse;

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // Large immutable bodies (static assets) are shared instead of copied; used when set.
  std::shared_ptr<const std::string> shared_body;
  // Used when set, instead of both: see BodyStream.
  std::shared_ptr<BodyStream> stream;
  // Used when set, instead of all three: see EventStream. No Content-Length; the connection ends
  // with the stream.
  std::shared_ptr<EventStream> events;
  // Set when the answer is known only later (see LaterResponse); this response then carries only
  // what the layers add (headers), and the settled one is sent.
  std::shared_ptr<LaterResponse> later;
  bool close_connection = false;
  // Why a 5xx happened (the error's code and internal message), for the error log only; never
  // sent to the client.
  std::string failure_cause;

  std::size_t body_size() const {
    if (stream) return static_cast<std::size_t>(stream->length);
    return shared_body ? shared_body->size() : body.size();
  }
  static Response html(std::string body, int status = 200);
  static Response text(std::string body, int status = 200);
  static Response json(std::string body, int status = 200);
  static Response redirect(std::string location, int status = 303);
  void set_cookie(const Cookie& cookie);
};

// A response settled later, by another thread: a handler whose answer waits for work it shares
// with other requests (a journal commit many exchanges share) returns at once with
// Response::later set, freeing its worker for the next request, and the server writes nothing
// until the handler's work settles it. What is sent is the settled response, plus the headers the
// layers put on the returned one (request id, security headers) where the settled one has no
// field of that name. The work must settle it in every case, failures included (a 503 is a
// settlement); the server waits for it without a deadline of its own.
class LaterResponse {
 public:
  LaterResponse();
  ~LaterResponse();
  LaterResponse(const LaterResponse&) = delete;
  LaterResponse& operator=(const LaterResponse&) = delete;

  // From any thread, once: runs the layers' hooks on `response`, then wakes whoever waits.
  void settle(Response response);
  // For layers that report the outcome (observe): `hook` sees, and may amend, the settled response
  // before it is sent; at once when it already is settled.
  void on_settle(std::function<void(Response&)> hook);
  // For the server: `wake` is called once, when settled (at once when it already is), on the
  // settling thread; the server then takes the response.
  void when_settled(std::function<void()> wake);
  // The settled response with the layers' headers of `returned` (the response the handler and the
  // layers returned): once settled, once.
  Response take(const Response& returned);
  // Blocks until settled, then take(): for tests and callers without a server.
  Response wait(const Response& returned);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// What the server sends for a handler's response: itself, or, when it is to be settled later, the
// settled one (blocking until then). For tests and callers that run the chain without a server.
Response settled(Response response);

}  // namespace guichet::http
