#pragma once
// The catalogue's JSON API: GET /api/v1/services and GET /api/v1/shops (see docs/openapi.yaml).
#include "guichet/core/clock.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/router.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::catalogue {

// `db` must outlive the router.
void register_api_routes(http::Router& router, storage::Database& db);

// The public pages: /services (search with filters), /services/{code}, /shops (by postcode or
// town, nearest first) and /shops/{code}. The references must outlive the router.
void register_page_routes(http::Router& router, storage::Database& db, const http::PageRenderer& pages,
                          const http::Catalog& catalog, const Clock& clock);

// /admin/catalogue: platform administrators import a catalogue document (the format of
// docs/CATALOGUE.md, checked whole before anything is written) and download the current one;
// administration administrators download it. Staff pages: role, then a second factor.
void register_admin_routes(http::Router& router, storage::Database& db, const http::PageRenderer& pages,
                           const http::Catalog& catalog, const Clock& clock);

}  // namespace guichet::catalogue
