#pragma once
// Internationalised domain names (UTS #46, through ICU): mail servers and DNS see the ASCII form.
#include <optional>
#include <string>
#include <string_view>

namespace guichet {

// The ASCII (A-label, "xn--…") form of a domain name, lowercase; nullopt when the name is not a
// valid IDNA 2008 domain (a label too long, a disallowed character, bidi rules broken).
std::optional<std::string> domain_to_ascii(std::string_view domain);

}  // namespace guichet
