// Phone numbers through libphonenumber, whose headers (protobuf, abseil) stay in this file.
#include "guichet/core/phone.hpp"

#include <phonenumbers/phonenumberutil.h>

namespace guichet {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

std::optional<std::string> normalised_phone(std::string_view country, std::string_view text) {
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

std::string readable_phone(std::string_view e164) {
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (e164.size() > 40 || util->Parse(std::string(e164), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::string(e164);
  }
  std::string out;
  util->Format(number, PhoneNumberUtil::INTERNATIONAL, &out);
  return out;
}

}  // namespace guichet
