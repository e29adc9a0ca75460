#include "guichet/storage/backup.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "backends.hpp"
#include "guichet/storage/errors.hpp"
#include "guichet/storage/migrations.hpp"

namespace guichet::storage {
namespace {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;

Error bad_backup(const std::string& file, const std::string& why) {
  return make_error(Errc::bad_backup, file + " is not a usable Guichet backup: " + why);
}

Result<SqliteHandle> open_file(const std::string& path, int flags) {
  detail::configure_sqlite();
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqliteHandle handle(raw);
  if (rc != SQLITE_OK) {
    return make_error(Errc::bad_backup,
                      "cannot open " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(raw, 5000);
  return handle;
}

// One text value from a statement without parameters; empty on any failure.
std::optional<std::string> single_text(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) return std::nullopt;
  std::optional<std::string> out;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    out = text ? text : "";
  }
  sqlite3_finalize(statement);
  return out;
}

std::string sqlite_path(const std::string& url) {
  std::string path = url.substr(7);
  if (path.starts_with("//")) path = path.substr(2);
  return path;
}

}  // namespace

Result<void> backup_to(Database& db, const std::string& file) {
  if (db.backend() != Backend::sqlite) {
    return make_error(Errc::backup_sqlite_only,
                      "guichet admin backup copies SQLite databases; on PostgreSQL use pg_dump or a base backup "
                      "(docs/OPERATIONS.md)");
  }
  if (file.empty()) return make_error(Errc::bad_backup_file, "--to needs a file name");
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    return make_error(Errc::backup_exists, file + " already exists; choose a new file");
  }
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto copied = (*connection)->execute("VACUUM INTO ?", {file});
  if (!copied) return std::move(copied).error();
  return {};
}

Result<BackupCheck> check_backup(const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return bad_backup(file, "no such file");
  auto db = open_file(file, SQLITE_OPEN_READONLY);
  if (!db) return std::move(db).error();
  auto integrity = single_text(db->get(), "PRAGMA integrity_check");
  if (!integrity) return bad_backup(file, "not a SQLite database");
  if (*integrity != "ok") return bad_backup(file, "integrity check failed: " + *integrity);
  auto version = single_text(db->get(), "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!version) return bad_backup(file, "it has no schema_migrations table");
  BackupCheck check{std::stoi(*version)};
  int latest = latest_version(builtin_migrations());
  if (check.schema_version < 1) return bad_backup(file, "it has no migrations applied");
  if (check.schema_version > latest) {
    return bad_backup(file, "its schema version " + std::to_string(check.schema_version) +
                                " is newer than this binary's " + std::to_string(latest) +
                                "; restore with a newer guichet");
  }
  return check;
}

Result<BackupCheck> restore_from(const std::string& file, const std::string& database_url) {
  if (!database_url.starts_with("sqlite:")) {
    return make_error(Errc::restore_sqlite_only,
                      "guichet admin restore writes SQLite databases; on PostgreSQL use pg_restore "
                      "(docs/OPERATIONS.md)");
  }
  auto check = check_backup(file);
  if (!check) return check;
  auto source = open_file(file, SQLITE_OPEN_READONLY);
  if (!source) return std::move(source).error();
  auto target = open_file(sqlite_path(database_url), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!target) return std::move(target).error();
  sqlite3_backup* copy = sqlite3_backup_init(target->get(), "main", source->get(), "main");
  if (copy == nullptr) {
    return make_error(Errc::restore_failed, std::string("cannot restore: ") + sqlite3_errmsg(target->get()));
  }
  int rc = sqlite3_backup_step(copy, -1);  // all pages, under the target's write lock
  sqlite3_backup_finish(copy);
  if (rc != SQLITE_DONE) {
    return make_error(Errc::restore_failed,
                      std::string("cannot restore (is a node still running on it?): ") + sqlite3_errstr(rc));
  }
  return check;
}

}  // namespace guichet::storage
