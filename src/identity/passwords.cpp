#include "guichet/identity/passwords.hpp"

#include <sodium.h>
#include <zxcvbn.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "guichet/core/compute.hpp"
#include "guichet/core/utf8.hpp"
#include "guichet/identity/errors.hpp"
#include "password_words.hpp"

namespace guichet::identity {
namespace {

// Frequent choices that pass a 12-character minimum (from public breach-frequency lists), and
// words tied to this service. Shorter common passwords are already refused by the length rule.
constexpr std::array<std::string_view, 48> kCommon{
    "123456789012",     "1234567890123", "12345678901234", "123456789123",   "111111111111",     "000000000000",
    "123123123123",     "password1234",  "password12345",  "password123456", "passwordpassword", "qwertyuiopas",
    "qwerty123456",     "qwertyqwerty",  "qwertyuiop123",  "1q2w3e4r5t6y",   "1qaz2wsx3edc",     "zaq12wsxcde3",
    "abcdefghijkl",     "abcdefghijklm", "abcd1234abcd",   "aaaaaaaaaaaa",   "iloveyou1234",     "iloveyouiloveyou",
    "letmein12345",     "welcome12345",  "welcome123456",  "administrator",  "adminadmin123",    "changeme1234",
    "trustno1trustno1", "football1234",  "baseball1234",   "superman1234",   "sunshine1234",     "princess1234",
    "monkey123456",     "dragon123456",  "azertyuiop12",   "azerty123456",   "motdepasse123",    "motdepasse1234",
    "palavrapasse",     "senha1234567",  "matkhau12345",   "guichet12345",   "guichetguichet",   "servicepublic"};

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

Error refuse(Errc code, std::string message) { return make_error(code, std::move(message)); }

// Words of this service and of the person's own address, which a guesser tries first.
constexpr std::array<std::string_view, 10> kServiceWords{
    "guichet", "servicepublic", "servicopublico", "motdepasse", "palavrapasse",
    "senha",   "matkhau",       "password",       "portail",    "portal"};

// What zxcvbn says of a password: its estimated guesses in bits, and whether its weakest part is
// a pattern (keyboard row, sequence, repetition, date) rather than words and names.
struct Estimate {
  double bits = 0;
  bool pattern = false;
};

Estimate estimate(const std::string& password, std::string_view email) {
  std::vector<std::string> context(kServiceWords.begin(), kServiceWords.end());
  const std::string address = lowercase(email);
  const auto at = address.find('@');
  if (at != std::string::npos) {
    context.push_back(address.substr(0, at));
    context.push_back(address.substr(at + 1, address.find('.', at) - at - 1));
  }
  // The person's own words first (the most likely guesses), then the French and Portuguese lists.
  std::vector<const char*> dictionary;
  dictionary.reserve(context.size() + kPasswordWordCount + 1);
  for (const auto& word : context) dictionary.push_back(word.c_str());
  dictionary.insert(dictionary.end(), kPasswordWords, kPasswordWords + kPasswordWordCount);
  dictionary.push_back(nullptr);
  ZxcMatch_t* info = nullptr;
  Estimate result;
  result.bits = ZxcvbnMatch(password.c_str(), dictionary.data(), &info);
  double pattern_chars = 0;
  for (const ZxcMatch_t* match = info; match != nullptr; match = match->Next) {
    const int type = match->Type & ~MULTIPLE_MATCH;
    const bool repeated = (match->Type & MULTIPLE_MATCH) != 0;  // a part typed again ("1234" twice)
    if (repeated || type == SPATIAL_MATCH || type == SEQUENCE_MATCH || type == REPEATS_MATCH || type == DATE_MATCH ||
        type == YEAR_MATCH) {
      pattern_chars += match->Length;
    }
  }
  ZxcvbnFreeInfo(info);
  result.pattern = pattern_chars * 2 >= static_cast<double>(code_points(password));
  return result;
}

}  // namespace

Result<void> check_new_password(std::string_view password, std::string_view email, const PasswordPolicy& policy) {
  if (!is_valid_utf8(password)) return refuse(Errc::password_invalid, "the password is not valid text");
  std::size_t length = code_points(password);
  if (length < policy.min_characters) {
    return refuse(Errc::password_too_short,
                  "the password needs at least " + std::to_string(policy.min_characters) + " characters");
  }
  if (length > policy.max_characters) {
    return refuse(Errc::password_too_long,
                  "the password can have at most " + std::to_string(policy.max_characters) + " characters");
  }
  std::string lower = lowercase(password);
  if (std::find(kCommon.begin(), kCommon.end(), lower) != kCommon.end()) {
    return refuse(Errc::password_common, "this password is too common; choose another");
  }
  if (std::all_of(lower.begin(), lower.end(), [&](char c) { return c == lower.front(); })) {
    return refuse(Errc::password_common, "a password of one repeated character is too easy to guess");
  }
  std::string address = lowercase(email);
  std::string local = address.substr(0, address.find('@'));
  if (!address.empty() && (lower == address || (local.size() >= 4 && lower.find(local) != std::string::npos))) {
    return refuse(Errc::password_contains_email, "the password must not contain your e-mail address");
  }
  // NIST SP 800-63B §5.1.1.2: refuse what is in breach lists, dictionary words, repetitive or
  // sequential characters and context-specific words. zxcvbn estimates how many guesses find the
  // password from all of these at once (its own breached-password, English and name lists, the
  // French and Portuguese words, the service's and the person's own words).
  // Some milliseconds of CPU per check (the French and Portuguese lists are scanned): on the
  // compute pool, under its bound, like the hashing that follows.
  auto guessed = ComputePool::shared().run([&] { return estimate(std::string(password), email); });
  if (!guessed) return std::move(guessed).error();
  if (guessed->bits < policy.min_guess_bits) {
    if (guessed->pattern) {
      return refuse(Errc::password_pattern,
                    "this password follows a pattern (keyboard row, sequence, repetition or date) that is guessed "
                    "quickly; choose words of your own");
    }
    return refuse(Errc::password_common, "this password is made of common words or names and is guessed quickly");
  }
  return {};
}

Result<std::string> hash_password(std::string_view password) {
  if (sodium_init() < 0) return make_error(Errc::crypto_unavailable, "libsodium could not start");
  auto hashed = ComputePool::shared().run([password]() -> std::optional<std::string> {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), kArgonPasses, kArgonMemoryBytes,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
      return std::nullopt;
    }
    return std::string(out);
  });
  if (!hashed) return std::move(hashed).error();
  if (!*hashed) return make_error(Errc::out_of_memory, "not enough memory to hash the password");
  return std::move(**hashed);
}

Result<bool> verify_password(std::string_view password, const std::string& stored_hash) {
  if (sodium_init() < 0 || stored_hash.empty()) return false;
  return ComputePool::shared().run([password, &stored_hash] {
    return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
  });
}

bool password_needs_rehash(const std::string& stored_hash) {
  return crypto_pwhash_str_needs_rehash(stored_hash.c_str(), kArgonPasses, kArgonMemoryBytes) != 0;
}

}  // namespace guichet::identity
