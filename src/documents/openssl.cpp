#include "openssl.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "guichet/core/digest.hpp"
#include "guichet/documents/errors.hpp"

namespace guichet::documents {
namespace {
std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(length));
}
}  // namespace

std::string openssl_errors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!out.empty()) out += "; ";
    out += buffer;
  }
  return out;
}

Error crypto_error(std::string_view what) {
  return make_error(Errc::crypto_failed, std::string(what) + ": " + openssl_errors());
}

Result<X509Ptr> parse_certificate(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!certificate) return crypto_error("reading a certificate");
  return certificate;
}

Result<PkeyPtr> parse_private_key(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return crypto_error("reading a private key");
  return key;
}

std::string certificate_pem(X509* certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), certificate);
  return bio_text(bio.get());
}

std::string certificate_der(X509* certificate) {
  unsigned char* der = nullptr;
  const int length = i2d_X509(certificate, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(std::max(length, 0)));
  OPENSSL_free(der);
  return out;
}

std::string private_key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio.get());
}

std::string serial_hex(X509* certificate) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(certificate);
  return hex(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(serial)),
                              static_cast<std::size_t>(ASN1_STRING_length(serial))));
}

std::string name_line(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bio_text(bio.get());
}

std::string subject_line(X509* certificate) { return name_line(X509_get_subject_name(certificate)); }

}  // namespace guichet::documents
