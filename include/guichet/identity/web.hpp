#pragma once
// The identity module's pages: sign-in, sign-out and the account page, and the middleware that
// turns a session cookie into Request::principal.
#include <functional>

#include "guichet/core/clock.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/router.hpp"
#include "guichet/identity/account.hpp"
#include "guichet/identity/limits.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::identity {

struct WebContext {
  storage::Database& db;
  const Clock& clock;
  const http::PageRenderer& pages;
  const http::Catalog& catalog;
  SessionPolicy policy;
  std::string public_url;  // links in e-mails start with it
  // Origins outside Guichet that a sign-in returning to `return_path` may end at (a relying
  // party's redirect URI), for the pages' form-action policy; empty when none.
  std::function<std::string(std::string_view return_path)> form_targets;
  // The parts of the person's data export that other modules hold (see export_personal_data).
  PersonalDataSections personal_data;
  // How many registrations, reset requests and address changes a client, an account or an inbox
  // gets an hour (limits.hpp).
  MailLimits mail_limits;
  // Seals TOTP secrets at rest (the node's --secrets-key-file); null without one.
  const SecretKey* secrets = nullptr;
};

std::string_view session_cookie_name(bool secure);

// On page routes: a valid session cookie sets Request::principal; a stale one is cleared.
http::Middleware session_middleware(const WebContext& context);

// GET/POST /account/register, GET /account/register/sent, GET /account/verify,
// GET/POST /account/sign-in, POST /account/sign-out, GET /account,
// POST /account/sessions/{id}/end. `context` must outlive the router.
void register_routes(http::Router& router, const WebContext& context);

}  // namespace guichet::identity
