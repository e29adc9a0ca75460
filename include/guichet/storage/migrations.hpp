#pragma once
// Numbered schema migrations, written once in a portable SQL dialect (migrations/NNNN_name.sql).
// A file may hold backend-only blocks, each opened by a line `-- @sqlite` or `-- @postgresql` and
// closed by `-- @all`; and the token AUTO_ID stands for an auto-incrementing primary key.
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::storage {

struct MigrationSource {
  int version;
  std::string name;
  std::string sql;
};

// The migrations compiled into this binary, in version order.
const std::vector<MigrationSource>& builtin_migrations();

// The SQL of one migration for one backend.
std::string render_migration(std::string_view portable_sql, Backend backend);

int latest_version(const std::vector<MigrationSource>& migrations);
// The highest version applied, 0 on an empty database.
Result<int> current_version(Database& db);
// Applies every migration newer than the database, each in its own transaction, holding a lock
// so that several nodes starting together apply each migration exactly once. Returns how many
// were applied.
Result<int> apply_migrations(Database& db, const std::vector<MigrationSource>& migrations, const Clock& clock);

}  // namespace guichet::storage
