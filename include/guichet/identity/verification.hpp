#pragma once
// The `high` level of assurance: an identity verifier checks a person's document in person, at a
// citizen shop, and records it. The person's name, birth date and place come from the document.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::identity {

struct IdentityCheck {
  std::string document_type;     // passport, identity_card, residence_permit
  std::string document_country;  // ISO 3166-1 alpha-2, e.g. FR, PT, VN
  std::string document_number;   // only its last four characters are kept
  std::string given_name;
  std::string family_name;
  std::string birthdate;  // YYYY-MM-DD
  std::string birthplace;
  std::string gender;  // female, male or empty
  std::string place;   // the citizen shop
  // The person's national identification number as the document shows it (Portugal: the NIF,
  // 9 digits with a check digit; France: the numéro fiscal, 13 digits; Vietnam: the CCCD number,
  // 12 digits; elsewhere 5 to 20 letters and digits), for the document's country. Optional; once
  // recorded it is the key registries know the person by (the exchange module).
  std::string national_id = {};
};

// "PT:123456789" when `number` is a valid national identification number of `country` (spaces
// and dots ignored), else nullopt.
std::optional<std::string> normalise_national_id(std::string_view country, std::string_view number);

// Validates the check (each problem is an invalid_input error whose code names the field), then
// raises the person to `high`, stores the check and the document's attributes, records
// `identity.verified` by the verifier, and e-mails the person, in one transaction. A verifier
// cannot verify themselves.
Result<void> record_identity_check(storage::Database& db, std::int64_t verifier_id, std::int64_t user_id,
                                   const IdentityCheck& check,
                                   const std::function<jobs::EmailMessage(const std::string&)>& notice,
                                   const Clock& clock);

// Records the national identification number of an account whose identity was established
// elsewhere (an operator loading accounts from a trusted register): "PT:123456789" or a number
// with `country`. Audited as `identity.national_id_set` by `actor`; Errc::identity_field_invalid
// (field national_id) or national_id_taken.
Result<std::string> set_national_id(storage::Database& db, std::int64_t user_id, std::string_view national_id,
                                    const std::string& actor, const Clock& clock);

}  // namespace guichet::identity
