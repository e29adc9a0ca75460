#pragma once
// Access reports. A registry answers other administrations' systems as well as the portal, and
// journals those exchanges on its side only; so that a person's page on the portal lists every
// access to their data (as Estonia's Data Tracker does), the registry tells the portal of them.
// Each minute a job on the registry sends every peer marked as told (`guichet exchange peers
// report`) the exchanges it journaled since the last report: signed by the registry, for that
// peer only, in batches of at most 200. The portal checks the signature against the key it
// pinned for the registry and keeps each entry once (a report sent twice changes nothing).
//
// Told: exchanges about a person by an authenticated consumer other than the peer told (it
// journals its own), whatever the outcome. Not told: requests whose sender was not proved (unknown
// node or key, bad signature, stale, replayed, malformed), which anyone could send to fill a
// person's page.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/exchange/exchange.hpp"
#include "guichet/exchange/journal.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::exchange {

inline constexpr std::string_view kAccessReportType = "guichet-exchange-accesses";
inline constexpr std::size_t kMaxReportBytes = 1024 * 1024;
inline constexpr std::size_t kMaxReportEntries = 200;

// Registry side: whether `peer` is told of the accesses journaled here from now on (a peer told
// again starts where it stopped). Audited `exchange.access_reports_started` / `_stopped`.
Result<void> report_accesses_to(storage::Database& db, const std::string& peer, bool reports, const std::string& actor,
                                const Clock& clock);

// Registry side: sends each peer told what was journaled since its last report, until nothing
// remains; returns how many entries were sent. A peer that cannot be reached is tried again by
// the next run, from where it stopped; the others are told meanwhile.
struct ReportRun {
  std::int64_t sent = 0;
  std::vector<std::string> unreachable;
};
Result<ReportRun> send_access_reports(Node& node, storage::Database& db, const Clock& clock);

// Portal side: checks a report (a compact JWS from a pinned peer, meant for this node) and keeps
// its entries; returns how many were new. Errc::bad_request names the first bad member.
Result<std::int64_t> receive_access_report(Node& node, storage::Database& db, std::string_view compact,
                                           const Clock& clock);

// Portal side: a person's reported accesses, newest first by (at, id), before `before` when given.
struct ReportedAccess {
  std::int64_t id = 0;
  JournalEntry entry;  // as the registry journaled it: side provider, seq its journal's
  std::string consumer_name;
};
struct ReportPosition {
  std::int64_t at = 0;  // unix micros
  std::int64_t id = 0;
};
Result<std::vector<ReportedAccess>> reported_accesses(storage::Database& db, const std::string& person_id,
                                                      std::optional<ReportPosition> before, std::int64_t limit);

// The job sending the reports, every minute on whichever registry node takes it.
inline constexpr std::string_view kReportAccessesJobKind = "exchange.report_accesses";
void register_access_reports(jobs::Worker& worker, Node& node, storage::Database& db, const Clock& clock);

}  // namespace guichet::exchange
