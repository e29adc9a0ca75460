#pragma once
// Private to the storage module: how each backend opens one connection.
#include <memory>
#include <string>

#include "guichet/storage/database.hpp"

namespace guichet::storage::detail {

Result<std::unique_ptr<Connection>> open_sqlite_connection(const std::string& path, const DatabaseOptions& options);
Result<std::unique_ptr<Connection>> open_postgres_connection(const std::string& conninfo,
                                                             const DatabaseOptions& options);

// Both backends call this when the engine reports the disk (or its quota) full, so /readyz can
// say so to the load balancer for a while after.
void note_storage_exhausted();

// Rewrites portable `?` placeholders to PostgreSQL's $1..$n, leaving quoted text and comments.
std::string to_postgres_placeholders(std::string_view sql);

}  // namespace guichet::storage::detail
