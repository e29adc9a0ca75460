#include <string>

#include "guichet/http/request.hpp"

namespace guichet::http {

Response Response::html(std::string body, int status) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/html; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Response Response::text(std::string body, int status) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Response Response::json(std::string body, int status) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Response Response::redirect(std::string location, int status) {
  Response r;
  r.status = status;
  r.headers.set("Location", std::move(location));
  return r;
}

void Response::set_cookie(const Cookie& cookie) {
  std::string value = cookie.name + "=" + cookie.value + "; Path=" + cookie.path;
  if (cookie.max_age_seconds) value += "; Max-Age=" + std::to_string(*cookie.max_age_seconds);
  if (cookie.http_only) value += "; HttpOnly";
  if (cookie.secure) value += "; Secure";
  if (!cookie.same_site.empty()) value += "; SameSite=" + cookie.same_site;
  headers.add("Set-Cookie", std::move(value));
}

}  // namespace guichet::http
