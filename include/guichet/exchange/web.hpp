#pragma once
// The exchange module on the web. A node's endpoints (every node, the portal included):
// POST /exchange/v1/query (a signed request in, a signed answer out), GET /exchange/v1/keys (the
// node's signed key set), GET /exchange/v1/journal/head (its journal's signed head). And the
// person's own journal: GET /account/data (who read their data, when, what, why, under which
// legal basis, with what outcome), /account/data/accesses.csv and .json, and GET
// /api/v1/account/data-access (bearer token with the `account` scope).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "guichet/exchange/exchange.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/router.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::exchange {

using BearerCheck = std::function<std::variant<std::int64_t, http::Response>(const http::Request&, std::string_view)>;

struct ExchangeWebContext {
  Node* node = nullptr;  // null where this process does not exchange (no secrets key): 503
  storage::Database& db;
  const http::PageRenderer* pages = nullptr;
  const http::Catalog* catalog = nullptr;
  BearerCheck bearer;
  std::string time_zone = "Europe/Lisbon";
  const Clock* clock = nullptr;  // for the person's acts (declining a benefit) and registries' reports
};

void register_node_routes(http::Router& router, const ExchangeWebContext& context);
void register_data_access_routes(http::Router& router, const ExchangeWebContext& context);
// The auditors' view of the journal, GET /admin/exchange/journal (filters: person, peer, outcome;
// pages with `before`): a platform administrator sees every entry, an administration's
// administrator the exchanges made for their administration's services. Staff guard: role, then
// a second factor.
void register_audit_routes(http::Router& router, const ExchangeWebContext& context);
// The person's benefits granted from shared data, with the values that decided and a way to
// decline each: GET /account/benefits, POST /account/benefits/{code}/decline.
void register_benefit_routes(http::Router& router, const ExchangeWebContext& context);
// The administrators' benefits, /admin/benefits: each of their administrations' benefits with its
// rule, state and last dry run; POST /admin/benefits defines one (JSON), POST
// /admin/benefits/{code}/dry-run queues a dry run, /enable (after a dry run of that definition)
// and /disable. Staff guard as the journal's.
void register_benefit_admin_routes(http::Router& router, const ExchangeWebContext& context);

}  // namespace guichet::exchange
