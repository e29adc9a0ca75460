#include "guichet/identity/throttle.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace guichet::identity {
namespace {
using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::seconds;

std::string account_key(std::string_view account) { return "account:" + std::string(account); }
std::string address_key(std::string_view address) { return "address:" + std::string(address); }
std::string pair_key(const SignInAttempt& a) { return "pair:" + a.account + "|" + a.address; }
std::string device_key(const SignInAttempt& a) { return "device:" + a.trusted_device; }

// The keys an attempt is throttled under, with the failures each allows before waiting.
std::vector<std::pair<std::string, int>> keys_of(const SignInAttempt& a, const ThrottlePolicy& policy) {
  std::vector<std::pair<std::string, int>> keys;
  if (a.trusted_device.empty()) {
    keys.emplace_back(account_key(a.account), policy.free_account_failures);
  } else {
    keys.emplace_back(device_key(a), policy.free_account_failures);
  }
  if (!a.address.empty()) {
    keys.emplace_back(pair_key(a), policy.free_account_failures);
    keys.emplace_back(address_key(a.address), policy.free_address_failures);
  }
  return keys;
}

// 0 within the free failures, then first_wait, doubling, up to longest_wait.
seconds wait_after(int failures, int free_failures, const ThrottlePolicy& policy) {
  if (failures < free_failures) return seconds(0);
  int doublings = std::min(failures - free_failures, 20);
  auto wait = policy.first_wait * (std::int64_t{1} << doublings);
  return std::min<seconds>(wait, policy.longest_wait);
}

Result<void> bump(storage::Connection& c, const std::string& key, int free_failures, std::int64_t now,
                  const ThrottlePolicy& policy) {
  auto rows = c.query("SELECT failures, last_failure_at FROM sign_in_throttle WHERE key = ?", {key});
  if (!rows) return std::move(rows).error();
  int failures = 1;
  if (!rows->empty() && now - rows->rows[0].integer(1) < duration_cast<microseconds>(policy.forget_after).count()) {
    failures = static_cast<int>(rows->rows[0].integer(0)) + 1;
  }
  std::int64_t blocked_until = now + duration_cast<microseconds>(wait_after(failures, free_failures, policy)).count();
  auto written =
      rows->empty()
          ? c.execute(
                "INSERT INTO sign_in_throttle (key, failures, last_failure_at, blocked_until) VALUES (?, ?, ?, ?)",
                {key, std::int64_t{failures}, now, blocked_until})
          : c.execute("UPDATE sign_in_throttle SET failures = ?, last_failure_at = ?, blocked_until = ? WHERE key = ?",
                      {std::int64_t{failures}, now, blocked_until, key});
  if (!written) return std::move(written).error();
  return {};
}
}  // namespace

Result<seconds> sign_in_wait(storage::Database& db, const SignInAttempt& attempt, const Clock& clock,
                             const ThrottlePolicy& policy) {
  const auto keys = keys_of(attempt, policy);
  storage::Params params;
  for (const auto& key : keys) params.emplace_back(key.first);
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows =
      (*connection)
          ->query("SELECT MAX(blocked_until) FROM sign_in_throttle WHERE key IN " + storage::in_list(keys.size()),
                  params);
  if (!rows) return std::move(rows).error();
  std::int64_t now = to_unix_micros(clock.now());
  std::int64_t until = rows->rows.at(0).is_null(0) ? 0 : rows->rows.at(0).integer(0);
  if (until <= now) return seconds(0);
  return std::chrono::ceil<seconds>(microseconds(until - now));
}

Result<void> record_sign_in_failure(storage::Database& db, const SignInAttempt& attempt, const Clock& clock,
                                    const ThrottlePolicy& policy) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    std::int64_t now = to_unix_micros(clock.now());
    for (const auto& [key, free_failures] : keys_of(attempt, policy)) {
      if (auto r = bump(c, key, free_failures, now, policy); !r) return r;
    }
    return {};
  });
}

Result<void> clear_account_failures(storage::Connection& c, std::string_view account) {
  // The account's own count, and its (account, address) pairs.
  // By prefix, not LIKE: an address may hold '_' or '%', which LIKE would read as wildcards and so
  // clear another account's counts.
  const std::string pairs = "pair:" + std::string(account) + "|";
  auto cleared = c.execute("DELETE FROM sign_in_throttle WHERE key = ? OR substr(key, 1, ?) = ?",
                           {account_key(account), static_cast<std::int64_t>(pairs.size()), pairs});
  if (!cleared) return std::move(cleared).error();
  return {};
}

}  // namespace guichet::identity
