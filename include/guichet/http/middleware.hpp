#pragma once
// The standard layers every Guichet server composes, outermost first:
// request_context, observe, security_headers, recover, (i18n) language, csrf.
#include <functional>
#include <string>
#include <string_view>

#include "guichet/http/application.hpp"
#include "guichet/http/metrics.hpp"

namespace guichet::http {

struct RequestContextOptions {
  bool public_url_is_https = false;  // behind a TLS-terminating proxy
  // Behind a reverse proxy every connection comes from the proxy: take the client address from the
  // last X-Forwarded-For entry, the one the proxy itself appended. Off by default, because a client
  // talking to Guichet directly could otherwise choose its own address.
  bool trust_forwarded_for = false;
};
// Request id (kept from a well-formed X-Request-Id, else generated) and whether the request is
// secure, so cookies get the Secure attribute and responses HSTS.
Middleware request_context(RequestContextOptions options);

using LogSink = std::function<void(std::string_view json_line)>;
// Counts and times every request, and writes one JSON line per request to `access_log`
// (null for none). Every 5xx also goes to `error_log` with its request id, route and cause, and
// every 503 leaves with Retry-After, whichever code made it.
Middleware observe(Metrics& metrics, LogSink access_log, LogSink error_log = {});

// Content-Security-Policy without 'unsafe-inline', nosniff, Referrer-Policy, frame-ancestors
// 'none', and HSTS on secure requests.
Middleware security_headers();
// The Content-Security-Policy every page gets. Browsers apply form-action to the redirects that
// follow a form's submission, so a page whose form ends at another site (a sign-in that returns
// to a relying party) names those origins in `form_targets` (space-separated).
std::string content_security_policy(std::string_view form_targets = "");

// Turns an exception escaping a handler into a 500 with the request id; the detail is logged.
Middleware recover(ErrorRenderer page_errors, LogSink error_log);

// CSRF protection for page routes. Anonymous requests use a double-submit token: a random token
// in an HttpOnly SameSite cookie must come back in the form field `csrf_token` (or the
// X-CSRF-Token header) of every unsafe request. Once a session exists (Request::csrf_binding, set
// by the session layer), the token is derived from the session's secret instead
// (session_csrf_token), so a token planted in the CSRF cookie (by a sibling subdomain, say) or
// taken from another session is worth nothing, and signing in changes it. The token is on
// Request::csrf_token for templates. Besides the token, an unsafe request whose browser says it
// comes from another site is refused: `Sec-Fetch-Site: cross-site`, or an `Origin` that is neither
// `public_origin` (the public URL's scheme://host[:port]) nor this request's own Host. "null"
// decides nothing: browsers send it for a site's own forms on pages with Referrer-Policy:
// no-referrer.
Middleware csrf(ErrorRenderer page_errors, std::string public_origin = {});
std::string_view csrf_cookie_name(bool secure);
// HMAC-SHA-256 of a fixed label under the session's secret, base64url (43 characters): computed by
// whichever node serves the request, nothing stored. One-way, so a page showing it does not show
// the session.
std::string session_csrf_token(std::string_view session_secret);

}  // namespace guichet::http
