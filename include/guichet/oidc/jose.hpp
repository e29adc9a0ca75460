#pragma once
// JSON Web Signatures for the OpenID Connect provider (cjose underneath). Only ES256 and RS256
// exist here: no HS256, no "none", and a verifier always names the algorithm it expects, so a
// token cannot choose how it is checked.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/result.hpp"

namespace guichet::oidc {

enum class SigningAlgorithm { es256, rs256 };
std::string_view to_string(SigningAlgorithm alg);
std::optional<SigningAlgorithm> parse_signing_algorithm(std::string_view text);

// A key pair as JWKs (RFC 7517), with its key id.
struct KeyPair {
  std::string kid;
  SigningAlgorithm alg = SigningAlgorithm::es256;
  std::string private_jwk;
  std::string public_jwk;
};
Result<KeyPair> generate_key_pair(SigningAlgorithm alg);

// Compact JWS of `payload` (a JSON text) with header {"alg","kid","typ"}.
Result<std::string> sign_jws(const KeyPair& key, std::string_view payload, std::string_view typ = "JWT");

struct VerifiedJws {
  std::string kid;
  std::string payload;
};
// Checks a compact JWS against a set of public JWKs (a JWKS document's "keys" as JSON texts):
// the header's alg must be one of `allowed`, the key is chosen by kid (or tried in turn when the
// token has none).
Result<VerifiedJws> verify_jws(std::string_view compact, const std::vector<std::string>& public_jwks,
                               const std::vector<SigningAlgorithm>& allowed);

// The unverified payload of a compact JWS: only to find which key to check it with.
Result<std::string> peek_jws_payload(std::string_view compact);

}  // namespace guichet::oidc
