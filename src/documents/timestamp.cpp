#include "guichet/documents/timestamp.hpp"

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/ts.h>

#include <memory>

#include "guichet/core/random.hpp"
#include "guichet/documents/errors.hpp"
#include "openssl.hpp"

namespace guichet::documents {
namespace {

using TsReqPtr = std::unique_ptr<TS_REQ, OpenSslFree<TS_REQ, TS_REQ_free>>;
using TsRespPtr = std::unique_ptr<TS_RESP, OpenSslFree<TS_RESP, TS_RESP_free>>;
using TsCtxPtr = std::unique_ptr<TS_RESP_CTX, OpenSslFree<TS_RESP_CTX, TS_RESP_CTX_free>>;

ASN1_INTEGER* random_serial(TS_RESP_CTX* /*ctx*/, void* /*data*/) {
  const std::string bytes = random_bytes(16);
  std::unique_ptr<BIGNUM, OpenSslFree<BIGNUM, BN_free>> bn(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
  return BN_to_ASN1_INTEGER(bn.get(), nullptr);
}

// The clock's time rather than the system's, so tests can date tokens.
int clock_time(TS_RESP_CTX* /*ctx*/, void* data, long* seconds, long* micros) {
  const auto t = to_unix_micros(static_cast<const Clock*>(data)->now());
  *seconds = static_cast<long>(t / 1'000'000);
  *micros = static_cast<long>(t % 1'000'000);
  return 1;
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

}  // namespace

TimeStampAuthority::TimeStampAuthority(CertificateAuthority& authority, const Clock& clock)
    : authority_(authority), clock_(clock) {}

Result<SigningIdentity> TimeStampAuthority::unit() {
  const Instant now = clock_.now();
  {
    std::lock_guard lock(mutex_);
    if (cached_ && now - cached_->second < std::chrono::minutes(1)) return cached_->first;
  }
  auto fresh = authority_.time_stamping_unit();
  if (!fresh) return std::move(fresh).error();
  std::lock_guard lock(mutex_);
  cached_.emplace(*fresh, now);
  return fresh;
}

Result<std::string> TimeStampAuthority::respond(std::string_view request_der) {
  auto unit = this->unit();
  if (!unit) return std::move(unit).error();
  auto certificate = parse_certificate(unit->certificate_pem);
  if (!certificate) return std::move(certificate).error();
  auto key = parse_private_key(unit->private_key_pem);
  std::fill(unit->private_key_pem.begin(), unit->private_key_pem.end(), '\0');
  if (!key) return std::move(key).error();
  TsCtxPtr ctx(TS_RESP_CTX_new());
  std::unique_ptr<ASN1_OBJECT, OpenSslFree<ASN1_OBJECT, ASN1_OBJECT_free>> policy(OBJ_txt2obj(kTimeStampPolicy, 1));
  std::unique_ptr<STACK_OF(X509), decltype([](STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); })> chain(
      sk_X509_new_null());
  for (const auto& pem : unit->chain_pem) {
    auto ca = parse_certificate(pem);
    if (!ca) return std::move(ca).error();
    sk_X509_push(chain.get(), ca->release());
  }
  if (!ctx || TS_RESP_CTX_set_signer_cert(ctx.get(), certificate->get()) != 1 ||
      TS_RESP_CTX_set_signer_key(ctx.get(), key->get()) != 1 || TS_RESP_CTX_set_certs(ctx.get(), chain.get()) != 1 ||
      TS_RESP_CTX_set_def_policy(ctx.get(), policy.get()) != 1 ||
      TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256()) != 1 ||
      TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256()) != 1 ||
      TS_RESP_CTX_add_md(ctx.get(), EVP_sha256()) != 1 || TS_RESP_CTX_add_md(ctx.get(), EVP_sha384()) != 1 ||
      TS_RESP_CTX_add_md(ctx.get(), EVP_sha512()) != 1 || TS_RESP_CTX_set_accuracy(ctx.get(), 1, 0, 0) != 1) {
    return crypto_error("setting up the time-stamping unit");
  }
  TS_RESP_CTX_set_serial_cb(ctx.get(), random_serial, nullptr);
  TS_RESP_CTX_set_time_cb(ctx.get(), clock_time, const_cast<Clock*>(&clock_));
  BioPtr request(BIO_new_mem_buf(request_der.data(), static_cast<int>(request_der.size())));
  TsRespPtr response(TS_RESP_create_response(ctx.get(), request.get()));
  if (!response) return crypto_error("answering a time-stamp request");
  unsigned char* der = nullptr;
  const int length = i2d_TS_RESP(response.get(), &der);
  if (length <= 0) return crypto_error("encoding a time-stamp response");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

TimeStamper TimeStampAuthority::stamper() {
  return [this](std::string_view request) { return respond(request); };
}

TimeStamper http_time_stamper(std::string url, std::chrono::milliseconds timeout) {
  return [url = std::move(url), timeout](std::string_view request) -> Result<std::string> {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) return make_error(Errc::time_stamp_failed, "libcurl could not start");
    std::string body;
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/timestamp-query");
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, request.data());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(request.size()));
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
    const CURLcode sent = curl_easy_perform(curl.get());
    curl_slist_free_all(headers);
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (sent != CURLE_OK || status != 200) {
      return make_error(Errc::time_stamp_failed, "the time-stamping authority " + url + " did not answer (" +
                                                     std::string(curl_easy_strerror(sent)) + ", HTTP " +
                                                     std::to_string(status) + ")");
    }
    return body;
  };
}

std::string time_stamp_request(std::string_view sha256_digest) {
  TsReqPtr request(TS_REQ_new());
  TS_REQ_set_version(request.get(), 1);
  std::unique_ptr<TS_MSG_IMPRINT, OpenSslFree<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free>> imprint(TS_MSG_IMPRINT_new());
  std::unique_ptr<X509_ALGOR, OpenSslFree<X509_ALGOR, X509_ALGOR_free>> algorithm(X509_ALGOR_new());
  X509_ALGOR_set0(algorithm.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr);
  TS_MSG_IMPRINT_set_algo(imprint.get(), algorithm.get());
  TS_MSG_IMPRINT_set_msg(imprint.get(), reinterpret_cast<unsigned char*>(const_cast<char*>(sha256_digest.data())),
                         static_cast<int>(sha256_digest.size()));
  TS_REQ_set_msg_imprint(request.get(), imprint.get());
  TS_REQ_set_cert_req(request.get(), 1);
  const std::string nonce_bytes = random_bytes(8);
  std::unique_ptr<BIGNUM, OpenSslFree<BIGNUM, BN_free>> bn(BN_bin2bn(
      reinterpret_cast<const unsigned char*>(nonce_bytes.data()), static_cast<int>(nonce_bytes.size()), nullptr));
  std::unique_ptr<ASN1_INTEGER, OpenSslFree<ASN1_INTEGER, ASN1_INTEGER_free>> nonce(
      BN_to_ASN1_INTEGER(bn.get(), nullptr));
  TS_REQ_set_nonce(request.get(), nonce.get());
  unsigned char* der = nullptr;
  const int length = i2d_TS_REQ(request.get(), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(std::max(length, 0)));
  OPENSSL_free(der);
  return out;
}

}  // namespace guichet::documents
