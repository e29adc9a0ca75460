#pragma once
// National formats and check digits, each returning the normalised form or nothing: postcodes,
// IBANs (ISO 13616 mod 97) and persons' national numbers. Phone numbers: guichet/core/phone.hpp.
#include <optional>
#include <string>
#include <string_view>

namespace guichet::procedures {

// PT NNNN-NNN (seven digits given without the dash are accepted), FR NNNNN, VN NNNNNN.
std::optional<std::string> normalised_postcode(std::string_view country, std::string_view text);
// Spaces removed, upper case; the country's length (PT 25, FR 27, others 15 to 34) and mod 97.
std::optional<std::string> normalised_iban(std::string_view text);
// PT: NIF (9 digits, mod 11 check digit); FR: NIR (13 characters, 2A/2B for Corsica, and its
// 2-digit key); VN: CCCD (12 digits, a province code 001 to 096).
std::optional<std::string> normalised_national_id(std::string_view country, std::string_view text);

// The IBAN in groups of four, as people read it.
std::string grouped_iban(std::string_view iban);

}  // namespace guichet::procedures
