#pragma once
// Helpers shared by the identity module's page handlers (web.cpp, second_factor_web.cpp).
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "guichet/http/request.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/web.hpp"

namespace guichet::identity {

http::Cookie session_cookie(const http::Request& request, std::string value, std::int64_t max_age);
http::Response redirect_to_sign_in();
// Replaces "{link}" in a message with `link`.
std::string fill(const std::string& text, std::string_view link);
// A short page with a heading, a sentence and one link, in the request's language.
http::Response message_page(const WebContext& ctx, const http::Request& request, std::string_view title_key,
                            std::string_view text_key, std::string_view link, std::string_view link_key,
                            int status = 200);
// An e-mail telling the person of a change to their account's security, in their language.
jobs::EmailMessage security_notice(const WebContext& ctx, const std::string& lang, const std::string& to,
                                   std::string_view body_key);

// Widens the page's form-action policy to the relying party a sign-in returns to, if any.
void allow_form_targets(const WebContext& ctx, http::Response& response, std::string_view return_path);

// Guards a staff page: sign-in first, then `allowed(roles)` (403 otherwise), then a session that
// proved a second factor (the code page, or enrolment for someone without one, returning to
// `return_path`). The person's roles when they may go on, or the response to send.
std::variant<std::vector<RoleGrant>, http::Response> require_staff(
    const WebContext& ctx, const http::Request& request, std::string_view return_path,
    const std::function<bool(const std::vector<RoleGrant>&)>& allowed, std::string_view refusal);

void register_second_factor_routes(http::Router& router, const WebContext& context);
void register_verification_routes(http::Router& router, const WebContext& context);
void register_organisation_routes(http::Router& router, const WebContext& context);
void register_admin_routes(http::Router& router, const WebContext& context);

}  // namespace guichet::identity
