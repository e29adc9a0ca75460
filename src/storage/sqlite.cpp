// SQLite backend: WAL journal, a busy timeout, foreign keys on. Each pooled connection is used
// by one thread at a time, so the library's own mutexes are off (SQLITE_OPEN_NOMUTEX).
#include <sqlite3.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "backends.hpp"
#include "guichet/storage/errors.hpp"
#include "guichet/storage/scan.hpp"

namespace guichet::storage::detail {
namespace {

// What SQLite says after "constraint failed: " names the constraint: a trigger's RAISE message
// is the whole text, a UNIQUE or CHECK failure ends with the columns or the constraint's name.
std::string violated_constraint(int code, std::string_view engine_message) {
  if (code == SQLITE_CONSTRAINT_TRIGGER) return std::string(engine_message);
  constexpr std::string_view kMarker = "constraint failed: ";
  auto at = engine_message.find(kMarker);
  return at == std::string_view::npos ? std::string() : std::string(engine_message.substr(at + kMarker.size()));
}

Error sqlite_error(sqlite3* db, int code, std::string_view doing) {
  std::string_view engine_message = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  std::string message = std::string(doing) + ": " + std::string(engine_message);
  int primary = code & 0xff;
  if (primary == SQLITE_CONSTRAINT) {
    bool unique = code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY;
    Error error = make_error(unique ? Errc::unique_violation : Errc::constraint_violation, message);
    error.constraint = violated_constraint(code, engine_message);
    return error;
  }
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return make_error(Errc::database_busy, message);
  }
  if (primary == SQLITE_FULL) {
    note_storage_exhausted();
    return make_error(Errc::storage_full, message);
  }
  return make_error(Errc::database_error, message);
}

// Waits for the write lock in small sleeps, until busy_timeout or the request's deadline,
// whichever comes first (sqlite3_busy_timeout knows nothing of deadlines).
struct BusyWait {
  std::chrono::milliseconds timeout;
  SteadyTime started{};
};

int wait_while_busy(void* context, int attempt) {
  auto* wait = static_cast<BusyWait*>(context);
  auto now = std::chrono::steady_clock::now();
  if (attempt == 0) wait->started = now;
  if (now - wait->started >= wait->timeout || deadline_passed()) return 0;
  sqlite3_sleep(attempt < 10 ? 1 : 5);
  return 1;
}

struct StatementDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// A prepared statement lent by the connection's cache for one call: reset and unbound when the
// call ends, so the next call with the same SQL skips parsing and planning.
class LentStatement {
 public:
  explicit LentStatement(sqlite3_stmt* statement) : statement_(statement) {}
  LentStatement(LentStatement&& other) noexcept : statement_(std::exchange(other.statement_, nullptr)) {}
  LentStatement& operator=(LentStatement&&) = delete;
  LentStatement(const LentStatement&) = delete;
  LentStatement& operator=(const LentStatement&) = delete;
  ~LentStatement() {
    if (statement_ == nullptr) return;
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  sqlite3_stmt* get() const { return statement_; }

 private:
  sqlite3_stmt* statement_;
};

// Enough for every statement Guichet issues; past it the cache starts afresh rather than grow
// without bound on generated SQL.
constexpr std::size_t kStatementCacheSize = 512;

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(sqlite3* db, std::chrono::milliseconds busy_timeout) : db_(db), busy_{busy_timeout} {
    sqlite3_busy_handler(db_, wait_while_busy, &busy_);
  }
  ~SqliteConnection() override {
    statements_.clear();  // finalized before the connection closes
    sqlite3_close_v2(db_);
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Backend backend() const override { return Backend::sqlite; }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    auto statement = prepare(sql, params);
    if (!statement) return std::move(statement).error();
    sqlite3_stmt* s = statement->get();
    Rows rows;
    int columns = sqlite3_column_count(s);
    rows.columns.reserve(static_cast<std::size_t>(columns));
    for (int i = 0; i < columns; ++i) rows.columns.emplace_back(sqlite3_column_name(s, i));
    for (;;) {
      int rc = sqlite3_step(s);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return sqlite_error(db_, sqlite3_extended_errcode(db_), "query");
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(columns));
      for (int i = 0; i < columns; ++i) {
        switch (sqlite3_column_type(s, i)) {
          case SQLITE_NULL:
            values.emplace_back(nullptr);
            break;
          case SQLITE_INTEGER:
            values.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(s, i)));
            break;
          case SQLITE_FLOAT:
            values.emplace_back(sqlite3_column_double(s, i));
            break;
          default: {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_blob(s, i));
            values.emplace_back(std::string(text ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(s, i))));
          }
        }
      }
      rows.rows.emplace_back(std::move(values));
    }
    return rows;
  }

  // storage::scan_integers: each row as the engine steps to it, no Row made.
  Result<void> scan_integers(std::string_view sql, const Params& params, const IntegerRow& row) {
    auto statement = prepare(sql, params);
    if (!statement) return std::move(statement).error();
    sqlite3_stmt* s = statement->get();
    const auto columns = static_cast<std::size_t>(sqlite3_column_count(s));
    std::vector<std::int64_t> values(columns);
    for (;;) {
      int rc = sqlite3_step(s);
      if (rc == SQLITE_DONE) return {};
      if (rc != SQLITE_ROW) return sqlite_error(db_, sqlite3_extended_errcode(db_), "query");
      for (std::size_t i = 0; i < columns; ++i) values[i] = sqlite3_column_int64(s, static_cast<int>(i));
      row(values);
    }
  }

  Result<std::int64_t> execute(std::string_view sql, const Params& params) override {
    auto statement = prepare(sql, params);
    if (!statement) return std::move(statement).error();
    int rc;
    while ((rc = sqlite3_step(statement->get())) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return sqlite_error(db_, sqlite3_extended_errcode(db_), "execute");
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }

  Result<void> execute_script(std::string_view sql) override {
    std::string copy(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      return sqlite_error(nullptr, rc, "script: " + text);
    }
    return {};
  }

  Result<void> begin() override { return simple("BEGIN IMMEDIATE"); }
  Result<void> commit() override { return simple("COMMIT"); }
  Result<void> rollback() override {
    if (sqlite3_get_autocommit(db_) != 0) return {};  // SQLite may already have rolled back
    return simple("ROLLBACK");
  }
  bool healthy() const override { return true; }
  bool in_transaction() const override { return sqlite3_get_autocommit(db_) == 0; }

 private:
  Result<void> simple(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db_, sqlite3_extended_errcode(db_), sql);
    return {};
  }

  Result<LentStatement> prepare(std::string_view sql, const Params& params) {
    auto cached = statements_.find(sql);
    if (cached == statements_.end()) {
      sqlite3_stmt* fresh = nullptr;
      int prepared = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &fresh, nullptr);
      Statement owned(fresh);
      if (prepared != SQLITE_OK) return sqlite_error(db_, prepared, "prepare");
      if (statements_.size() >= kStatementCacheSize) statements_.clear();
      cached = statements_.emplace(std::string(sql), std::move(owned)).first;
    }
    sqlite3_stmt* raw = cached->second.get();
    LentStatement statement(raw);
    int rc = SQLITE_OK;
    if (static_cast<std::size_t>(sqlite3_bind_parameter_count(raw)) != params.size()) {
      return make_error(Errc::bad_parameter_count, "statement expects " +
                                                       std::to_string(sqlite3_bind_parameter_count(raw)) +
                                                       " parameters, got " + std::to_string(params.size()));
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i) + 1;
      const Value& v = params[i];
      if (std::holds_alternative<std::nullptr_t>(v)) {
        rc = sqlite3_bind_null(raw, index);
      } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(raw, index, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(raw, index, *d);
      } else {
        // Not copied (SQLITE_STATIC): `params` outlives every step of the statement, whose bindings
        // are cleared when the LentStatement goes, before the call returns. A copy was one
        // allocation and one copy per text, a journal line's kilobyte of signed request among them.
        const auto& s = std::get<std::string>(v);
        rc = sqlite3_bind_text64(raw, index, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) return sqlite_error(db_, rc, "bind");
    }
    return statement;
  }

  sqlite3* db_;
  BusyWait busy_;
  std::map<std::string, Statement, std::less<>> statements_;
};

}  // namespace

std::optional<Result<void>> sqlite_scan_integers(Connection& c, std::string_view sql, const Params& params,
                                                 const IntegerRow& row) {
  auto* sqlite = dynamic_cast<SqliteConnection*>(&c);
  if (sqlite == nullptr) return std::nullopt;
  return sqlite->scan_integers(sql, params, row);
}

void configure_sqlite() {
  // No memory statistics (nothing here reads them): with them on, every allocation SQLite makes
  // takes one process-wide mutex, which the many threads of a busy node then queue on
  // (docs/PERFORMANCE.md: exchanges). SQLite accepts this only before its first use; were it
  // refused (SQLite used earlier by other code), the statistics stay on: slower, nothing else.
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

Result<std::unique_ptr<Connection>> open_sqlite_connection(const std::string& path, const DatabaseOptions& options) {
  configure_sqlite();
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return make_error(Errc::database_unreachable, "cannot open SQLite file " + path + ": " + message);
  }
  auto connection = std::make_unique<SqliteConnection>(db, options.busy_timeout);
  // synchronous=NORMAL in WAL mode: a committed transaction survives a crash of the process;
  // only a power loss may drop the last commits. docs/ARCHITECTURE.md states this.
  auto pragmas =
      connection->execute_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  if (!pragmas) return std::move(pragmas).error();
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace guichet::storage::detail
