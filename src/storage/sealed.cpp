#include "guichet/storage/sealed.hpp"

namespace guichet::storage {
namespace {

// The names come from each module's constant SealedColumn, never from input, so they may be
// written into the statement; values go as parameters.
Result<Rows> read_all(Connection& c, const SealedColumn& column) {
  return c.query("SELECT " + std::string(column.key_column) + ", " + std::string(column.value_column) + " FROM " +
                 std::string(column.table) + " ORDER BY " + std::string(column.key_column));
}

std::string key_text(const SealedColumn& column, const Row& row) {
  return column.integer_key ? std::to_string(row.integer(0)) : row.text(0);
}

}  // namespace

Result<std::vector<std::pair<std::string, std::int64_t>>> count_value_heads(Connection& c, const SealedColumn& column,
                                                                            std::size_t length) {
  const std::string value(column.value_column);
  auto rows = c.query("SELECT substr(" + value + ", 1, CAST(? AS INTEGER)) AS head, COUNT(*) FROM " +
                          std::string(column.table) + " WHERE " + value + " IS NOT NULL GROUP BY head ORDER BY head",
                      {static_cast<std::int64_t>(length)});
  if (!rows) return std::move(rows).error();
  std::vector<std::pair<std::string, std::int64_t>> heads;
  heads.reserve(rows->size());
  for (const auto& row : rows->rows) heads.emplace_back(row.text(0), row.integer(1));
  return heads;
}

Result<std::int64_t> rewrite_sealed_values(
    Connection& c, const SealedColumn& column,
    const std::function<Result<std::string>(std::string_view stored, const std::string& purpose)>& rewrite) {
  auto rows = read_all(c, column);
  if (!rows) return std::move(rows).error();
  const std::string update = "UPDATE " + std::string(column.table) + " SET " + std::string(column.value_column) +
                             " = ? WHERE " + std::string(column.key_column) + " = ?";
  std::int64_t rewritten = 0;
  for (const auto& row : rows->rows) {
    if (row.is_null(1)) continue;
    auto value = rewrite(row.text(1), std::string(column.purpose_prefix) + key_text(column, row));
    if (!value) return std::move(value).error();
    const Value key = column.integer_key ? Value(row.integer(0)) : Value(row.text(0));
    auto updated = c.execute(update, {*value, key});
    if (!updated) return std::move(updated).error();
    rewritten += *updated;
  }
  return rewritten;
}

}  // namespace guichet::storage
