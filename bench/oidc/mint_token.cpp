// Prepares a database for bench/http/bearer_bench.sh: migrates it and mints a live access token
// (test/support/live_token.hpp), then prints `client_id client_secret access_token` on one line.
// Not a product tool: a benchmark needs a live token without a browser.
#include <iostream>

#include "guichet/core/clock.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/live_token.hpp"

int main(int argc, char** argv) {
  using namespace guichet;
  if (argc != 2) {
    std::cerr << "usage: mint_token DATABASE_URL\n";
    return 2;
  }
  SystemClock clock;
  auto db = storage::open_database(argv[1]);
  if (!db) {
    std::cerr << db.error().message << "\n";
    return 1;
  }
  auto fail = [](const Error& error) {
    std::cerr << error.code << ": " << error.message << "\n";
    return 1;
  };
  if (auto migrated = storage::apply_migrations(**db, storage::builtin_migrations(), clock); !migrated) {
    return fail(migrated.error());
  }
  auto token = testing::mint_live_token(**db, clock);
  if (!token) return fail(token.error());
  std::cout << token->client_id << " " << token->client_secret << " " << token->access_token << "\n";
  return 0;
}
