// SQLite backend: WAL journal, a busy timeout, foreign keys on. Each pooled connection is used
// by one thread at a time, so the library's own mutexes are off (SQLITE_OPEN_NOMUTEX).
#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "storage/backends.hpp"

namespace guichet::storage::detail {
namespace {

Error sqlite_error(sqlite3* db, int code, std::string_view doing) {
  std::string message = std::string(doing) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(code));
  int primary = code & 0xff;
  if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return make_error(ErrorKind::conflict, "unique_violation", message);
  }
  if (primary == SQLITE_CONSTRAINT) return make_error(ErrorKind::conflict, "constraint_violation", message);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return make_error(ErrorKind::unavailable, "database_busy", message);
  }
  return make_error(ErrorKind::internal, "database_error", message);
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
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
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
      return make_error(ErrorKind::internal, "bad_parameter_count",
                        "statement expects " + std::to_string(sqlite3_bind_parameter_count(raw)) + " parameters, got " +
                            std::to_string(params.size()));
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
        const auto& s = std::get<std::string>(v);
        rc = sqlite3_bind_text64(raw, index, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) return sqlite_error(db_, rc, "bind");
    }
    return statement;
  }

  sqlite3* db_;
  std::map<std::string, Statement, std::less<>> statements_;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_sqlite_connection(const std::string& path, const DatabaseOptions& options) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return make_error(ErrorKind::unavailable, "database_unreachable",
                      "cannot open SQLite file " + path + ": " + message);
  }
  auto connection = std::make_unique<SqliteConnection>(db);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  // synchronous=NORMAL in WAL mode: a committed transaction survives a crash of the process;
  // only a power loss may drop the last commits. docs/ARCHITECTURE.md states this.
  auto pragmas =
      connection->execute_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  if (!pragmas) return std::move(pragmas).error();
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace guichet::storage::detail
