#pragma once
// The socket-free core of the HTTP server: routing, the middleware chain and error responses.
// http/server.cpp feeds it requests; tests call it directly, without sockets.
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "guichet/http/request.hpp"
#include "guichet/http/router.hpp"

namespace guichet::http {

// Builds one layer of the chain for one route, once at start-up. Returning `next` unchanged
// leaves the layer out of that route's chain (assets skip CSRF and language, for instance).
using Middleware = std::function<Handler(const Route& route, Handler next)>;

// Turns an error into a response for the kind of route (HTML page or JSON).
using ErrorRenderer = std::function<Response(Request& request, const Error& error)>;

// The one mapping from error kinds to HTTP status codes.
int http_status(ErrorKind kind);
// `{"error": code, "message": text, "request_id": id}`; internal details are never sent.
Response json_error(const Request& request, const Error& error);
// The message a person may see: the error's own message, or a generic one for internal errors.
std::string public_message(const Error& error);
// What every error response gets whatever its shape: Retry-After on a 503 (the cause is passing:
// a busy database, a full queue, a deadline), and the cause of a 5xx for the error log.
void describe_failure(Response& response, const Error& error);
inline constexpr std::string_view kRetryAfterSeconds = "5";

class Application {
 public:
  // `chain` is outermost first.
  Application(Router router, const std::vector<Middleware>& chain, const ErrorRenderer& page_errors);

  struct Dispatch {
    const Route* route = nullptr;  // the matched route, or the error route to run
    std::size_t max_body_bytes = 0;
    bool on_network_thread = false;  // RouteOptions::on_network_thread of the matched route
  };
  // Called once the headers are read: decodes the target and picks the route (or an error).
  Dispatch route(Request& request) const;
  // Called once the body is read: decodes it and runs the chain.
  Response handle(Request& request, const Dispatch& dispatch) const;
  // For failures found while reading (431, 413, 408, malformed HTTP): the response still goes
  // through the chain, so it carries a request id, security headers and an access-log line.
  Response fail(Request& request, Error error) const;

  const Router& router() const { return router_; }

 private:
  const Route& error_route_for(const Request& request) const;

  Router router_;
  Route page_error_route_;
  Route api_error_route_;
};

}  // namespace guichet::http
