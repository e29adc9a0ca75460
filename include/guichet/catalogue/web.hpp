#pragma once
// The catalogue's JSON API: GET /api/v1/services and GET /api/v1/shops (see docs/openapi.yaml).
#include "guichet/http/router.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::catalogue {

// `db` must outlive the router.
void register_api_routes(http::Router& router, storage::Database& db);

}  // namespace guichet::catalogue
