#include "guichet/core/idna.hpp"

#include <unicode/bytestream.h>
#include <unicode/idna.h>
#include <unicode/stringpiece.h>

#include <memory>

namespace guichet {

std::optional<std::string> domain_to_ascii(std::string_view domain) {
  UErrorCode status = U_ZERO_ERROR;
  // Non-transitional processing (ß and ς kept, as browsers and registries now do), with the
  // bidi and joiner checks of IDNA 2008. The instance is immutable and thread-safe once built.
  static const std::unique_ptr<const icu::IDNA> idna = [] {
    UErrorCode created = U_ZERO_ERROR;
    std::unique_ptr<const icu::IDNA> instance(icu::IDNA::createUTS46Instance(
        UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | UIDNA_USE_STD3_RULES, created));
    return U_SUCCESS(created) ? std::move(instance) : nullptr;
  }();
  if (!idna || domain.empty()) return std::nullopt;
  std::string ascii;
  icu::StringByteSink<std::string> sink(&ascii);
  icu::IDNAInfo info;
  idna->nameToASCII_UTF8(icu::StringPiece(domain.data(), static_cast<int32_t>(domain.size())), sink, info, status);
  if (U_FAILURE(status) || info.hasErrors()) return std::nullopt;
  return ascii;
}

}  // namespace guichet
