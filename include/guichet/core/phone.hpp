#pragma once
// Phone numbers through libphonenumber (Google's metadata of every country's numbering plan),
// whose headers (protobuf, abseil) stay in core/phone.cpp.
#include <optional>
#include <string>
#include <string_view>

namespace guichet {

// `text` as typed ("912 345 678", "+33 6 12 34 56 78", "0912345678") read in the country
// `country` (ISO 3166 alpha-2) unless it starts with +: its E.164 form ("+351912345678"), or
// nothing when it is not a valid number there.
std::optional<std::string> normalised_phone(std::string_view country, std::string_view text);

// An E.164 number as people read it aloud: "+351 912 345 678". The text as given when it is not
// a number.
std::string readable_phone(std::string_view e164);

}  // namespace guichet
