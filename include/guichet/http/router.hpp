#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/http/request.hpp"

namespace guichet::http {

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  RouteKind kind = RouteKind::page;
  std::size_t max_body_bytes = 64 * 1024;
  // Bearer-token APIs and forms that must work across sites opt out; pages never do.
  bool csrf_protected = true;
  // Handlers run on the server's worker pool, so a database call or a password hash never stalls
  // the network threads. Only a handler that can never block may run on the network thread
  // instead: a probe that touches nothing, a static asset from memory, or a short read-only
  // handler (the bearer check of userinfo) when the database's reads never wait
  // (storage::Database::reads_never_wait, SQLite in WAL mode), reading through the thread's own
  // connection; there, a write or a PostgreSQL call is refused rather than waited for.
  bool on_network_thread = false;
};

struct Route {
  Method method;
  std::string pattern;  // "/api/v1/bookings/{reference}"
  std::vector<std::string> segments;
  RouteOptions options;
  Handler handler;  // the handler wrapped in the middleware chain, once, at start-up
};

struct RouteMatch {
  enum class Outcome { found, not_found, method_not_allowed, not_implemented } outcome = Outcome::not_found;
  const Route* route = nullptr;
  Params path_params;
  std::string allow;  // for 405
};

// Path parameters are whole segments written {name}. Literal segments win over parameters.
class Router {
 public:
  void add(Method method, std::string pattern, Handler handler, RouteOptions options = {});
  void get(std::string pattern, Handler handler, RouteOptions options = {}) {
    add(Method::get, std::move(pattern), std::move(handler), options);
  }
  void post(std::string pattern, Handler handler, RouteOptions options = {}) {
    add(Method::post, std::move(pattern), std::move(handler), options);
  }
  // Registers a prefix-matched GET route, for static assets: "/static/" matches everything under it.
  void get_prefix(std::string prefix, Handler handler, RouteOptions options = {});

  RouteMatch match(Method method, std::string_view method_name, const std::vector<std::string>& segments,
                   std::string_view path) const;
  std::vector<Route>& routes() { return routes_; }
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  std::vector<std::size_t> prefix_routes_;
};

}  // namespace guichet::http
