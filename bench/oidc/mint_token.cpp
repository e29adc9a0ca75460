// Prepares a database for bench/http/bearer_bench.sh: migrates it, adds one account and one
// client, and runs the authorization code grant through the library (as the token endpoint does),
// then prints `client_id client_secret access_token` on one line. Not a product tool: a
// benchmark needs a live token without a browser.
#include <iostream>

#include "guichet/core/clock.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/oidc/clients.hpp"
#include "guichet/oidc/grants.hpp"
#include "guichet/oidc/jose.hpp"
#include "guichet/oidc/keys.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/migrations.hpp"

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
  identity::NewUser ana;
  ana.email = "ana@example.org";
  ana.password = "correct horse battery";
  ana.email_verified = true;
  auto user = identity::create_user(**db, ana, clock);
  if (!user) return fail(user.error());
  oidc::NewClient wanted;
  wanted.name = "Bench";
  wanted.redirect_uris = {"https://rp.example/cb"};
  auto client = oidc::add_client(**db, wanted, clock);
  if (!client) return fail(client.error());
  auto session = identity::sign_in(**db, "ana@example.org", "correct horse battery", "bench", "192.0.2.1", clock);
  if (!session) return fail(session.error());
  const std::string verifier(43, 'v');
  oidc::CodeRequest request{client->client.client_id,
                            user->id,
                            session->session.session_id,
                            "https://rp.example/cb",
                            {"openid", "email"},
                            "n",
                            base64url(oidc::sha256_bytes(verifier)),
                            oidc::GrantAuthentication{"low", {"pwd"}, clock.now()}};
  auto code = oidc::issue_code(**db, request, clock);
  if (!code) return fail(code.error());
  oidc::KeyStore keys(**db, clock);
  oidc::Issuer issuer{"http://127.0.0.1", keys, clock, {}};
  auto tokens = oidc::redeem_code(**db, issuer, client->client, *code, "https://rp.example/cb", verifier);
  if (!tokens) return fail(tokens.error());
  std::cout << client->client.client_id << " " << client->secret.value_or("") << " " << tokens->access_token << "\n";
  return 0;
}
