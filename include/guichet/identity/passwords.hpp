#pragma once
// Passwords follow NIST SP 800-63B: at least 12 characters, up to 256, no composition rules,
// common and context-specific passwords refused (zxcvbn's estimate, with French and Portuguese
// words besides its own lists). They are stored as argon2id hashes (19 MiB,
// 2 passes, libsodium), never in clear.
#include <cstddef>
#include <string>
#include <string_view>

#include "guichet/core/result.hpp"

namespace guichet::identity {

struct PasswordPolicy {
  std::size_t min_characters = 12;
  std::size_t max_characters = 256;
  // zxcvbn's estimate, in bits of guesses, below which a password is refused: 30 bits is about a
  // billion guesses, hours of offline work against argon2id on one GPU-less machine and out of
  // reach online, while passphrases of three ordinary words pass.
  double min_guess_bits = 30.0;
};

// Checks a new password; `email` lets it refuse passwords built from the account's own address.
Result<void> check_new_password(std::string_view password, std::string_view email, const PasswordPolicy& policy = {});

// Both run on the process's ComputePool (core/compute.hpp): never on a network thread, never more
// at once than it allows. A full queue answers `unavailable` / "compute_busy" (503, Retry-After).
Result<std::string> hash_password(std::string_view password);
// True when the password matches; false for a wrong one (or an empty or malformed stored hash).
Result<bool> verify_password(std::string_view password, const std::string& stored_hash);
// True when the stored hash used weaker parameters than today's, so sign-in should rehash it.
bool password_needs_rehash(const std::string& stored_hash);

// The argon2id cost used by hash_password.
inline constexpr std::size_t kArgonMemoryBytes = 19U * 1024U * 1024U;
inline constexpr unsigned long long kArgonPasses = 2;

}  // namespace guichet::identity
