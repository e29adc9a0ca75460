#pragma once
// Helpers shared by the identity module's page handlers (web.cpp and the *_web.cpp files).
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "guichet/http/request.hpp"
#include "guichet/http/router.hpp"
#include "guichet/identity/account.hpp"
#include "guichet/identity/limits.hpp"
#include "guichet/identity/registration.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/web.hpp"

namespace guichet::identity {

http::Cookie session_cookie(const http::Request& request, std::string value, std::int64_t max_age);
// The device cookie a successful sign-in sets (sessions.hpp, throttle.hpp), sent back to the
// sign-in form only.
inline constexpr std::string_view kDeviceCookie = "guichet_device";
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

inline constexpr std::size_t kAccountFormLimit = 8 * 1024;
// A form of ours: CSRF-checked, 8 KiB at most.
inline const http::RouteOptions kAccountForm{http::RouteKind::page, kAccountFormLimit, true};

std::string when(Instant instant);
std::string_view level_key(std::string_view level);
http::Response sign_in_page(const WebContext& ctx, const http::Request& request, std::string_view email,
                            std::string_view error_key, int status);
RegistrationMail mail_in(const WebContext& ctx, const std::string& lang);
EmailChangeMail email_change_mail_in(const WebContext& ctx, const std::string& lang);
ResetMail reset_mail_in(const WebContext& ctx, const std::string& lang);
// The text a form shows next to what was typed (the code's message key), or empty.
std::string_view registration_error_key(const Error& error);
// Where a person registering was going (`return` in the address or the form, a local path), or
// empty for the account page.
std::string registration_return(const http::Request& request);
http::Response register_page(const WebContext& ctx, const http::Request& request, std::string_view email,
                             std::string_view error_key, int status);

// Counts an act that sends mail or hashes a password against its allowances (limits.hpp): nullopt
// to go ahead, else the 429 page to answer — `page` re-shown with `limited_too_often` and
// Retry-After — or an error page when the count could not be kept.
std::optional<http::Response> refused_by_limits(
    const WebContext& ctx, const http::Request& request, const std::vector<Allowance>& allowances,
    const std::function<http::Response(std::string_view error_key, int status)>& page);

// One register function per capability, each in its own file.
void register_registration_routes(http::Router& router, const WebContext& context);  // registration_web.cpp
void register_recovery_routes(http::Router& router, const WebContext& context);      // recovery_web.cpp
void register_sign_in_routes(http::Router& router, const WebContext& context);       // sign_in_web.cpp
void register_account_routes(http::Router& router, const WebContext& context);       // account_web.cpp
void register_second_factor_routes(http::Router& router, const WebContext& context);
void register_verification_routes(http::Router& router, const WebContext& context);
void register_organisation_routes(http::Router& router, const WebContext& context);
void register_admin_routes(http::Router& router, const WebContext& context);

}  // namespace guichet::identity
