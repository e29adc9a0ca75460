// Feeds arbitrary bytes to what reads JSON Web Signatures off the network: the base64url decoder
// for public data (which must decode exactly what libsodium's constant-time one decodes) and its
// check alone, and verify_jws, given the bytes as a token and, signed, as a payload. Any crash,
// leak or undefined behaviour is a bug; so is a token that checks with a key that did not sign it,
// or a signed payload that does not come back whole.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/encoding.hpp"
#include "guichet/oidc/jose.hpp"

using namespace guichet;
using namespace guichet::oidc;

namespace {

const KeyPair& signer() {
  static const KeyPair key = *generate_key_pair(SigningAlgorithm::es256);
  return key;
}
const KeyPair& rsa() {
  static const KeyPair key = *generate_key_pair(SigningAlgorithm::rs256);
  return key;
}
const KeyPair& stranger() {
  static const KeyPair key = *generate_key_pair(SigningAlgorithm::es256);
  return key;
}

void check_decoder(std::string_view text) {
  auto ours = base64url_decode_public(text);
  if (base64url_decodes(text) != ours.ok()) std::abort();
  bool ascii = true;
  for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {
    // libsodium 1.0.18 decodes some bytes above 127 as if they were of the alphabet: compared on
    // ASCII only, where both must agree.
    auto theirs = base64url_decode(text);
    if (ours.ok() != theirs.ok() || (ours && *ours != *theirs)) std::abort();
  } else if (ours) {
    std::abort();
  }
  if (ours && base64url(*ours) != text) std::abort();  // canonical: only one text per bytes
  if (base64url_decode_public(base64url(text)).value() != text) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_decoder(text);
  const std::vector<SigningAlgorithm> both{SigningAlgorithm::es256, SigningAlgorithm::rs256};
  // As a token: whatever it is, it cannot check with a key nobody used to sign it.
  if (verify_jws(text, {stranger().public_jwk}, both).ok()) std::abort();
  (void)verify_jws(text, {signer().public_jwk, stranger().private_jwk, rsa().public_jwk}, both);
  // As a payload: signed, it checks with its key and comes back whole, and with no other key.
  auto token = sign_jws(signer(), text);
  if (!token) std::abort();
  auto verified = verify_jws(*token, {signer().public_jwk}, {SigningAlgorithm::es256});
  if (!verified || verified->payload != text || verified->kid != signer().kid) std::abort();
  if (verify_jws(*token, {stranger().public_jwk}, both).ok()) std::abort();
  return 0;
}
