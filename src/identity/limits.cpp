#include "guichet/identity/limits.hpp"

#include <algorithm>

#include "guichet/identity/users.hpp"

namespace guichet::identity {
namespace {
using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::seconds;

std::string recipient_key(std::string_view recipient) {
  auto normalised = normalise_email(recipient);
  return "mail:to:" + (normalised ? *normalised : std::string(recipient.substr(0, 320)));
}

}  // namespace

Result<std::optional<seconds>> take_allowances(storage::Database& db, const std::vector<Allowance>& allowances,
                                               const Clock& clock) {
  const std::int64_t now = to_unix_micros(clock.now());
  return db.transaction([&](storage::Connection& c) -> Result<std::optional<seconds>> {
    std::vector<std::pair<std::int64_t, std::int64_t>> windows;  // (start, count) per allowance
    for (const Allowance& a : allowances) {
      const std::int64_t length = duration_cast<microseconds>(a.window).count();
      const std::int64_t start = now - now % length;
      auto rows = c.query("SELECT count FROM action_counts WHERE key = ? AND window_start = ?", {a.key, start});
      if (!rows) return std::move(rows).error();
      const std::int64_t count = rows->empty() ? 0 : rows->rows[0].integer(0);
      if (count >= a.max) {
        return std::optional<seconds>(
            std::max(seconds(1), duration_cast<seconds>(microseconds(start + length - now)) + seconds(1)));
      }
      windows.emplace_back(start, count);
    }
    for (std::size_t i = 0; i < allowances.size(); ++i) {
      const Allowance& a = allowances[i];
      const auto [start, count] = windows[i];
      if (count == 0) {
        // A new window: the key's ended ones go (kept a day, for an operator's look).
        auto forgotten = c.execute("DELETE FROM action_counts WHERE key = ? AND window_start < ?",
                                   {a.key, now - duration_cast<microseconds>(std::chrono::hours(24)).count()});
        if (!forgotten) return std::move(forgotten).error();
      }
      auto counted = c.execute(
          "INSERT INTO action_counts (key, window_start, count) VALUES (?, ?, 1) "
          "ON CONFLICT (key, window_start) DO UPDATE SET count = action_counts.count + 1",
          {a.key, start});
      if (!counted) return std::move(counted).error();
    }
    return std::optional<seconds>();
  });
}

std::vector<Allowance> registration_allowances(const MailLimits& limits, std::string_view client_address,
                                               std::string_view recipient) {
  return {{"register:address:" + std::string(client_address), limits.registrations_per_address},
          {recipient_key(recipient), limits.mails_per_recipient}};
}

std::vector<Allowance> reset_allowances(const MailLimits& limits, std::string_view client_address,
                                        std::string_view recipient) {
  return {{"reset:address:" + std::string(client_address), limits.resets_per_address},
          {recipient_key(recipient), limits.mails_per_recipient}};
}

std::vector<Allowance> email_change_allowances(const MailLimits& limits, std::int64_t user_id,
                                               std::string_view recipient) {
  return {{"email_change:user:" + std::to_string(user_id), limits.email_changes_per_account},
          {recipient_key(recipient), limits.mails_per_recipient}};
}

}  // namespace guichet::identity
