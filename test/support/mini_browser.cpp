#include "support/mini_browser.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <optional>

#include "guichet/core/deadline.hpp"
#include "guichet/http/middleware.hpp"
#include "guichet/jobs/outbox.hpp"

namespace guichet::testing {
using http::Request;
using http::Response;

std::string form_encode(const std::map<std::string, std::string>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += k + '=';
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        out += static_cast<char>(c);
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        out += hex;
      }
    }
  }
  return out;
}

std::string Browser::csrf_token() const {
  if (auto session = cookies_.find("guichet_session"); session != cookies_.end() && !session->second.empty()) {
    return http::session_csrf_token(session->second);
  }
  auto anonymous = cookies_.find("guichet_csrf");
  return anonymous == cookies_.end() ? std::string() : anonymous->second;
}

Response Browser::post(const std::string& target, std::map<std::string, std::string> fields, bool with_token) {
  if (with_token) fields["csrf_token"] = csrf_token();
  return send(http::Method::post, target, form_encode(fields), {{"Content-Type", "application/x-www-form-urlencoded"}});
}

Response Browser::send(http::Method method, const std::string& target, const std::string& body,
                       const std::map<std::string, std::string>& headers) {
  Request r;
  r.method = method;
  r.method_name = std::string(http::to_string(method));
  r.target = target;
  r.remote_address = remote_address;
  if (!headers.contains("User-Agent")) r.headers.add("User-Agent", "TestBrowser/1.0");
  for (const auto& [name, value] : headers) r.headers.add(name, value);
  std::string cookie_header;
  for (const auto& [k, v] : cookies_) cookie_header += k + "=" + v + "; ";
  if (!cookie_header.empty()) r.headers.add("Cookie", cookie_header);
  r.body = body;
  auto dispatch = app_.route(r);
  // As the server does: a route marked on_network_thread runs under the network thread's rules,
  // so a test fails when such a handler would write or wait.
  std::optional<NetworkThreadScope> network_thread;
  if (dispatch.on_network_thread) {
    r.on_network_thread = true;
    network_thread.emplace();
  }
  // A response settled later (Response::later) is waited for, as the server does.
  Response response = http::settled(app_.handle(r, dispatch));
  // A streamed body is read to its end, as a client would, and checked against its length.
  if (response.stream) {
    for (;;) {
      auto chunk = response.stream->next();
      if (!chunk) {
        response.status = 599;  // a cut transfer: no status a server sends
        break;
      }
      if (chunk->empty()) break;
      response.body += *chunk;
    }
    if (response.body.size() != response.stream->length) response.status = 599;
    response.stream.reset();
  }
  if (response.shared_body && response.body.empty()) response.body = *response.shared_body;
  for (const auto& [name, value] : response.headers.fields()) {
    if (!http::iequals(name, "Set-Cookie")) continue;
    auto eq = value.find('=');
    auto semicolon = value.find(';');
    std::string cookie_name = value.substr(0, eq);
    std::string cookie_value = value.substr(eq + 1, semicolon - eq - 1);
    if (value.find("Max-Age=0") != std::string::npos) {
      cookies_.erase(cookie_name);
    } else {
      cookies_[cookie_name] = cookie_value;
    }
  }
  return response;
}

std::vector<jobs::EmailMessage> queued_mail(storage::Database& db) {
  std::vector<jobs::EmailMessage> out;
  auto queued = jobs::list_jobs(db, std::nullopt, 100);
  EXPECT_TRUE(queued.ok());
  for (const auto& job : *queued) {
    if (job.kind != jobs::kEmailJobKind) continue;
    auto message = jobs::email_from_json(job.payload);
    EXPECT_TRUE(message.ok());
    out.push_back(*message);
  }
  return out;
}

std::string link_in(const std::string& text) {
  auto start = text.find("http://guichet.test");
  if (start == std::string::npos) return {};
  auto end = text.find_first_of(" \r\n", start);
  return text.substr(start + std::string("http://guichet.test").size(),
                     end - start - std::string("http://guichet.test").size());
}

}  // namespace guichet::testing
