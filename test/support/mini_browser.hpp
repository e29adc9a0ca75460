#pragma once
// A browser in miniature for HTTP tests that go through the whole application (router,
// middleware, templates, database) without sockets: it keeps cookies between requests and sends
// the CSRF token with forms. Also reads the e-mails queued in the outbox.
#include <map>
#include <string>
#include <vector>

#include "guichet/http/application.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::testing {

std::string form_encode(const std::map<std::string, std::string>& fields);

class Browser {
 public:
  explicit Browser(const http::Application& app) : app_(app) {}
  http::Response get(const std::string& target, const std::map<std::string, std::string>& headers = {}) {
    return send(http::Method::get, target, "", headers);
  }
  http::Response post(const std::string& target, std::map<std::string, std::string> fields, bool with_token = true);
  // A request with any method, body and headers (for JSON and token endpoints).
  http::Response send(http::Method method, const std::string& target, const std::string& body,
                      const std::map<std::string, std::string>& headers = {});
  // The token a page would carry in its forms: derived from the session once signed in, else the
  // anonymous double-submit cookie.
  std::string csrf_token() const;
  std::map<std::string, std::string> cookies_;
  std::string remote_address = "192.0.2.7";  // the client's address as the server sees it

 private:
  const http::Application& app_;
};

// E-mails waiting in the outbox, oldest first.
std::vector<jobs::EmailMessage> queued_mail(storage::Database& db);
// The path and query of the first http://guichet.test link in a text.
std::string link_in(const std::string& text);

}  // namespace guichet::testing
