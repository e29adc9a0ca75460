#include "guichet/http/middleware.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>

#include <boost/json.hpp>
#include <chrono>
#include <exception>

#include "guichet/core/clock.hpp"
#include "guichet/core/digest.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/core/random.hpp"
#include "guichet/http/errors.hpp"
#include "guichet/http/headers.hpp"

namespace guichet::http {
namespace {
bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Response render_error(const ErrorRenderer& page_errors, Request& request, const Error& error) {
  if (request.route_kind == RouteKind::api || !page_errors) return json_error(request, error);
  return page_errors(request, error);
}

bool unsafe(Method method) {
  return method == Method::post || method == Method::put || method == Method::patch || method == Method::del;
}
}  // namespace

Middleware request_context(RequestContextOptions options) {
  return [options](const Route&, Handler next) -> Handler {
    return [options, next = std::move(next)](Request& request) {
      auto incoming = request.header("X-Request-Id");
      request.request_id = incoming && acceptable_request_id(*incoming) ? std::string(*incoming) : fast_unique_id();
      request.secure = request.tls || options.public_url_is_https;
      if (options.trust_forwarded_for) {
        if (auto forwarded = request.header("X-Forwarded-For")) {
          std::string_view last = *forwarded;
          if (auto comma = last.rfind(','); comma != std::string_view::npos) last = last.substr(comma + 1);
          while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
          while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
          bool plausible = !last.empty() && last.size() <= 45 &&
                           last.find_first_not_of("0123456789abcdefABCDEF.:") == std::string_view::npos;
          if (plausible) request.remote_address = std::string(last);
        }
      }
      Response response = next(request);
      response.headers.set("X-Request-Id", request.request_id);
      return response;
    };
  };
}

Middleware observe(Metrics& metrics, LogSink access_log, LogSink error_log) {
  return [&metrics, access_log = std::move(access_log), error_log = std::move(error_log)](const Route& route,
                                                                                          Handler next) -> Handler {
    Metrics::RouteSeries& series = metrics.route(route.pattern);
    return [&series, access_log, error_log, next = std::move(next)](Request& request) {
      auto started = std::chrono::steady_clock::now();
      Response response = next(request);
      // Counted and logged once its outcome is known: now, or when a later response settles.
      auto report = [&series, access_log, error_log, started](const Request& seen, Response& outcome) {
        auto elapsed =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
        Metrics::observe(series, outcome.status, elapsed);
        if (outcome.status == 503 && !outcome.headers.has("Retry-After")) {
          outcome.headers.set("Retry-After", std::string(kRetryAfterSeconds));
        }
        if (outcome.status >= 500 && error_log) {
          boost::json::object line{{"time", format_rfc3339(SystemClock().now())},
                                   {"level", "error"},
                                   {"event", "request_failed"},
                                   {"request_id", seen.request_id},
                                   {"method", seen.method_name},
                                   {"route", seen.route_pattern},
                                   {"status", outcome.status},
                                   {"cause", outcome.failure_cause.empty() ? "not recorded" : outcome.failure_cause}};
          error_log(boost::json::serialize(line));
        }
        if (access_log) {
          boost::json::object line;
          line["time"] = format_rfc3339(SystemClock().now());
          line["request_id"] = seen.request_id;
          line["remote"] = seen.remote_address;
          line["method"] = seen.method_name;
          line["path"] = seen.path;
          line["route"] = seen.route_pattern;
          line["status"] = outcome.status;
          line["bytes"] = outcome.body_size();
          line["duration_us"] = elapsed.count();
          access_log(boost::json::serialize(line));
        }
      };
      if (response.later) {
        // The request may be gone when it settles: what the lines name is copied.
        Request named;
        named.request_id = request.request_id;
        named.method_name = request.method_name;
        named.route_pattern = request.route_pattern;
        named.remote_address = request.remote_address;
        named.path = request.path;
        response.later->on_settle(
            [report, named = std::move(named)](Response& settled) mutable { report(named, settled); });
      } else {
        report(request, response);
      }
      return response;
    };
  };
}

Middleware security_headers() {
  // Built once: the same header fields go on every response.
  struct Field {
    const char* name;
    std::string value;
  };
  static const std::vector<Field> kFields{
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "strict-origin-when-cross-origin"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"},  // self: "use my location"
  };
  static const std::string kPolicy = content_security_policy();
  static const std::string kHsts = "max-age=31536000; includeSubDomains";
  return [](const Route&, Handler next) -> Handler {
    return [next = std::move(next)](Request& request) {
      Response response = next(request);
      auto& h = response.headers;
      // A handler may set a stricter value of its own (no referrer on a page whose address holds
      // a token, a policy for a page embedding a video frame); otherwise the defaults apply.
      if (!h.has("Content-Security-Policy")) h.add("Content-Security-Policy", kPolicy);
      for (const auto& field : kFields) {
        if (!h.has(field.name)) h.add(field.name, field.value);
      }
      if (request.secure) h.set("Strict-Transport-Security", kHsts);
      return response;
    };
  };
}

std::string content_security_policy(std::string_view form_targets) {
  std::string policy =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
      "object-src 'none'; base-uri 'none'; form-action 'self'";
  if (!form_targets.empty()) {
    policy += ' ';
    policy += form_targets;
  }
  policy += "; frame-ancestors 'none'";
  return policy;
}

Middleware recover(ErrorRenderer page_errors, LogSink error_log) {
  return
      [page_errors = std::move(page_errors), error_log = std::move(error_log)](const Route&, Handler next) -> Handler {
        return [page_errors, error_log, next = std::move(next)](Request& request) {
          std::string what;
          try {
            return next(request);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
            what = "unknown exception";
          }
          if (error_log) {
            boost::json::object line{{"event", "handler_exception"},
                                     {"request_id", request.request_id},
                                     {"route", request.route_pattern},
                                     {"error", what}};
            error_log(boost::json::serialize(line));
          }
          return render_error(page_errors, request, make_error(Errc::internal, what));
        };
      };
}

std::string_view csrf_cookie_name(bool secure) { return secure ? "__Host-guichet_csrf" : "guichet_csrf"; }

std::string session_csrf_token(std::string_view session_secret) {
  return base64url(hmac_sha256(session_secret, "guichet csrf token v1"));
}

namespace {
// Whether the browser says the request comes from a page of another site (the Origin it names is
// neither this site's public origin nor the host the request was sent to).
bool from_another_origin(const Request& request, std::string_view public_origin) {
  auto origin = request.header("Origin");
  // No Origin (older browsers), or "null": browsers send "null" for our own pages' forms too when
  // the page's Referrer-Policy is no-referrer (the pages whose address holds a token), so it says
  // nothing; Sec-Fetch-Site and the token decide.
  if (!origin || *origin == "null") return false;
  if (!public_origin.empty() && iequals(*origin, public_origin)) return false;
  auto parsed = boost::urls::parse_absolute_uri(*origin);
  if (!parsed || !parsed->has_authority()) return true;  // not an origin at all
  auto host = request.header("Host");
  return !host || !iequals(parsed->encoded_authority(), *host);
}
}  // namespace

Middleware csrf(ErrorRenderer page_errors, std::string public_origin) {
  return [page_errors = std::move(page_errors), public_origin = std::move(public_origin)](const Route& route,
                                                                                          Handler next) -> Handler {
    if (route.options.kind != RouteKind::page) return next;
    bool protect = route.options.csrf_protected;
    return [page_errors, protect, public_origin, next = std::move(next)](Request& request) {
      std::string_view name = csrf_cookie_name(request.secure);
      const bool bound = !request.csrf_binding.empty();
      auto cookie = request.cookies.get(name);
      // Anonymous without a well-formed cookie: a new token, set on the response.
      const bool fresh = !bound && (!cookie || cookie->size() != 43);
      if (bound) {
        request.csrf_token = session_csrf_token(request.csrf_binding);
      } else {
        request.csrf_token = fresh ? random_token(32) : std::string(*cookie);
      }
      if (protect && unsafe(request.method)) {
        auto sent = request.form.get("csrf_token");
        if (!sent) sent = request.header("X-CSRF-Token");
        auto site = request.header("Sec-Fetch-Site");
        bool cross_site = (site && *site == "cross-site") || from_another_origin(request, public_origin);
        if (fresh || !sent || cross_site || !secure_equals(*sent, request.csrf_token)) {
          Response refused = render_error(
              page_errors, request,
              make_error(Errc::csrf_failed,
                         "this form has expired or was not sent from this site; reload the page and try again"));
          if (fresh)
            refused.set_cookie(
                Cookie{std::string(name), request.csrf_token, "/", std::nullopt, true, request.secure, "Lax"});
          return refused;
        }
      }
      Response response = next(request);
      if (fresh)
        response.set_cookie(
            Cookie{std::string(name), request.csrf_token, "/", std::nullopt, true, request.secure, "Lax"});
      return response;
    };
  };
}

}  // namespace guichet::http
