#include "guichet/oidc/jose.hpp"

#include <cjose/cjose.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <array>
#include <unordered_map>

#include <boost/json.hpp>

#include "guichet/core/digest.hpp"
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

// Parsed keys are cached per thread (cjose objects are not shared between threads); the JSON
// text is the cache key, so a changed key is a different entry.
Result<cjose_jwk_t*> cached_jwk(const std::string& json) {
  thread_local std::unordered_map<std::string, JwkPtr> cache;
  if (auto found = cache.find(json); found != cache.end()) return found->second.get();
  if (cache.size() > 256) cache.clear();
  cjose_err err{};
  JwkPtr jwk(cjose_jwk_import(json.data(), json.size(), &err));
  if (!jwk) return make_error(Errc::jwk_invalid, "a JWK could not be read");
  cjose_jwk_t* raw = jwk.get();
  cache.emplace(json, std::move(jwk));
  return raw;
}

// --- ES256 checked by OpenSSL directly ----------------------------------------------------------
// An exchange's answer checks one ES256 signature per request, thousands a second. Through cjose
// each check parsed the token again (jansson), started its digest through OpenSSL's method store
// and converted the signature; here the token is split once, the key is imported once per thread
// as an OpenSSL context ready to verify, and the digest uses the method fetched once
// (core/digest.hpp). RS256 (the OpenID clients' keys) stays with cjose.

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct PkeyContextFree {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
struct SignatureFree {
  void operator()(ECDSA_SIG* signature) const { ECDSA_SIG_free(signature); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyContextPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyContextFree>;
using SignaturePtr = std::unique_ptr<ECDSA_SIG, SignatureFree>;

constexpr std::size_t kP256Bytes = 32;

std::optional<std::string> text_member(const boost::json::object& object, std::string_view name) {
  const boost::json::value* v = object.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

// A P-256 public JWK as a context ready to verify, with its kid.
struct P256Key {
  PkeyContextPtr verifier;
  std::string kid;
};

// nullopt when the JWK is anything else or its point is not on the curve (OpenSSL checks it on
// import).
std::optional<P256Key> p256_key(const std::string& json) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const auto& jwk = parsed.as_object();
  if (text_member(jwk, "kty") != "EC" || text_member(jwk, "crv") != "P-256") return std::nullopt;
  auto x_text = text_member(jwk, "x");
  auto y_text = text_member(jwk, "y");
  if (!x_text || !y_text) return std::nullopt;
  auto x = base64url_decode_public(*x_text);
  auto y = base64url_decode_public(*y_text);
  if (!x || !y || x->size() != kP256Bytes || y->size() != kP256Bytes) return std::nullopt;
  std::string point = "\x04" + *x + *y;  // SEC 1 uncompressed form
  std::string group = "prime256v1";
  const std::array<OSSL_PARAM, 3> params{
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  PkeyContextPtr importer(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!importer || EVP_PKEY_fromdata_init(importer.get()) != 1 ||
      EVP_PKEY_fromdata(importer.get(), &raw, EVP_PKEY_PUBLIC_KEY, const_cast<OSSL_PARAM*>(params.data())) != 1) {
    return std::nullopt;
  }
  PkeyPtr key(raw);
  PkeyContextPtr verifier(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!verifier || EVP_PKEY_verify_init(verifier.get()) != 1) return std::nullopt;
  return P256Key{std::move(verifier), text_member(jwk, "kid").value_or("")};
}

// Per thread, like cjose's keys: a context verifies one signature at a time. A JWK that is not a
// P-256 key is remembered as such (no verifier).
const P256Key& cached_p256_key(const std::string& json) {
  thread_local std::unordered_map<std::string, P256Key> cache;
  if (auto found = cache.find(json); found != cache.end()) return found->second;
  if (cache.size() > 256) cache.clear();
  return cache.emplace(json, p256_key(json).value_or(P256Key{})).first->second;
}

// A P-256 private JWK as a context ready to sign; nullptr when it is not one, or when its public
// point is not its private scalar's (checked once, on import: such a key would sign what nobody
// can check).
PkeyContextPtr p256_signer(const std::string& json) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) return nullptr;
  const auto& jwk = parsed.as_object();
  if (text_member(jwk, "kty") != "EC" || text_member(jwk, "crv") != "P-256") return nullptr;
  auto d_text = text_member(jwk, "d");
  auto x_text = text_member(jwk, "x");
  auto y_text = text_member(jwk, "y");
  if (!d_text || !x_text || !y_text) return nullptr;
  auto d = base64url_decode(*d_text);  // the secret: libsodium's constant-time decoder
  auto x = base64url_decode_public(*x_text);
  auto y = base64url_decode_public(*y_text);
  if (!d || !x || !y || d->size() != kP256Bytes || x->size() != kP256Bytes || y->size() != kP256Bytes) {
    if (d) OPENSSL_cleanse(d->data(), d->size());
    return nullptr;
  }
  std::string point = "\x04" + *x + *y;
  BIGNUM* scalar = BN_secure_new();
  if (scalar != nullptr) BN_bin2bn(reinterpret_cast<const unsigned char*>(d->data()), kP256Bytes, scalar);
  OPENSSL_cleanse(d->data(), d->size());
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  if (scalar != nullptr && builder != nullptr &&
      OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
      OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_PRIV_KEY, scalar) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1) {
    params = OSSL_PARAM_BLD_to_param(builder);
  }
  OSSL_PARAM_BLD_free(builder);
  BN_clear_free(scalar);
  if (params == nullptr) return nullptr;
  PkeyContextPtr importer(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  const bool imported = importer && EVP_PKEY_fromdata_init(importer.get()) == 1 &&
                        EVP_PKEY_fromdata(importer.get(), &raw, EVP_PKEY_KEYPAIR, params) == 1;
  OSSL_PARAM_free(params);  // the scalar was pushed from secure memory: its copy is cleared on free
  if (!imported) return nullptr;
  PkeyPtr key(raw);
  PkeyContextPtr signer(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!signer || EVP_PKEY_pairwise_check(signer.get()) != 1 || EVP_PKEY_sign_init(signer.get()) != 1) return nullptr;
  return signer;
}

// Per thread, as the verifiers; an unusable JWK is remembered as such (no signer).
EVP_PKEY_CTX* cached_p256_signer(const std::string& json) {
  thread_local std::unordered_map<std::string, PkeyContextPtr> cache;
  if (auto found = cache.find(json); found != cache.end()) return found->second.get();
  if (cache.size() > 256) cache.clear();
  return cache.emplace(json, p256_signer(json)).first->second.get();
}

// header.payload.signature, the signature as r || s (RFC 7518 §3.4).
Result<std::string> sign_es256(const KeyPair& key, std::string_view payload, std::string_view typ) {
  EVP_PKEY_CTX* signer = cached_p256_signer(key.private_jwk);
  if (signer == nullptr) return make_error(Errc::jwk_invalid, "the signing key is not a P-256 key pair");
  const boost::json::object header{{"alg", "ES256"}, {"kid", key.kid}, {"typ", typ}};
  std::string compact = base64url_public(boost::json::serialize(header));
  compact += '.';
  compact += base64url_public(payload);
  const std::string digest = sha256_bytes(compact);
  std::array<unsigned char, 80> der{};  // at most 72 bytes for P-256
  std::size_t der_size = der.size();
  if (EVP_PKEY_sign(signer, der.data(), &der_size, reinterpret_cast<const unsigned char*>(digest.data()),
                    digest.size()) != 1) {
    return make_error(Errc::jose_failed, "signing: OpenSSL refused");
  }
  const unsigned char* cursor = der.data();
  SignaturePtr signature(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der_size)));
  if (!signature) return make_error(Errc::jose_failed, "signing: OpenSSL's signature could not be read");
  std::string raw(2 * kP256Bytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(signature.get()), bytes, kP256Bytes) != kP256Bytes ||
      BN_bn2binpad(ECDSA_SIG_get0_s(signature.get()), bytes + kP256Bytes, kP256Bytes) != kP256Bytes) {
    return make_error(Errc::jose_failed, "signing: the signature is not two 32-byte numbers");
  }
  compact += '.';
  compact += base64url_public(raw);
  return compact;
}

// The JWS signature's r || s (RFC 7518 §3.4) against the SHA-256 of the signing input.
bool p256_signature_checks(EVP_PKEY_CTX* verifier, std::string_view signing_input, std::string_view raw_signature) {
  if (raw_signature.size() != 2 * kP256Bytes) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw_signature.data());
  SignaturePtr signature(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, kP256Bytes, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + kP256Bytes, kP256Bytes, nullptr);
  if (!signature || r == nullptr || s == nullptr || ECDSA_SIG_set0(signature.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  std::array<unsigned char, 80> der{};  // a P-256 signature's DER is at most 72 bytes
  unsigned char* end = der.data();
  const int der_size = i2d_ECDSA_SIG(signature.get(), &end);
  if (der_size <= 0 || static_cast<std::size_t>(der_size) > der.size()) return false;
  const std::string digest = sha256_bytes(signing_input);
  return EVP_PKEY_verify(verifier, der.data(), static_cast<std::size_t>(der_size),
                         reinterpret_cast<const unsigned char*>(digest.data()), digest.size()) == 1;
}

struct CompactParts {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // header.payload
};

std::optional<CompactParts> split_compact(std::string_view compact) {
  const auto first = compact.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = compact.find('.', first + 1);
  if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return CompactParts{compact.substr(0, first), compact.substr(first + 1, second - first - 1),
                      compact.substr(second + 1), compact.substr(0, second)};
}

Result<VerifiedJws> verify_es256(const CompactParts& parts, const std::string& kid,
                                 const std::vector<std::string>& public_jwks) {
  auto signature = base64url_decode_public(parts.signature);
  auto payload = base64url_decode_public(parts.payload);
  if (!signature || !payload) return make_error(Errc::token_malformed, "the token is not a compact JWS");
  for (const auto& json : public_jwks) {
    const P256Key& key = cached_p256_key(json);
    if (!key.verifier || (!kid.empty() && key.kid != kid)) continue;
    if (p256_signature_checks(key.verifier.get(), parts.signing_input, *signature)) {
      return VerifiedJws{kid, std::move(payload).value()};
    }
  }
  return make_error(Errc::signature_invalid, "the token's signature is invalid");
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
  if (key.alg == SigningAlgorithm::es256) return sign_es256(key, payload, typ);
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
  auto malformed = [] { return make_error(Errc::token_malformed, "the token is not a compact JWS"); };
  auto parts = split_compact(compact);
  if (!parts) return malformed();
  auto header_text = base64url_decode_public(parts->header);
  if (!header_text) return malformed();
  boost::system::error_code parse_error;
  const boost::json::value header_json = boost::json::parse(*header_text, parse_error);
  if (parse_error || !header_json.is_object()) return malformed();
  const auto es256 = text_member(header_json.as_object(), "alg") == std::optional<std::string>("ES256");
  if (es256) {
    if (std::find(allowed.begin(), allowed.end(), SigningAlgorithm::es256) == allowed.end()) {
      return make_error(Errc::algorithm_refused, "the token's signing algorithm is refused");
    }
    const boost::json::value* kid = header_json.as_object().if_contains("kid");
    if (kid != nullptr && !kid->is_string()) return malformed();
    return verify_es256(*parts, kid != nullptr ? std::string(kid->as_string()) : std::string(), public_jwks);
  }
  cjose_err err{};
  JwsPtr jws(cjose_jws_import(compact.data(), compact.size(), &err));
  if (!jws) return make_error(Errc::token_malformed, "the token is not a compact JWS");
  cjose_header_t* header = cjose_jws_get_protected(jws.get());
  const char* alg_text = header != nullptr ? cjose_header_get(header, CJOSE_HDR_ALG, &err) : nullptr;
  auto alg = parse_signing_algorithm(alg_text != nullptr ? alg_text : "");
  if (!alg || std::find(allowed.begin(), allowed.end(), *alg) == allowed.end()) {
    return make_error(Errc::algorithm_refused, "the token's signing algorithm is refused");
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
    if (!cjose_jws_get_plaintext(jws.get(), &plaintext, &length, &err))
      return make_error(Errc::signature_invalid, "the token's signature is invalid");
    return VerifiedJws{kid, std::string(reinterpret_cast<const char*>(plaintext), length)};
  }
  return make_error(Errc::signature_invalid, "the token's signature is invalid");
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
