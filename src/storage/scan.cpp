#include "guichet/storage/scan.hpp"

#include <vector>

#include "backends.hpp"

namespace guichet::storage {

Result<void> scan_integers(Connection& c, std::string_view sql, const Params& params, const IntegerRow& row) {
  if (c.backend() == Backend::sqlite) {
    if (auto scanned = detail::sqlite_scan_integers(c, sql, params, row)) return std::move(*scanned);
  }
  auto rows = c.query(sql, params);
  if (!rows) return std::move(rows).error();
  std::vector<std::int64_t> values;
  for (const Row& r : rows->rows) {
    values.resize(r.size());
    for (std::size_t i = 0; i < r.size(); ++i) values[i] = r.integer(i);
    row(values);
  }
  return {};
}

}  // namespace guichet::storage
