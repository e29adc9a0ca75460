#include "guichet/oidc/jose.hpp"

#include <cjose/cjose.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <unordered_map>

#include <boost/json.hpp>

#include "guichet/core/encoding.hpp"
#include "guichet/core/random.hpp"
#include "guichet/oidc/errors.hpp"

namespace guichet::oidc {
namespace {

struct JwkDeleter {
  void operator()(cjose_jwk_t* jwk) const { cjose_jwk_release(jwk); }
};
struct JwsDeleter {
  void operator()(cjose_jws_t* jws) const { cjose_jws_release(jws); }
};
struct HeaderDeleter {
  void operator()(cjose_header_t* header) const { cjose_header_release(header); }
};
using JwkPtr = std::unique_ptr<cjose_jwk_t, JwkDeleter>;
using JwsPtr = std::unique_ptr<cjose_jws_t, JwsDeleter>;
using HeaderPtr = std::unique_ptr<cjose_header_t, HeaderDeleter>;

Error jose_error(std::string_view what, const cjose_err& err) {
  return make_error(Errc::jose_failed,
                    std::string(what) + ": " + (err.message != nullptr ? err.message : "unknown error"));
}

std::string take_json(char* json) {
  std::string out(json);
  cjose_get_dealloc()(json);
  return out;
}

const char* header_alg(SigningAlgorithm alg) {
  return alg == SigningAlgorithm::es256 ? CJOSE_HDR_ALG_ES256 : CJOSE_HDR_ALG_RS256;
}

bool key_fits(const cjose_jwk_t* jwk, SigningAlgorithm alg) {
  cjose_jwk_kty_t kty = cjose_jwk_get_kty(jwk, nullptr);
  if (alg == SigningAlgorithm::es256) {
    return kty == CJOSE_JWK_KTY_EC && cjose_jwk_EC_get_curve(jwk, nullptr) == CJOSE_JWK_EC_P_256;
  }
  return kty == CJOSE_JWK_KTY_RSA;
}

// cjose asserts, aborting the whole process, on some base64url that is not valid (a header with
// `=` inside, for one; Debian's libcjose 0.6 is built with assertions on). So nothing reaches it
// that is not already known to decode: a token's three parts, and a JWK's encoded members.
bool decodes(std::string_view text) { return base64url_decodes(text); }

bool compact_parts_decode(std::string_view compact) {
  const auto first = compact.find('.');
  if (first == std::string_view::npos || first == 0) return false;
  const auto second = compact.find('.', first + 1);
  if (second == std::string_view::npos || second + 1 == compact.size() ||
      compact.find('.', second + 1) != std::string_view::npos) {
    return false;
  }
  return decodes(compact.substr(0, first)) && decodes(compact.substr(first + 1, second - first - 1)) &&
         decodes(compact.substr(second + 1));
}

// A private member is decoded by libsodium's constant-time decoder, and the bytes wiped.
bool secret_decodes(std::string_view text) {
  auto bytes = base64url_decode(text);
  if (!bytes) return false;
  sodium_memzero(bytes->data(), bytes->size());
  return true;
}

bool jwk_members_decode(const std::string& json) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) return false;
  // RFC 7518 section 6: the members holding base64url, public (EC, RSA) and private.
  static constexpr std::array<std::string_view, 4> kPublic{"x", "y", "n", "e"};
  static constexpr std::array<std::string_view, 7> kPrivate{"d", "p", "q", "dp", "dq", "qi", "k"};
  const auto& members = parsed.as_object();
  for (std::string_view name : kPublic) {
    const boost::json::value* member = members.if_contains(name);
    if (member != nullptr && (!member->is_string() || !decodes(member->as_string()))) return false;
  }
  for (std::string_view name : kPrivate) {
    const boost::json::value* member = members.if_contains(name);
    if (member != nullptr && (!member->is_string() || !secret_decodes(member->as_string()))) return false;
  }
  return true;
}

// Parsed keys are cached per thread (cjose objects are not shared between threads); the JSON
// text is the cache key, so a changed key is a different entry.
Result<cjose_jwk_t*> cached_jwk(const std::string& json) {
  thread_local std::unordered_map<std::string, JwkPtr> cache;
  if (auto found = cache.find(json); found != cache.end()) return found->second.get();
  if (cache.size() > 256) cache.clear();
  if (!jwk_members_decode(json)) return make_error(Errc::jwk_invalid, "a JWK could not be read");
  cjose_err err{};
  JwkPtr jwk(cjose_jwk_import(json.data(), json.size(), &err));
  if (!jwk) return make_error(Errc::jwk_invalid, "a JWK could not be read");
  cjose_jwk_t* raw = jwk.get();
  cache.emplace(json, std::move(jwk));
  return raw;
}

}  // namespace

std::string_view to_string(SigningAlgorithm alg) { return alg == SigningAlgorithm::es256 ? "ES256" : "RS256"; }

std::optional<SigningAlgorithm> parse_signing_algorithm(std::string_view text) {
  if (text == "ES256") return SigningAlgorithm::es256;
  if (text == "RS256") return SigningAlgorithm::rs256;
  return std::nullopt;
}

Result<KeyPair> generate_key_pair(SigningAlgorithm alg) {
  cjose_err err{};
  JwkPtr jwk;
  if (alg == SigningAlgorithm::es256) {
    jwk.reset(cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err));
  } else {
    static const std::uint8_t kExponent[] = {0x01, 0x00, 0x01};
    jwk.reset(cjose_jwk_create_RSA_random(2048, kExponent, sizeof kExponent, &err));
  }
  if (!jwk) return jose_error("key generation", err);
  KeyPair pair;
  pair.alg = alg;
  pair.kid = random_token(12);
  if (!cjose_jwk_set_kid(jwk.get(), pair.kid.data(), pair.kid.size(), &err)) return jose_error("kid", err);
  char* priv = cjose_jwk_to_json(jwk.get(), true, &err);
  if (priv == nullptr) return jose_error("private JWK", err);
  pair.private_jwk = take_json(priv);
  char* pub = cjose_jwk_to_json(jwk.get(), false, &err);
  if (pub == nullptr) return jose_error("public JWK", err);
  pair.public_jwk = take_json(pub);
  return pair;
}

Result<std::string> sign_jws(const KeyPair& key, std::string_view payload, std::string_view typ) {
  auto jwk = cached_jwk(key.private_jwk);
  if (!jwk) return std::move(jwk).error();
  cjose_err err{};
  HeaderPtr header(cjose_header_new(&err));
  if (!header) return jose_error("header", err);
  std::string type(typ);
  if (!cjose_header_set(header.get(), CJOSE_HDR_ALG, header_alg(key.alg), &err) ||
      !cjose_header_set(header.get(), CJOSE_HDR_KID, key.kid.c_str(), &err) ||
      !cjose_header_set(header.get(), "typ", type.c_str(), &err)) {
    return jose_error("header", err);
  }
  JwsPtr jws(
      cjose_jws_sign(*jwk, header.get(), reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size(), &err));
  if (!jws) return jose_error("signing", err);
  const char* compact = nullptr;
  if (!cjose_jws_export(jws.get(), &compact, &err)) return jose_error("export", err);
  return std::string(compact);
}

Result<VerifiedJws> verify_jws(std::string_view compact, const std::vector<std::string>& public_jwks,
                               const std::vector<SigningAlgorithm>& allowed) {
  const Error invalid = make_error(Errc::signature_invalid, "the token's signature is invalid");
  if (!compact_parts_decode(compact)) return make_error(Errc::token_malformed, "the token is not a compact JWS");
  cjose_err err{};
  JwsPtr jws(cjose_jws_import(compact.data(), compact.size(), &err));
  if (!jws) return make_error(Errc::token_malformed, "the token is not a compact JWS");
  cjose_header_t* header = cjose_jws_get_protected(jws.get());
  const char* alg_text = header != nullptr ? cjose_header_get(header, CJOSE_HDR_ALG, &err) : nullptr;
  auto alg = parse_signing_algorithm(alg_text != nullptr ? alg_text : "");
  if (!alg || std::find(allowed.begin(), allowed.end(), *alg) == allowed.end()) {
    return make_error(Errc::algorithm_refused, "the token's signing algorithm is refused");
  }
  // An ES256 signature is r || s, 64 bytes, 86 characters (RFC 7518 section 3.4). cjose reads r
  // and s from the front and ignores what follows, so a token with bytes appended to its signature
  // would check too: the same token under another text.
  constexpr std::size_t kEs256SignatureCharacters = 86;
  if (*alg == SigningAlgorithm::es256 && compact.size() - compact.rfind('.') - 1 != kEs256SignatureCharacters) {
    return invalid;
  }
  const char* kid_text = cjose_header_get(header, CJOSE_HDR_KID, &err);
  std::string kid = kid_text != nullptr ? kid_text : "";
  for (const auto& json : public_jwks) {
    auto jwk = cached_jwk(json);
    if (!jwk) continue;
    if (!kid.empty()) {
      const char* key_kid = cjose_jwk_get_kid(*jwk, &err);
      if (key_kid == nullptr || kid != key_kid) continue;
    }
    if (!key_fits(*jwk, *alg)) continue;
    if (!cjose_jws_verify(jws.get(), *jwk, &err)) continue;
    std::uint8_t* plaintext = nullptr;
    std::size_t length = 0;
    if (!cjose_jws_get_plaintext(jws.get(), &plaintext, &length, &err)) return invalid;
    return VerifiedJws{kid, std::string(reinterpret_cast<const char*>(plaintext), length)};
  }
  return invalid;
}

Result<std::string> peek_jws_payload(std::string_view compact) {
  auto first = compact.find('.');
  auto second = first == std::string_view::npos ? first : compact.find('.', first + 1);
  if (second == std::string_view::npos) {
    return make_error(Errc::token_malformed, "the token is not a compact JWS");
  }
  return base64url_decode_public(compact.substr(first + 1, second - first - 1));
}

}  // namespace guichet::oidc
