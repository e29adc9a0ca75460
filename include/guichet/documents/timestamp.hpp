#pragma once
// RFC 3161 time-stamps, which raise a signature from PAdES B-B to B-T: a time-stamping authority
// signs the hash of the signature value with the time, so a verifier knows the signature existed
// then (proof of existence), even after the signer's certificate expires or is revoked.
//
// A signer asks through a TimeStamper: the TimeStampReq's DER in, the TimeStampResp's DER out.
// `http_time_stamper` asks any TSA over HTTP(S) (`--tsa-url`); `TimeStampAuthority` is Guichet's
// own, answering at POST /tsa and in process (`--tsa-url local`), for deployments and tests
// without a qualified TSA.
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/documents/pki.hpp"

namespace guichet::documents {

// The policy Guichet's own TSA states in its tokens (a UUID-based OID, ITU-T X.667).
inline constexpr const char* kTimeStampPolicy = "2.25.199304561190745049263398837214384306321";

class TimeStampAuthority {
 public:
  TimeStampAuthority(CertificateAuthority& authority, const Clock& clock);
  // The TimeStampResp for a TimeStampReq (SHA-256, -384 or -512 imprints), signed by the
  // authority's time-stamping unit with the clock's time. A malformed request gets a response
  // with status "rejection" (RFC 3161 2.4.2), not an error.
  Result<std::string> respond(std::string_view request_der);
  // This authority, in process, as a TimeStamper.
  TimeStamper stamper();

 private:
  // The unit's certificate and opened key, read again once a minute: a time-stamp is asked from
  // inside a signature on the compute pool, which should not wait on the database each time.
  Result<SigningIdentity> unit();

  CertificateAuthority& authority_;
  const Clock& clock_;
  std::mutex mutex_;
  std::optional<std::pair<SigningIdentity, Instant>> cached_;
};

// A TSA over HTTP(S): POST application/timestamp-query, within `timeout`.
TimeStamper http_time_stamper(std::string url, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A TimeStampReq (version 1, certReq true, a random nonce) over `digest`, a SHA-256 hash.
std::string time_stamp_request(std::string_view sha256_digest);

}  // namespace guichet::documents
