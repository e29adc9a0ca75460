#pragma once
// The guard of every staff page (identity verifiers, administrators, agents): signed in first,
// then the roles the page needs (403 otherwise), then a session that proved a second factor (the
// code page, or enrolment for someone without one, coming back to `return_path`).
#include <functional>
#include <string_view>
#include <variant>
#include <vector>

#include "guichet/http/pages.hpp"
#include "guichet/http/request.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::identity {

// The person's roles when they may go on, or the response to send.
std::variant<std::vector<RoleGrant>, http::Response> require_staff(
    storage::Database& db, const http::PageRenderer& pages, const http::Request& request, std::string_view return_path,
    const std::function<bool(const std::vector<RoleGrant>&)>& allowed, std::string_view refusal);

}  // namespace guichet::identity
