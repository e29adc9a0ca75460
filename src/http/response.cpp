#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

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

struct LaterResponse::State {
  std::mutex mutex;
  std::condition_variable settled_cv;
  std::optional<Response> response;
  bool taken = false;
  std::vector<std::function<void(Response&)>> hooks;
  std::function<void()> wake;
};

LaterResponse::LaterResponse() : state_(std::make_unique<State>()) {}
LaterResponse::~LaterResponse() = default;

void LaterResponse::settle(Response response) {
  std::function<void()> wake;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->response || state_->taken) return;  // settled once; a second settlement is ignored
    response.later.reset();
    // The hooks run under the lock: one registered now, on another thread, waits for them and
    // then sees the settled response (on_settle).
    for (auto& hook : state_->hooks) hook(response);
    state_->response = std::move(response);
    wake = std::move(state_->wake);
  }
  state_->settled_cv.notify_all();
  if (wake) wake();
}

void LaterResponse::on_settle(std::function<void(Response&)> hook) {
  std::lock_guard lock(state_->mutex);
  if (state_->response) {
    hook(*state_->response);
    return;
  }
  state_->hooks.push_back(std::move(hook));
}

void LaterResponse::when_settled(std::function<void()> wake) {
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->response) {
      state_->wake = std::move(wake);
      return;
    }
  }
  wake();
}

Response LaterResponse::take(const Response& returned) {
  Response response;
  {
    std::lock_guard lock(state_->mutex);
    response = std::move(*state_->response);
    state_->response.reset();
    state_->taken = true;
  }
  // Names the settled response sets are its own; every other field of the layers' is added (all of
  // a repeated one, such as Set-Cookie).
  const Headers own = response.headers;
  for (const auto& [name, value] : returned.headers.fields()) {
    if (!own.has(name)) response.headers.add(name, value);
  }
  response.close_connection = response.close_connection || returned.close_connection;
  return response;
}

Response LaterResponse::wait(const Response& returned) {
  {
    std::unique_lock lock(state_->mutex);
    state_->settled_cv.wait(lock, [this] { return state_->response.has_value(); });
  }
  return take(returned);
}

Response settled(Response response) {
  if (!response.later) return response;
  const std::shared_ptr<LaterResponse> later = response.later;
  return later->wait(response);
}

}  // namespace guichet::http
