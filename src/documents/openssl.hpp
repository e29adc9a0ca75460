#pragma once
// Owning pointers for OpenSSL's objects and the few conversions the module repeats.
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

#include "guichet/core/result.hpp"

namespace guichet::documents {

template <class T, void (*Free)(T*)>
struct OpenSslFree {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree<BIO, BIO_free_all>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, OpenSslFree<CMS_ContentInfo, CMS_ContentInfo_free>>;

// OpenSSL's error queue as one line (and emptied), for messages and logs.
std::string openssl_errors();
Error crypto_error(std::string_view what);

Result<X509Ptr> parse_certificate(std::string_view pem);
Result<PkeyPtr> parse_private_key(std::string_view pem);
std::string certificate_pem(X509* certificate);
std::string certificate_der(X509* certificate);
std::string private_key_pem(EVP_PKEY* key);    // PKCS#8, unencrypted: seal it before storing
std::string subject_line(X509* certificate);   // RFC 2253, UTF-8
std::string name_line(const X509_NAME* name);  // the same, for a name alone
// The serial number's bytes in lowercase hex, as stored in documents_certificates.serial.
std::string serial_hex(X509* certificate);

}  // namespace guichet::documents
