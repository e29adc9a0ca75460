#pragma once
// A live OpenID Connect access token without a browser: one account, one client, a session and
// the authorization code grant run through the library as the token endpoint runs it. For tests
// and for bench/http/bearer_bench.sh (build/bench/mint_token); the database must be migrated.
#include <string>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::testing {

struct LiveToken {
  std::string client_id;
  std::string client_secret;
  std::string access_token;  // scopes openid and email, for ana@example.org
};

Result<LiveToken> mint_live_token(storage::Database& db, const Clock& clock);

}  // namespace guichet::testing
