#include "guichet/procedures/exports.hpp"

#include <xlsxwriter.h>
#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>

#include "case_rows.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/core/random.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/jobs/outbox.hpp"
#include "guichet/procedures/errors.hpp"

namespace guichet::procedures {
namespace json = boost::json;

namespace {

constexpr std::int64_t kBatch = 1000;

constexpr const char* kExportColumns =
    "id, token, administration, service_code, format, status, total_rows, done_rows, size_bytes, chunks, created_at, "
    "finished_at FROM procedures_exports";

CaseExport export_of(const storage::Row& row) {
  CaseExport e;
  e.id = row.integer(0);
  e.token = row.text(1);
  e.administration = row.text(2);
  e.service_code = row.text(3);
  e.format = parse_export_format(row.text(4)).value_or(ExportFormat::csv);
  const std::string status = row.text(5);
  e.status = status == "running"  ? ExportStatus::running
             : status == "done"   ? ExportStatus::done
             : status == "failed" ? ExportStatus::failed
                                  : ExportStatus::queued;
  e.total_rows = row.integer(6);
  e.done_rows = row.integer(7);
  e.size_bytes = row.integer(8);
  e.chunks = static_cast<int>(row.integer(9));
  e.created_at = from_unix_micros(row.integer(10));
  if (auto at = row.optional_integer(11)) e.finished_at = from_unix_micros(*at);
  return e;
}

// The columns of an export: the case's own, then every question of every version of the
// procedure (the latest version's order first), so rows of older versions line up too.
struct Columns {
  std::vector<std::string> fields;
  std::map<std::string, const Field*, std::less<>> field_of;
  std::vector<std::shared_ptr<const Definition>> keep_alive;
};

const std::vector<std::string>& case_headers() {
  static const std::vector<std::string> headers{"reference",    "status",     "version",
                                                "submitted_at", "updated_at", "agent_group"};
  return headers;
}

Result<Columns> columns_of(storage::Database& db, std::string_view service_code) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query("SELECT id FROM procedures_versions WHERE service_code = ? ORDER BY version DESC",
                   {std::string(service_code)});
  });
  if (!rows) return std::move(rows).error();
  Columns out;
  for (const storage::Row& row : rows->rows) {
    auto version = db.read([&](storage::Connection& c) { return version_on(c, row.integer(0)); });
    if (!version) return std::move(version).error();
    out.keep_alive.push_back(version->definition);
    for (const Field* field : version->definition->questions()) {
      if (out.field_of.emplace(field->id, field).second) out.fields.push_back(field->id);
    }
  }
  return out;
}

// An answer as one cell: dates as written (ISO), amounts in units with a point, choices by their
// id, several separated by ";", an address on one line, a file by its name, a group as JSON.
std::string cell_text(const Field* field, const json::value& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_bool()) return v.as_bool() ? "yes" : "no";
  if (field != nullptr && field->type == FieldType::amount && v.is_int64()) {
    const std::int64_t cents = v.as_int64();
    const std::int64_t whole = cents / 100;
    const std::int64_t fraction = cents < 0 ? -(cents % 100) : cents % 100;
    return (cents < 0 && whole == 0 ? "-" : "") + std::to_string(whole) + "." + (fraction < 10 ? "0" : "") +
           std::to_string(fraction);
  }
  // A group's items keep their structure: one JSON list of objects.
  if (field != nullptr && field->type == FieldType::group) return json::serialize(v);
  if (v.is_array()) {
    std::string out;
    for (const json::value& item : v.as_array()) {
      if (!out.empty()) out += ";";
      out += item.is_string() ? std::string(item.as_string()) : json::serialize(item);
    }
    return out;
  }
  if (v.is_object()) {
    const json::object& o = v.as_object();
    auto part = [&](const char* key) {
      const json::value* p = o.if_contains(key);
      return p != nullptr && p->is_string() ? std::string(p->as_string()) : std::string();
    };
    if (o.contains("name")) return part("name");
    if (o.contains("street")) return part("street") + ", " + part("postcode") + " " + part("city");
  }
  return json::serialize(v);
}

// Spreadsheets run a cell that starts with = + - @ as a formula (OWASP's CSV injection): such
// text is kept as text by a leading apostrophe, numbers are left alone.
std::string safe_cell(std::string text) {
  if (text.empty() || std::string_view("=+-@\t\r").find(text.front()) == std::string_view::npos) return text;
  const bool number =
      text.size() > 1 && text.front() == '-' && text.find_first_not_of("0123456789.", 1) == std::string::npos;
  return number ? text : "'" + text;
}

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\r\n;") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// One submitted case, as much of it as an export shows.
struct ExportedCase {
  std::int64_t id = 0;
  std::string reference;
  std::string status;
  json::object answers;
  std::optional<Instant> submitted_at;
  Instant updated_at;
  std::string agent_group;
  int version = 0;
};

// The cells of one case, in the columns' order.
std::vector<std::string> cells_of(const ExportedCase& c, const Columns& columns) {
  std::vector<std::string> out{c.reference,
                               c.status,
                               std::to_string(c.version),
                               c.submitted_at ? format_rfc3339(*c.submitted_at) : std::string(),
                               format_rfc3339(c.updated_at),
                               c.agent_group};
  for (const std::string& id : columns.fields) {
    const json::value* v = c.answers.if_contains(id);
    out.push_back(v == nullptr ? std::string() : cell_text(columns.field_of.at(id), *v));
  }
  return out;
}

// Writes an export's bytes into its chunks as they come, one small transaction per chunk with the
// progress, so a reader sees how far it is and nothing holds more than a chunk.
class ChunkSink {
 public:
  ChunkSink(storage::Database& db, std::int64_t export_id) : db_(db), export_id_(export_id) {}

  Result<void> write(std::string_view bytes) {
    buffer_.append(bytes);
    if (buffer_.size() >= kExportChunkBytes) return flush(false);
    return {};
  }
  Result<void> progress(std::int64_t rows) {
    rows_ = rows;
    return {};
  }
  // Stores what is buffered (all of it when `last`, else whole chunks).
  Result<void> flush(bool last) {
    while (buffer_.size() >= kExportChunkBytes || (last && !buffer_.empty())) {
      const std::size_t n = std::min(buffer_.size(), kExportChunkBytes);
      const std::string content = base64(std::string_view(buffer_).substr(0, n));
      size_ += static_cast<std::int64_t>(n);
      auto stored = db_.transaction([&](storage::Connection& c) -> Result<void> {
        auto inserted = c.execute("INSERT INTO procedures_export_chunks (export_id, seq, content) VALUES (?, ?, ?)",
                                  {export_id_, std::int64_t{seq_}, content});
        if (!inserted) return std::move(inserted).error();
        auto updated = c.execute("UPDATE procedures_exports SET chunks = ?, size_bytes = ?, done_rows = ? WHERE id = ?",
                                 {std::int64_t{seq_ + 1}, size_, rows_, export_id_});
        if (!updated) return std::move(updated).error();
        return {};
      });
      if (!stored) return stored;
      ++seq_;
      buffer_.erase(0, n);
    }
    return {};
  }
  std::int64_t size() const { return size_; }
  int chunks() const { return seq_; }

 private:
  storage::Database& db_;
  std::int64_t export_id_;
  std::string buffer_;
  int seq_ = 0;
  std::int64_t size_ = 0;
  std::int64_t rows_ = 0;
};

// Reads the service's submitted cases version by version, and in each by id a batch at a time
// (the (procedure_id, id) index: no sort), calling `each` with each case and `after_batch` with
// the number done.
Result<void> for_each_case(storage::Database& db, std::string_view service_code,
                           const std::function<Result<void>(const ExportedCase&)>& each,
                           const std::function<Result<void>(std::int64_t)>& after_batch) {
  auto versions = db.read([&](storage::Connection& connection) {
    return connection.query("SELECT id, version FROM procedures_versions WHERE service_code = ? ORDER BY version",
                            {std::string(service_code)});
  });
  if (!versions) return std::move(versions).error();
  std::int64_t done = 0;
  ExportedCase c;
  for (const storage::Row& version : versions->rows) {
    const std::int64_t procedure_id = version.integer(0);
    c.version = static_cast<int>(version.integer(1));
    std::int64_t last = 0;
    for (;;) {
      auto rows = db.read([&](storage::Connection& connection) {
        return connection.query(
            "SELECT id, reference, status, answers, submitted_at, updated_at, agent_group FROM procedures_cases "
            "WHERE procedure_id = ? AND id > ? AND status <> 'draft' ORDER BY id LIMIT ?",
            {procedure_id, last, kBatch});
      });
      if (!rows) return std::move(rows).error();
      for (const storage::Row& row : rows->rows) {
        c.id = row.integer(0);
        c.reference = row.text(1);
        c.status = row.text(2);
        boost::system::error_code ec;
        json::value answers = json::parse(row.text(3), ec);
        c.answers = !ec && answers.is_object() ? std::move(answers.as_object()) : json::object();
        c.submitted_at.reset();
        if (auto at = row.optional_integer(4)) c.submitted_at = from_unix_micros(*at);
        c.updated_at = from_unix_micros(row.integer(5));
        c.agent_group = row.text(6);
        auto written = each(c);
        if (!written) return written;
        last = c.id;
        ++done;
      }
      if (!rows->empty()) {
        auto reported = after_batch(done);
        if (!reported) return reported;
      }
      if (rows->size() < static_cast<std::size_t>(kBatch)) break;
    }
  }
  return {};
}

Result<void> write_text(storage::Database& db, const CaseExport& e, const Columns& columns, ChunkSink& sink) {
  const bool csv = e.format == ExportFormat::csv;
  if (csv) {
    // A byte-order mark: spreadsheets then read the file as UTF-8 (accents, Vietnamese).
    std::string header = "\xEF\xBB\xBF";
    std::vector<std::string> names = case_headers();
    names.insert(names.end(), columns.fields.begin(), columns.fields.end());
    for (std::size_t i = 0; i < names.size(); ++i) header += (i == 0 ? "" : ",") + csv_cell(names[i]);
    auto written = sink.write(header + "\r\n");
    if (!written) return written;
  } else {
    auto written = sink.write("[");
    if (!written) return written;
  }
  bool first = true;
  std::string line;
  auto each = [&](const ExportedCase& c) -> Result<void> {
    line.clear();
    if (csv) {
      const std::vector<std::string> cells = cells_of(c, columns);
      for (std::size_t i = 0; i < cells.size(); ++i) line += (i == 0 ? "" : ",") + csv_cell(safe_cell(cells[i]));
      line += "\r\n";
    } else {
      json::object o{{"reference", c.reference},
                     {"status", c.status},
                     {"version", c.version},
                     {"submitted_at", c.submitted_at ? json::value(format_rfc3339(*c.submitted_at)) : json::value()},
                     {"updated_at", format_rfc3339(c.updated_at)},
                     {"agent_group", c.agent_group},
                     {"answers", c.answers}};
      line = (first ? "\n" : ",\n") + json::serialize(o);
    }
    first = false;
    return sink.write(line);
  };
  auto done = for_each_case(db, e.service_code, each, [&](std::int64_t n) { return sink.progress(n); });
  if (!done) return done;
  if (!csv) return sink.write(first ? "]\n" : "\n]\n");
  return {};
}

// libxlsxwriter in constant-memory mode writes each row to a temporary file as it comes; the
// finished workbook is then copied into chunks.
Result<void> write_xlsx(storage::Database& db, const CaseExport& e, const Columns& columns, ChunkSink& sink) {
  namespace fs = std::filesystem;
  const fs::path path = fs::temp_directory_path() / ("guichet-export-" + random_token(12) + ".xlsx");
  struct Remove {
    fs::path path;
    ~Remove() {
      std::error_code ignored;
      fs::remove(path, ignored);
    }
  } remove{path};
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;
  const std::string tmpdir = fs::temp_directory_path().string();
  options.tmpdir = const_cast<char*>(tmpdir.c_str());  // NOLINT(cppcoreguidelines-pro-type-const-cast): a C API
  // Closed (and so written) once, by the end of the function or by the guard on an early return.
  std::unique_ptr<lxw_workbook, decltype(&workbook_close)> workbook(workbook_new_opt(path.c_str(), &options),
                                                                    &workbook_close);
  if (!workbook) return make_error(Errc::export_failed, "the spreadsheet could not be started");
  lxw_format* bold = workbook_add_format(workbook.get());
  format_set_bold(bold);
  std::vector<std::string> names = case_headers();
  names.insert(names.end(), columns.fields.begin(), columns.fields.end());
  // A sheet holds 1,048,576 rows: past that, the cases go on in a new sheet with the same header.
  lxw_worksheet* sheet = nullptr;
  lxw_row_t row = 0;
  int sheets = 0;
  auto new_sheet = [&] {
    ++sheets;
    const std::string name = e.service_code.substr(0, 24) + (sheets > 1 ? "-" + std::to_string(sheets) : "");
    sheet = workbook_add_worksheet(workbook.get(), name.c_str());
    for (std::size_t i = 0; i < names.size(); ++i) {
      worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(i), names[i].c_str(), bold);
    }
    row = 1;
  };
  new_sheet();
  auto each = [&](const ExportedCase& c) -> Result<void> {
    if (row >= LXW_ROW_MAX) new_sheet();
    const std::vector<std::string> cells = cells_of(c, columns);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (!cells[i].empty()) worksheet_write_string(sheet, row, static_cast<lxw_col_t>(i), cells[i].c_str(), nullptr);
    }
    ++row;
    return {};
  };
  auto progress = [&](std::int64_t n) -> Result<void> {
    auto updated = db.transaction([&](storage::Connection& c) {
      return c.execute("UPDATE procedures_exports SET done_rows = ? WHERE id = ?", {n, e.id});
    });
    if (!updated) return std::move(updated).error();
    return sink.progress(n);
  };
  auto done = for_each_case(db, e.service_code, each, progress);
  if (!done) return done;
  if (workbook_close(workbook.release()) != LXW_NO_ERROR) {
    return make_error(Errc::export_failed, "the spreadsheet could not be written");
  }
  std::ifstream in(path, std::ios::binary);
  std::string buffer(kExportChunkBytes, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    auto written = sink.write(std::string_view(buffer.data(), n));
    if (!written) return written;
  }
  return {};
}

}  // namespace

std::string_view to_string(ExportFormat format) {
  switch (format) {
    case ExportFormat::csv:
      return "csv";
    case ExportFormat::json:
      return "json";
    case ExportFormat::xlsx:
      return "xlsx";
  }
  return "csv";
}

std::optional<ExportFormat> parse_export_format(std::string_view text) {
  if (text == "csv") return ExportFormat::csv;
  if (text == "json") return ExportFormat::json;
  if (text == "xlsx") return ExportFormat::xlsx;
  return std::nullopt;
}

std::string_view content_type_of(ExportFormat format) {
  switch (format) {
    case ExportFormat::csv:
      return "text/csv; charset=utf-8";
    case ExportFormat::json:
      return "application/json";
    case ExportFormat::xlsx:
      return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  }
  return "application/octet-stream";
}

std::string_view to_string(ExportStatus status) {
  switch (status) {
    case ExportStatus::queued:
      return "queued";
    case ExportStatus::running:
      return "running";
    case ExportStatus::done:
      return "done";
    case ExportStatus::failed:
      return "failed";
  }
  return "queued";
}

std::string CaseExport::file_name() const {
  std::string day = format_iso_day(std::chrono::floor<std::chrono::days>(created_at));
  std::erase(day, '-');
  return "cases-" + service_code + "-" + day + "." + std::string(to_string(format));
}

Result<CaseExport> request_export(storage::Database& db, const Clock& clock, std::string_view administration,
                                  std::string_view service_code, ExportFormat format, std::int64_t actor_user_id) {
  const std::string token = random_token(18);
  auto id = db.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
    auto inserted = c.query(
        "INSERT INTO procedures_exports (token, administration, service_code, format, requested_by, status, "
        "created_at) VALUES (?, ?, ?, ?, ?, 'queued', ?) RETURNING id",
        {token, std::string(administration), std::string(service_code), std::string(to_string(format)), actor_user_id,
         to_unix_micros(clock.now())});
    if (!inserted) return std::move(inserted).error();
    const std::int64_t row = inserted->rows.at(0).integer(0);
    json::object details{{"service", service_code}, {"format", to_string(format)}};
    auto audited =
        identity::record_audit(c,
                               identity::AuditEvent{"user:" + std::to_string(actor_user_id), "procedure.exported",
                                                    "procedure:" + std::string(service_code), json::serialize(details)},
                               clock);
    if (!audited) return std::move(audited).error();
    auto queued =
        jobs::enqueue(c,
                      jobs::NewJob{kExportJobKind, json::serialize(json::object{{"export_id", row}}), std::nullopt, 3,
                                   std::string(kExportJobKind) + ":" + std::to_string(row), jobs::JobPriority::normal},
                      clock);
    if (!queued) return std::move(queued).error();
    return row;
  });
  if (!id) return std::move(id).error();
  return find_export(db, token);
}

Result<CaseExport> find_export(storage::Database& db, std::string_view token) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query(std::string("SELECT ") + kExportColumns + " WHERE token = ?", {std::string(token)});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_such_export, "no such export");
  return export_of(rows->rows.front());
}

Result<void> run_export(storage::Database& db, const Clock& clock, std::int64_t export_id) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query(std::string("SELECT ") + kExportColumns + " WHERE id = ?", {export_id});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return {};  // purged meanwhile
  const CaseExport e = export_of(rows->rows.front());
  if (e.status == ExportStatus::done) return {};
  auto columns = columns_of(db, e.service_code);
  if (!columns) return std::move(columns).error();
  // Starting (again): no chunk of an earlier, interrupted run is kept.
  auto started = db.transaction([&](storage::Connection& c) -> Result<void> {
    auto cleared = c.execute("DELETE FROM procedures_export_chunks WHERE export_id = ?", {export_id});
    if (!cleared) return std::move(cleared).error();
    auto total = c.query(
        "SELECT COUNT(*) FROM procedures_cases c JOIN procedures_versions v ON v.id = c.procedure_id "
        "WHERE v.service_code = ? AND c.status <> 'draft'",
        {e.service_code});
    if (!total) return std::move(total).error();
    auto updated = c.execute(
        "UPDATE procedures_exports SET status = 'running', total_rows = ?, done_rows = 0, size_bytes = 0, chunks = 0 "
        "WHERE id = ?",
        {total->rows.at(0).integer(0), export_id});
    if (!updated) return std::move(updated).error();
    return {};
  });
  if (!started) return started;
  ChunkSink sink(db, export_id);
  Result<void> written =
      e.format == ExportFormat::xlsx ? write_xlsx(db, e, *columns, sink) : write_text(db, e, *columns, sink);
  if (written) written = sink.flush(true);
  const bool ok = written.ok();
  auto finished = db.transaction([&](storage::Connection& c) {
    return c.execute(
        "UPDATE procedures_exports SET status = ?, done_rows = total_rows, size_bytes = ?, chunks = ?, "
        "finished_at = ? WHERE id = ?",
        {std::string(ok ? "done" : "failed"), sink.size(), std::int64_t{sink.chunks()}, to_unix_micros(clock.now()),
         export_id});
  });
  if (!written) return written;
  if (!finished) return std::move(finished).error();
  return {};
}

std::shared_ptr<http::BodyStream> export_stream(storage::Database& db, const CaseExport& done) {
  auto stream = std::make_shared<http::BodyStream>();
  stream->length = static_cast<std::uint64_t>(done.size_bytes);
  auto next_seq = std::make_shared<int>(0);
  const std::int64_t id = done.id;
  const int chunks = done.chunks;
  storage::Database* database = &db;
  stream->next = [database, id, chunks, next_seq]() -> Result<std::string> {
    if (*next_seq >= chunks) return std::string();
    auto rows = database->read([&](storage::Connection& c) {
      return c.query("SELECT content FROM procedures_export_chunks WHERE export_id = ? AND seq = ?",
                     {id, std::int64_t{*next_seq}});
    });
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return make_error(Errc::no_such_export, "the export was deleted while it was read");
    ++*next_seq;
    return base64_decode(rows->rows.front().text(0));
  };
  return stream;
}

Result<int> purge_exports(storage::Database& db, const Clock& clock, std::chrono::hours kept) {
  auto deleted = db.transaction([&](storage::Connection& c) {
    return c.execute("DELETE FROM procedures_exports WHERE created_at < ?", {to_unix_micros(clock.now() - kept)});
  });
  if (!deleted) return std::move(deleted).error();
  return static_cast<int>(*deleted);
}

}  // namespace guichet::procedures
