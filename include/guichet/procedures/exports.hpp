#pragma once
// Exports of a procedure's submitted cases as CSV, XLSX or JSON, for its administration. An export
// is requested (and audited), then made by the job worker (procedures.export): the cases are read
// a thousand at a time by id and each row written at once into chunks of at most 1 MiB kept in the
// database, with the rows done counted for the progress bar. A download streams those chunks
// (http::BodyStream), so memory stays bounded whatever the number of cases, on every node.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/http/request.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::procedures {

enum class ExportFormat { csv, json, xlsx };
std::string_view to_string(ExportFormat format);
std::optional<ExportFormat> parse_export_format(std::string_view text);
std::string_view content_type_of(ExportFormat format);

enum class ExportStatus { queued, running, done, failed };
std::string_view to_string(ExportStatus status);

struct CaseExport {
  std::int64_t id = 0;
  std::string token;
  std::string administration;
  std::string service_code;
  ExportFormat format = ExportFormat::csv;
  ExportStatus status = ExportStatus::queued;
  std::int64_t total_rows = 0;
  std::int64_t done_rows = 0;
  std::int64_t size_bytes = 0;
  int chunks = 0;
  Instant created_at;
  std::optional<Instant> finished_at;
  std::string file_name() const;  // "cases-address-change-20261203.csv"
};

inline constexpr const char* kExportJobKind = "procedures.export";
inline constexpr std::size_t kExportChunkBytes = 1024 * 1024;

// Queues an export of the service's submitted cases (every version), audited `procedure.exported`
// as `actor_user_id`'s. The caller has checked the actor administers `administration`.
Result<CaseExport> request_export(storage::Database& db, const Clock& clock, std::string_view administration,
                                  std::string_view service_code, ExportFormat format, std::int64_t actor_user_id);
// An export by its token, only within `administration` (Errc::no_such_export otherwise).
Result<CaseExport> find_export(storage::Database& db, std::string_view token);
// The job: writes the export, chunk by chunk. A run that starts again (its node died) starts over.
Result<void> run_export(storage::Database& db, const Clock& clock, std::int64_t export_id);
// The finished export as a streamed body.
std::shared_ptr<http::BodyStream> export_stream(storage::Database& db, const CaseExport& done);
// Deletes exports older than `kept` (the hourly purge).
Result<int> purge_exports(storage::Database& db, const Clock& clock,
                          std::chrono::hours kept = std::chrono::hours(24 * 7));

}  // namespace guichet::procedures
