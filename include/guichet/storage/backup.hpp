#pragma once
// Backups an operator can trust, for SQLite (PostgreSQL has pg_dump and base backups; see
// docs/OPERATIONS.md).
#include <string>

#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::storage {

// A consistent copy of the whole database at one instant, taken while `serve` keeps reading and
// writing: `VACUUM INTO` reads one snapshot (WAL mode lets writers go on meanwhile) and writes a
// compact, self-contained file. Every transaction committed before the call began is in it.
// Refuses an existing file rather than overwrite it.
Result<void> backup_to(Database& db, const std::string& file);

struct BackupCheck {
  int schema_version = 0;
};
// Opens a backup read-only and checks it: a SQLite file, `PRAGMA integrity_check` ok, a schema
// this binary knows (no newer than its latest migration).
Result<BackupCheck> check_backup(const std::string& file);

// Puts a checked backup in place of the SQLite database at `database_url`, page by page through
// SQLite's backup API (so its WAL and lock files stay coherent). Every node using the database
// must be stopped first: a restore rolls the whole database back to the backup's instant. Newer
// migrations are applied by the next `guichet migrate` or `serve`.
Result<BackupCheck> restore_from(const std::string& file, const std::string& database_url);

}  // namespace guichet::storage
