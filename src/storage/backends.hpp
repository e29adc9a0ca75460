#pragma once
// Private to the storage module: how each backend opens one connection.
#include <memory>
#include <optional>
#include <string>

#include "guichet/storage/database.hpp"
#include "guichet/storage/scan.hpp"

namespace guichet::storage::detail {

// Process-wide SQLite settings, applied once before SQLite's first use; every opening of a SQLite
// file calls it first.
void configure_sqlite();
Result<std::unique_ptr<Connection>> open_sqlite_connection(const std::string& path, const DatabaseOptions& options);
Result<std::unique_ptr<Connection>> open_postgres_connection(const std::string& conninfo,
                                                             const DatabaseOptions& options);

// scan_integers on a SQLite connection; nullopt when `c` is not one.
std::optional<Result<void>> sqlite_scan_integers(Connection& c, std::string_view sql, const Params& params,
                                                 const IntegerRow& row);

// Both backends call this when the engine reports the disk (or its quota) full, so /readyz can
// say so to the load balancer for a while after.
void note_storage_exhausted();

// Rewrites portable `?` placeholders to PostgreSQL's $1..$n, leaving quoted text and comments.
std::string to_postgres_placeholders(std::string_view sql);

}  // namespace guichet::storage::detail
