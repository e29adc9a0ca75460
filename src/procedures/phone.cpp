// Phone numbers through libphonenumber, whose headers (protobuf, abseil) stay in this file.
#include <phonenumbers/phonenumberutil.h>

#include "identifiers.hpp"

namespace guichet::procedures {

std::optional<std::string> normalised_phone(std::string_view country, std::string_view text) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  if (text.size() > 40) return std::nullopt;
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util->Parse(std::string(text), std::string(country), &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::nullopt;
  }
  if (!util->IsValidNumber(number)) return std::nullopt;
  std::string e164;
  util->Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

}  // namespace guichet::procedures
