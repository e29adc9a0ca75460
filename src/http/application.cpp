#include "guichet/http/application.hpp"

#include <boost/json.hpp>

#include "guichet/http/errors.hpp"
#include "guichet/http/parsing.hpp"

namespace guichet::http {

int http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input:
      return 400;
    case ErrorKind::unauthenticated:
      return 401;
    case ErrorKind::forbidden:
      return 403;
    case ErrorKind::not_found:
      return 404;
    case ErrorKind::method_not_allowed:
      return 405;
    case ErrorKind::timeout:
      return 408;
    case ErrorKind::conflict:
      return 409;
    case ErrorKind::unprocessable:
      return 422;
    case ErrorKind::payload_too_large:
      return 413;
    case ErrorKind::unsupported_media_type:
      return 415;
    case ErrorKind::rate_limited:
      return 429;
    case ErrorKind::headers_too_large:
      return 431;
    case ErrorKind::not_implemented:
      return 501;
    case ErrorKind::unavailable:
      return 503;
    case ErrorKind::internal:
      return 500;
  }
  return 500;
}

std::string public_message(const Error& error) {
  if (error.kind == ErrorKind::internal) return "an unexpected error occurred";
  if (error.kind == ErrorKind::unavailable) return "the service is temporarily unavailable";
  return error.message;
}

void describe_failure(Response& response, const Error& error) {
  if (response.status == 503 && !response.headers.has("Retry-After")) {
    response.headers.set("Retry-After", std::string(kRetryAfterSeconds));
  }
  if (response.status >= 500) response.failure_cause = std::string(error.code.name()) + ": " + error.message;
}

Response json_error(const Request& request, const Error& error) {
  boost::json::object body;
  body["error"] = error.kind == ErrorKind::internal ? std::string_view("internal") : error.code.name();
  body["message"] = public_message(error);
  // The member or parameter at fault, so a client can point at it without reading the message.
  if (!error.field.empty() && error.kind != ErrorKind::internal) body["field"] = error.field;
  if (!request.request_id.empty()) body["request_id"] = request.request_id;
  Response response = Response::json(boost::json::serialize(body), http_status(error.kind));
  describe_failure(response, error);
  return response;
}

namespace {
Handler compose(const std::vector<Middleware>& chain, const Route& route, Handler handler) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) handler = (*it)(route, std::move(handler));
  return handler;
}

Route make_error_route(RouteKind kind, ErrorRenderer page_errors) {
  Route route{Method::get, "unmatched", {}, RouteOptions{kind, 0, false, false}, {}};
  route.handler = [kind, page_errors = std::move(page_errors)](Request& request) {
    Error error = request.early_error.value_or(make_error(Errc::not_found, "no page at this address"));
    Response response =
        (kind == RouteKind::api || !page_errors) ? json_error(request, error) : page_errors(request, error);
    if (error.kind == ErrorKind::method_not_allowed) response.headers.set("Allow", request.allowed_methods);
    // After a read failure the connection's framing is unknown: close it.
    if (error.kind == ErrorKind::headers_too_large || error.kind == ErrorKind::payload_too_large ||
        error.kind == ErrorKind::timeout || error.code == Errc::bad_request || error.code == Errc::truncated) {
      response.close_connection = true;
    }
    return response;
  };
  return route;
}
}  // namespace

Application::Application(Router router, const std::vector<Middleware>& chain, const ErrorRenderer& page_errors)
    : router_(std::move(router)),
      page_error_route_(make_error_route(RouteKind::page, page_errors)),
      api_error_route_(make_error_route(RouteKind::api, page_errors)) {
  for (Route& route : router_.routes()) route.handler = compose(chain, route, std::move(route.handler));
  page_error_route_.handler = compose(chain, page_error_route_, std::move(page_error_route_.handler));
  api_error_route_.handler = compose(chain, api_error_route_, std::move(api_error_route_.handler));
}

const Route& Application::error_route_for(const Request& request) const {
  if (request.route_kind == RouteKind::api || request.path.starts_with("/api/") ||
      request.target.starts_with("/api/")) {
    return api_error_route_;
  }
  return page_error_route_;
}

Application::Dispatch Application::route(Request& request) const {
  // Only the target and cookies here; the body is decoded once it has been read.
  if (auto url = decode_target(request); !url) {
    request.early_error = std::move(url).error();
    return {&error_route_for(request), 0};
  }
  decode_cookies(request);

  RouteMatch match = router_.match(request.method, request.method_name, request.segments, request.path);
  switch (match.outcome) {
    case RouteMatch::Outcome::found:
      request.path_params = std::move(match.path_params);
      request.route_pattern = match.route->pattern;
      request.route_kind = match.route->options.kind;
      return {match.route, match.route->options.max_body_bytes, match.route->options.on_network_thread};
    case RouteMatch::Outcome::method_not_allowed:
      request.allowed_methods = match.allow;
      request.early_error =
          make_error(Errc::method_not_allowed, "this address does not accept that method; allowed: " + match.allow);
      break;
    case RouteMatch::Outcome::not_implemented:
      request.early_error =
          make_error(Errc::not_implemented, "the method " + request.method_name + " is not supported");
      break;
    case RouteMatch::Outcome::not_found:
      request.early_error = make_error(Errc::not_found, "no page at this address");
      break;
  }
  return {&error_route_for(request), 0};
}

Response Application::handle(Request& request, const Dispatch& dispatch) const {
  const Route* route = dispatch.route;
  if (!request.early_error && !request.body.empty()) {
    if (auto decoded = decode_body(request); !decoded) {
      request.early_error = std::move(decoded).error();
      route = &error_route_for(request);
    }
  }
  return route->handler(request);
}

Response Application::fail(Request& request, Error error) const {
  request.early_error = std::move(error);
  return error_route_for(request).handler(request);
}

}  // namespace guichet::http
