#include "support/live_token.hpp"

#include "guichet/core/digest.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/oidc/clients.hpp"
#include "guichet/oidc/grants.hpp"
#include "guichet/oidc/jose.hpp"
#include "guichet/oidc/keys.hpp"

namespace guichet::testing {

Result<LiveToken> mint_live_token(storage::Database& db, const Clock& clock) {
  identity::NewUser ana;
  ana.email = "ana@example.org";
  ana.password = "correct horse battery";
  ana.email_verified = true;
  auto user = identity::create_user(db, ana, clock);
  if (!user) return std::move(user).error();
  oidc::NewClient wanted;
  wanted.name = "Bench";
  wanted.redirect_uris = {"https://rp.example/cb"};
  auto client = oidc::add_client(db, wanted, clock);
  if (!client) return std::move(client).error();
  auto session = identity::sign_in(db, "ana@example.org", "correct horse battery", "bench", "192.0.2.1", clock);
  if (!session) return std::move(session).error();
  const std::string verifier(43, 'v');
  oidc::CodeRequest request{client->client.client_id,
                            user->id,
                            session->session.session_id,
                            "https://rp.example/cb",
                            {"openid", "email"},
                            "n",
                            base64url(sha256_bytes(verifier)),
                            oidc::GrantAuthentication{"low", {"pwd"}, clock.now()}};
  auto code = oidc::issue_code(db, request, clock);
  if (!code) return std::move(code).error();
  oidc::KeyStore keys(db, clock);
  oidc::Issuer issuer{"http://127.0.0.1", keys, clock, {}};
  auto tokens = oidc::redeem_code(db, issuer, client->client, *code, "https://rp.example/cb", verifier);
  if (!tokens) return std::move(tokens).error();
  return LiveToken{client->client.client_id, client->secret.value_or(""), tokens->access_token};
}

}  // namespace guichet::testing
