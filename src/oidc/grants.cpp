#include "guichet/oidc/grants.hpp"

#include <sodium.h>

#include <boost/json.hpp>
#include <map>
#include <mutex>

#include "guichet/core/digest.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/core/random.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/organisations.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/oidc/errors.hpp"

namespace guichet::oidc {
namespace json = boost::json;

namespace {

std::int64_t micros(std::chrono::microseconds d) { return d.count(); }
std::int64_t seconds_of(Instant t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Error invalid_grant(std::string message) { return make_error(Errc::invalid_grant, std::move(message)); }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ' ';
    out += item;
  }
  return out;
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find(' ', at);
    if (end == std::string_view::npos) end = text.size();
    if (end > at) out.emplace_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// Provider-wide secrets, made once and shared by every node through the database; remembered by
// this process per database, as they never change. The key that seals them at rest is remembered
// per database too (ensure_provider_secrets, at start-up), so every reader opens them alike.
std::mutex known_secrets_mutex;
std::map<std::string, std::string, std::less<>> known_secrets;
std::map<std::uint64_t, const SecretKey*> sealing_keys;  // by Database::serial

const SecretKey* sealing_key_of(const storage::Database& db) {
  std::lock_guard lock(known_secrets_mutex);
  auto found = sealing_keys.find(db.serial());
  return found == sealing_keys.end() ? nullptr : found->second;
}

std::string provider_secret_purpose(const std::string& name) {
  return std::string(kSealedProviderSecrets.purpose_prefix) + name;
}

std::string secret_key(const storage::Database& db, std::string_view name) {
  return std::to_string(db.serial()) + "\n" + std::string(name);
}

std::optional<std::string> known_secret(const std::string& key) {
  std::lock_guard lock(known_secrets_mutex);
  if (auto found = known_secrets.find(key); found != known_secrets.end()) return found->second;
  return std::nullopt;
}

void remember_secret(const std::string& key, const std::string& value) {
  std::lock_guard lock(known_secrets_mutex);
  known_secrets[key] = value;
}

Result<std::string> provider_secret(storage::Database& db, const std::string& name) {
  const std::string key = secret_key(db, name);
  if (auto known = known_secret(key)) return *known;
  auto value = db.transaction([&](storage::Connection& c) -> Result<std::string> {
    const SecretKey* key = sealing_key_of(db);
    auto inserted = c.execute("INSERT INTO oidc_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                              {name, seal_at_rest(key, random_token(32), provider_secret_purpose(name))});
    if (!inserted) return std::move(inserted).error();
    auto rows = c.query("SELECT value FROM oidc_secrets WHERE name = ?", {name});
    if (!rows) return std::move(rows).error();
    return open_at_rest(key, rows->rows.at(0).text(0), provider_secret_purpose(name));
  });
  if (!value) return value;
  remember_secret(key, *value);
  return value;
}

// The same without writing, for readers (a network thread may not write): a secret that does not
// exist yet cannot have been used, and the caller has nothing to check against.
Result<std::optional<std::string>> existing_provider_secret(storage::Database& db, storage::Connection& c,
                                                            const std::string& name) {
  const std::string key = secret_key(db, name);
  if (auto known = known_secret(key)) return known;
  auto rows = c.query("SELECT value FROM oidc_secrets WHERE name = ?", {name});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<std::string>();
  auto opened = open_at_rest(sealing_key_of(db), rows->rows[0].text(0), provider_secret_purpose(name));
  if (!opened) return std::move(opened).error();
  remember_secret(key, *opened);
  return std::optional<std::string>(std::move(*opened));
}

std::string hmac(std::string_view key, std::string_view message) {
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  crypto_auth_hmacsha256_final(&state, out);
  return base64url(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

std::string subject_for(std::string_view secret, std::string_view sector, std::int64_t user_id) {
  return hmac(secret, std::string(sector) + "\n" + std::to_string(user_id));
}

std::string sid_for(std::string_view secret, std::int64_t session_id) {
  return hmac(secret, "sid\n" + std::to_string(session_id)).substr(0, 22);
}

struct Minted {
  std::string access_token;
  std::string refresh_token;
};

// Inserts an access token and, when `refresh_expires_at` is set, a refresh token, in one family.
Result<Minted> mint(storage::Connection& c, const std::string& client_id, std::int64_t user_id,
                    std::optional<std::int64_t> session_id, const std::string& family, const std::string& code_hash,
                    const std::string& scope, const GrantAuthentication& authentication, std::int64_t now,
                    std::int64_t access_expires_at, std::optional<std::int64_t> refresh_expires_at,
                    std::int64_t organisation_id) {
  Minted minted{random_token(32), refresh_expires_at ? random_token(32) : std::string()};
  storage::Value session = session_id ? storage::Value(*session_id) : storage::Value(nullptr);
  storage::Value code = code_hash.empty() ? storage::Value(nullptr) : storage::Value(code_hash);
  storage::Value organisation = organisation_id == 0 ? storage::Value(nullptr) : storage::Value(organisation_id);
  const std::string amr = join(authentication.amr);
  const std::int64_t auth_time = to_unix_micros(authentication.auth_time);
  auto insert = [&](const std::string& token, const char* kind, std::int64_t expires_at) -> Result<void> {
    auto inserted = c.execute(
        "INSERT INTO oidc_tokens (token_hash, kind, client_id, user_id, session_id, family, code_hash, scope, acr, "
        "amr, auth_time, created_at, expires_at, organisation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {sha256_hex(token), std::string(kind), client_id, user_id, session, family, code, scope, authentication.acr,
         amr, auth_time, now, expires_at, organisation});
    if (!inserted) return std::move(inserted).error();
    return {};
  };
  if (auto a = insert(minted.access_token, "access", access_expires_at); !a) return std::move(a).error();
  if (refresh_expires_at) {
    if (auto r = insert(minted.refresh_token, "refresh", *refresh_expires_at); !r) return std::move(r).error();
  }
  return minted;
}

struct IdTokenInput {
  const Client* client = nullptr;
  std::string subject;
  std::string sid;
  std::string nonce;
  GrantAuthentication authentication;
};

Result<std::string> id_token(Issuer& issuer, const KeyPair& key, const IdTokenInput& in) {
  const Instant now = issuer.clock.now();
  json::array amr;
  for (const auto& method : in.authentication.amr) amr.emplace_back(method);
  json::object claims{{"iss", issuer.url},
                      {"sub", in.subject},
                      {"aud", in.client->client_id},
                      {"azp", in.client->client_id},
                      {"iat", seconds_of(now)},
                      {"exp", seconds_of(now + issuer.policy.id_token_lifetime)},
                      {"auth_time", seconds_of(in.authentication.auth_time)},
                      {"acr", in.authentication.acr},
                      {"amr", amr}};
  if (!in.sid.empty()) claims["sid"] = in.sid;
  if (!in.nonce.empty()) claims["nonce"] = in.nonce;
  return sign_jws(key, json::serialize(claims));
}

bool session_bound(const std::set<std::string>& scope) { return !scope.contains("offline_access"); }

Result<void> revoke_family(storage::Connection& c, const std::string& family, std::int64_t now) {
  auto revoked =
      c.execute("UPDATE oidc_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL", {now, family});
  if (!revoked) return std::move(revoked).error();
  return {};
}

bool pkce_matches(std::string_view verifier, std::string_view challenge) {
  if (verifier.size() < 43 || verifier.size() > 128) return false;
  for (unsigned char c : verifier) {
    bool allowed = std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
    if (!allowed) return false;
  }
  return secure_equals(base64url(sha256_bytes(verifier)), challenge);
}

}  // namespace

const std::vector<std::string>& supported_scopes() {
  // Not `phone` nor `address`: nothing lets a person declare or prove them yet, so they are not
  // offered (a relying party asking for them gets the other scopes, as OIDC Core §5.4 allows).
  static const std::vector<std::string> scopes{"openid",  "profile",      "email",        "offline_access",
                                               "account", "appointments", "organisation", "procedures"};
  return scopes;
}

const std::vector<std::string>& staff_scopes() {
  // cases: an agent's cases; kiosk: a shop's ticket machine; counter: an agent calling the queue.
  static const std::vector<std::string> scopes{"cases", "kiosk", "counter"};
  return scopes;
}

std::set<std::string> parse_scope(std::string_view scope, bool with_staff) {
  std::set<std::string> out;
  for (auto& item : split(scope)) {
    const auto& known = supported_scopes();
    const auto& staff = staff_scopes();
    if (std::find(known.begin(), known.end(), item) != known.end() ||
        (with_staff && std::find(staff.begin(), staff.end(), item) != staff.end())) {
      out.insert(item);
    }
  }
  return out;
}

std::string join_scope(const std::set<std::string>& scope) {
  return join(std::vector<std::string>(scope.begin(), scope.end()));
}

Result<std::string> issue_code(storage::Database& db, const CodeRequest& request, const Clock& clock,
                               const GrantPolicy& policy) {
  std::string code = random_token(32);
  auto stored = db.transaction([&](storage::Connection& c) -> Result<void> {
    const std::int64_t now = to_unix_micros(clock.now());
    storage::Value nonce = request.nonce.empty() ? storage::Value(nullptr) : storage::Value(request.nonce);
    auto inserted = c.execute(
        "INSERT INTO oidc_codes (code_hash, client_id, user_id, session_id, redirect_uri, scope, nonce, "
        "code_challenge, acr, amr, auth_time, created_at, expires_at, organisation_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {sha256_hex(code), request.client_id, request.user_id, request.session_id, request.redirect_uri,
         join_scope(request.scope), nonce, request.code_challenge, request.authentication.acr,
         join(request.authentication.amr), to_unix_micros(request.authentication.auth_time), now,
         now + micros(policy.code_lifetime),
         request.organisation_id == 0 ? storage::Value(nullptr) : storage::Value(request.organisation_id)});
    if (!inserted) return std::move(inserted).error();
    json::object details{
        {"client_id", request.client_id}, {"scope", join_scope(request.scope)}, {"acr", request.authentication.acr}};
    auto audited =
        identity::record_audit(c,
                               identity::AuditEvent{"user:" + std::to_string(request.user_id), "oidc.authorized",
                                                    "client:" + request.client_id, json::serialize(details)},
                               clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
  if (!stored) return std::move(stored).error();
  return code;
}

Result<TokenResponse> redeem_code(storage::Database& db, Issuer& issuer, const Client& client, std::string_view code,
                                  std::string_view redirect_uri, std::string_view code_verifier) {
  auto key = issuer.keys.signing_key(client.id_token_alg);
  if (!key) return std::move(key).error();
  auto secret = provider_secret(db, "pairwise");
  if (!secret) return std::move(secret).error();
  const std::string code_hash = sha256_hex(code);
  std::optional<Error> refusal;
  auto issued = db.transaction([&](storage::Connection& c) -> Result<std::optional<TokenResponse>> {
    const std::int64_t now = to_unix_micros(issuer.clock.now());
    auto rows = c.query(
        "SELECT client_id, user_id, session_id, redirect_uri, scope, nonce, code_challenge, acr, amr, auth_time, "
        "expires_at, used_at, organisation_id FROM oidc_codes WHERE code_hash = ?",
        {code_hash});
    if (!rows) return std::move(rows).error();
    auto refuse = [&](std::string message) -> Result<std::optional<TokenResponse>> {
      refusal = invalid_grant(std::move(message));
      return std::optional<TokenResponse>();
    };
    if (rows->empty()) return refuse("the code is unknown");
    const auto& row = rows->rows[0];
    if (row.text(0) != client.client_id) return refuse("the code was issued to another client");
    if (!row.is_null(11)) {
      // Shown twice: someone else may hold it. Every token it produced is revoked (RFC 6749 §4.1.2).
      auto revoked = c.execute("UPDATE oidc_tokens SET revoked_at = ? WHERE code_hash = ? AND revoked_at IS NULL",
                               {now, code_hash});
      if (!revoked) return std::move(revoked).error();
      auto audited = identity::record_audit(c,
                                            identity::AuditEvent{"client:" + client.client_id, "oidc.code_reused",
                                                                 "user:" + std::to_string(row.integer(1)), "{}"},
                                            issuer.clock);
      if (!audited) return std::move(audited).error();
      return refuse("the code has already been used");
    }
    if (now >= row.integer(10)) return refuse("the code has expired");
    if (row.text(3) != redirect_uri) return refuse("the redirect_uri differs from the authorization request's");
    const std::string challenge = row.text(6);
    if (challenge.empty()) {
      // Issued without PKCE (a client for which the operator made it optional). A verifier sent
      // now would be a downgrade attempt; a client whose PKCE became required since gets nothing.
      if (!code_verifier.empty()) return refuse("the authorization request had no code_challenge");
      if (client.pkce_required) return refuse("this client must use PKCE");
    } else if (!pkce_matches(code_verifier, challenge)) {
      return refuse("the code_verifier does not match the code_challenge");
    }
    auto spent =
        c.execute("UPDATE oidc_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL", {now, code_hash});
    if (!spent) return std::move(spent).error();
    if (*spent == 0) return refuse("the code has already been used");

    const std::int64_t user_id = row.integer(1);
    const std::int64_t session_id = row.integer(2);
    const std::set<std::string> scope = parse_scope(row.text(4));
    GrantAuthentication authentication{row.text(7), split(row.text(8)), from_unix_micros(row.integer(9))};
    const std::int64_t access_expires = now + micros(issuer.policy.access_token_lifetime);
    const std::int64_t refresh_expires = now + micros(issuer.policy.refresh_token_lifetime);
    auto minted = mint(c, client.client_id, user_id, session_id, random_token(16), code_hash, row.text(4),
                       authentication, now, access_expires, refresh_expires, row.is_null(12) ? 0 : row.integer(12));
    if (!minted) return std::move(minted).error();
    TokenResponse response{minted->access_token, minted->refresh_token, "",
                           static_cast<std::int64_t>(issuer.policy.access_token_lifetime.count()), row.text(4)};
    if (scope.contains("openid")) {
      IdTokenInput input{&client, subject_for(*secret, client.sector, user_id), sid_for(*secret, session_id),
                         row.is_null(5) ? std::string() : row.text(5), authentication};
      auto token = id_token(issuer, *key, input);
      if (!token) return std::move(token).error();
      response.id_token = std::move(token).value();
    }
    return std::optional<TokenResponse>(std::move(response));
  });
  if (!issued) return std::move(issued).error();
  if (refusal) return *refusal;
  return std::move(**issued);
}

Result<TokenResponse> refresh_tokens(storage::Database& db, Issuer& issuer, const Client& client,
                                     std::string_view refresh_token, std::string_view requested_scope) {
  auto key = issuer.keys.signing_key(client.id_token_alg);
  if (!key) return std::move(key).error();
  auto secret = provider_secret(db, "pairwise");
  if (!secret) return std::move(secret).error();
  std::optional<Error> refusal;
  auto issued = db.transaction([&](storage::Connection& c) -> Result<std::optional<TokenResponse>> {
    const std::int64_t now = to_unix_micros(issuer.clock.now());
    auto rows = c.query(
        "SELECT id, client_id, user_id, session_id, family, scope, acr, amr, auth_time, expires_at, used_at, "
        "revoked_at, organisation_id FROM oidc_tokens WHERE token_hash = ? AND kind = 'refresh'",
        {sha256_hex(refresh_token)});
    if (!rows) return std::move(rows).error();
    auto refuse = [&](std::string message) -> Result<std::optional<TokenResponse>> {
      refusal = invalid_grant(std::move(message));
      return std::optional<TokenResponse>();
    };
    if (rows->empty()) return refuse("the refresh token is unknown");
    const auto& row = rows->rows[0];
    if (row.text(1) != client.client_id) return refuse("the refresh token was issued to another client");
    const std::string family = row.text(4);
    if (!row.is_null(11)) return refuse("the refresh token has been revoked");
    auto reused = [&]() -> Result<std::optional<TokenResponse>> {
      // A spent refresh token shown again: it was copied. The whole family goes.
      if (auto revoked = revoke_family(c, family, now); !revoked) return std::move(revoked).error();
      auto audited = identity::record_audit(c,
                                            identity::AuditEvent{"client:" + client.client_id, "oidc.refresh_reused",
                                                                 "user:" + std::to_string(row.integer(2)), "{}"},
                                            issuer.clock);
      if (!audited) return std::move(audited).error();
      return refuse("the refresh token has already been used; its grant is revoked");
    };
    if (!row.is_null(10)) return reused();
    if (now >= row.integer(9)) return refuse("the refresh token has expired");
    const std::set<std::string> granted = parse_scope(row.text(5));
    if (session_bound(granted) && !row.is_null(3)) {
      auto stands = identity::session_stands(c, row.integer(3), from_unix_micros(now));
      if (!stands) return std::move(stands).error();
      if (!*stands) {
        if (auto revoked = revoke_family(c, family, now); !revoked) return std::move(revoked).error();
        return refuse("the person has signed out; sign in again");
      }
    }
    std::set<std::string> scope = granted;
    if (!requested_scope.empty()) {
      scope = parse_scope(requested_scope);
      for (const auto& s : scope) {
        if (!granted.contains(s)) {
          refusal = make_error(Errc::invalid_scope, "a scope beyond the original grant: " + s);
          return std::optional<TokenResponse>();
        }
      }
    }
    auto spent =
        c.execute("UPDATE oidc_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL", {now, row.integer(0)});
    if (!spent) return std::move(spent).error();
    if (*spent == 0) return reused();

    const std::int64_t user_id = row.integer(2);
    std::optional<std::int64_t> session_id;
    if (!row.is_null(3)) session_id = row.integer(3);
    GrantAuthentication authentication{row.text(6), split(row.text(7)), from_unix_micros(row.integer(8))};
    auto minted =
        mint(c, client.client_id, user_id, session_id, family, "", join_scope(scope), authentication, now,
             now + micros(issuer.policy.access_token_lifetime), row.integer(9), row.is_null(12) ? 0 : row.integer(12));
    if (!minted) return std::move(minted).error();
    TokenResponse response{minted->access_token, minted->refresh_token, "",
                           static_cast<std::int64_t>(issuer.policy.access_token_lifetime.count()), join_scope(scope)};
    if (scope.contains("openid")) {
      IdTokenInput input{&client, subject_for(*secret, client.sector, user_id),
                         session_id ? sid_for(*secret, *session_id) : std::string(), "", authentication};
      auto token = id_token(issuer, *key, input);
      if (!token) return std::move(token).error();
      response.id_token = std::move(token).value();
    }
    return std::optional<TokenResponse>(std::move(response));
  });
  if (!issued) return std::move(issued).error();
  if (refusal) return *refusal;
  return std::move(**issued);
}

namespace {
struct TokenRow {
  std::string kind;
  std::string client_id;
  std::int64_t user_id = 0;
  std::set<std::string> scope;
  GrantAuthentication authentication;
  Instant created_at;
  Instant expires_at;
  std::string family;
  std::int64_t organisation_id = 0;
  bool live = false;
};

Result<std::optional<TokenRow>> find_token(storage::Connection& c, std::string_view token, Instant now_instant) {
  const std::int64_t now = to_unix_micros(now_instant);
  auto rows = c.query(
      "SELECT kind, client_id, user_id, scope, acr, amr, auth_time, created_at, expires_at, used_at, revoked_at, "
      "session_id, family, organisation_id FROM oidc_tokens WHERE token_hash = ?",
      {sha256_hex(token)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<TokenRow>();
  const auto& row = rows->rows[0];
  TokenRow t;
  t.kind = row.text(0);
  t.client_id = row.text(1);
  t.user_id = row.integer(2);
  t.scope = parse_scope(row.text(3), true);
  t.authentication = GrantAuthentication{row.text(4), split(row.text(5)), from_unix_micros(row.integer(6))};
  t.created_at = from_unix_micros(row.integer(7));
  t.expires_at = from_unix_micros(row.integer(8));
  t.family = row.text(12);
  t.organisation_id = row.is_null(13) ? 0 : row.integer(13);
  t.live = now < row.integer(8) && row.is_null(10) && (t.kind == "access" || row.is_null(9));
  // A grant bound to the browser session ends with it (sign-out, absolute expiry).
  if (t.live && !row.is_null(11) && session_bound(t.scope)) {
    auto stands = identity::session_stands(c, row.integer(11), now_instant);
    if (!stands) return std::move(stands).error();
    t.live = *stands;
  }
  return std::optional<TokenRow>(std::move(t));
}

Result<std::optional<AccessGrant>> live_access_grant(storage::Connection& c, std::string_view token, Instant now) {
  if (token.size() != 43) return std::optional<AccessGrant>();
  auto found = find_token(c, token, now);
  if (!found) return std::move(found).error();
  if (!*found || !(*found)->live || (*found)->kind != "access") return std::optional<AccessGrant>();
  const TokenRow& t = **found;
  return std::optional<AccessGrant>(
      AccessGrant{t.user_id, t.client_id, t.scope, t.authentication, t.created_at, t.expires_at, t.organisation_id});
}

Result<json::object> claims_of(storage::Connection& c, std::int64_t user_id, const std::set<std::string>& scope,
                               std::int64_t organisation_id) {
  auto found = identity::person_attributes(c, user_id);
  if (!found) return std::move(found).error();
  if (!*found) return make_error(Errc::no_such_user, "this account no longer exists");
  const identity::PersonAttributes& person = **found;
  json::object claims;
  auto text = [&](const char* name, const std::optional<std::string>& value) {
    if (value) claims[name] = *value;
  };
  if (scope.contains("email")) {
    claims["email"] = person.email;
    claims["email_verified"] = person.email_verified;
  }
  if (scope.contains("profile")) {
    text("given_name", person.given_name);
    text("family_name", person.family_name);
    // OIDC Core §5.1 `name`: the full name as shown, given name first (as the identity document
    // the verifier read writes it in Portugal and France).
    if (person.given_name || person.family_name) {
      std::string name = person.given_name.value_or("");
      if (person.family_name) name += (name.empty() ? "" : " ") + *person.family_name;
      claims["name"] = name;
    }
    text("birthdate", person.birthdate);
    text("birthplace", person.birthplace);
    text("gender", person.gender);
    claims["updated_at"] = person.updated_at_us / 1'000'000;  // seconds since the epoch
  }
  if (scope.contains("organisation") && organisation_id != 0) {
    auto member = identity::membership(c, user_id, organisation_id);
    if (!member) return std::move(member).error();
    if (*member) {
      const identity::Organisation& o = (*member)->organisation;
      claims["organisation"] = json::object{{"id", o.id},
                                            {"name", o.name},
                                            {"country", o.country},
                                            {"registration_number", o.registration_number},
                                            {"role", identity::to_string((*member)->role)}};
    }
  }
  return claims;
}
}  // namespace

Result<std::optional<AccessGrant>> resolve_access_token(storage::Database& db, std::string_view token,
                                                        const Clock& clock) {
  if (token.size() != 43) return std::optional<AccessGrant>();
  return db.read([&](storage::Connection& c) { return live_access_grant(c, token, clock.now()); });
}

Result<void> ensure_provider_secrets(storage::Database& db, const SecretKey* secrets) {
  {
    std::lock_guard lock(known_secrets_mutex);
    sealing_keys[db.serial()] = secrets;
  }
  auto secret = provider_secret(db, "pairwise");
  if (!secret) return std::move(secret).error();
  return {};
}

Result<UserInfo> read_userinfo(storage::Database& db, std::string_view token, const Clock& clock) {
  return db.read([&](storage::Connection& c) -> Result<UserInfo> {
    auto grant = live_access_grant(c, token, clock.now());
    if (!grant) return std::move(grant).error();
    if (!*grant) return UserInfo{UserInfo::Outcome::token_not_live, {}};
    if (!(*grant)->scope.contains("openid")) return UserInfo{UserInfo::Outcome::lacks_openid, {}};
    auto sector = client_sector(c, (*grant)->client_id);
    if (!sector) return std::move(sector).error();
    if (!*sector) return UserInfo{UserInfo::Outcome::client_gone, {}};
    auto secret = existing_provider_secret(db, c, "pairwise");
    if (!secret) return std::move(secret).error();
    if (!*secret) return make_error(Errc::no_pairwise_secret, "no subject identifier has been issued yet");
    auto claims = claims_of(c, (*grant)->user_id, (*grant)->scope, (*grant)->organisation_id);
    if (!claims) return std::move(claims).error();
    (*claims)["sub"] = subject_for(**secret, **sector, (*grant)->user_id);
    return UserInfo{UserInfo::Outcome::answered, json::serialize(*claims)};
  });
}

Result<std::string> issue_operator_token(storage::Database& db, std::int64_t user_id,
                                         const std::set<std::string>& scope, std::chrono::seconds lifetime,
                                         const Clock& clock) {
  auto minted = db.transaction([&](storage::Connection& c) -> Result<Minted> {
    const Instant now = clock.now();
    const std::int64_t at = to_unix_micros(now);
    GrantAuthentication authentication{"low", {}, now};
    auto tokens = mint(c, "guichet-cli", user_id, std::nullopt, random_token(16), "", join_scope(scope), authentication,
                       at, at + micros(lifetime), std::nullopt, 0);
    if (!tokens) return tokens;
    json::object details{{"scope", join_scope(scope)}, {"expires_in", lifetime.count()}};
    auto audited = identity::record_audit(
        c, identity::AuditEvent{"cli", "token.issued", "user:" + std::to_string(user_id), json::serialize(details)},
        clock);
    if (!audited) return std::move(audited).error();
    return tokens;
  });
  if (!minted) return std::move(minted).error();
  return minted->access_token;
}

Result<void> revoke_token(storage::Database& db, const Client& client, std::string_view token, const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto found = find_token(c, token, clock.now());
    if (!found) return std::move(found).error();
    if (!*found || (*found)->client_id != client.client_id) return {};
    const std::int64_t now = to_unix_micros(clock.now());
    if ((*found)->kind == "refresh") return revoke_family(c, (*found)->family, now);
    auto revoked = c.execute("UPDATE oidc_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
                             {now, sha256_hex(token)});
    if (!revoked) return std::move(revoked).error();
    return {};
  });
}

Result<std::string> introspect_token(storage::Database& db, const Client& client, std::string_view token,
                                     const Clock& clock) {
  auto secret = provider_secret(db, "pairwise");
  if (!secret) return std::move(secret).error();
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto found = find_token(**connection, token, clock.now());
  if (!found) return std::move(found).error();
  if (!*found || !(*found)->live || (*found)->client_id != client.client_id) return std::string(R"({"active":false})");
  const TokenRow& t = **found;
  json::array amr;
  for (const auto& m : t.authentication.amr) amr.emplace_back(m);
  json::object out{{"active", true},
                   {"client_id", t.client_id},
                   {"scope", join_scope(t.scope)},
                   {"sub", subject_for(*secret, client.sector, t.user_id)},
                   {"token_type", t.kind == "access" ? "Bearer" : "refresh_token"},
                   {"iat", seconds_of(t.created_at)},
                   {"exp", seconds_of(t.expires_at)},
                   {"acr", t.authentication.acr},
                   {"amr", amr},
                   {"auth_time", seconds_of(t.authentication.auth_time)}};
  return json::serialize(out);
}

Result<std::string> pairwise_subject(storage::Database& db, std::string_view sector, std::int64_t user_id) {
  auto secret = provider_secret(db, "pairwise");
  if (!secret) return std::move(secret).error();
  return subject_for(*secret, sector, user_id);
}

Result<std::string> session_claim(storage::Database& db, std::int64_t session_id) {
  auto secret = provider_secret(db, "pairwise");
  if (!secret) return std::move(secret).error();
  return sid_for(*secret, session_id);
}

Result<std::vector<Consent>> consents_of(storage::Database& db, std::int64_t user_id) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)
                  ->query(
                      "SELECT c.client_id, c.name, o.scope, o.granted_at FROM oidc_consents o JOIN oidc_clients c ON "
                      "c.client_id = o.client_id WHERE o.user_id = ? ORDER BY c.name",
                      {user_id});
  if (!rows) return std::move(rows).error();
  std::vector<Consent> consents;
  for (const auto& row : rows->rows) {
    consents.push_back(Consent{row.text(0), row.text(1), row.text(2), from_unix_micros(row.integer(3))});
  }
  return consents;
}

Result<std::string> consents_export(storage::Database& db, std::int64_t user_id) {
  auto consents = consents_of(db, user_id);
  if (!consents) return std::move(consents).error();
  json::array out;
  for (const Consent& c : *consents) {
    out.push_back(
        json::object{{"service", c.client_name}, {"scope", c.scope}, {"granted_at", format_rfc3339(c.granted_at)}});
  }
  return json::serialize(out);
}

}  // namespace guichet::oidc
