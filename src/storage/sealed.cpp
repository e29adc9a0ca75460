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

Result<void> each_sealed_value(
    Connection& c, const SealedColumn& column,
    const std::function<Result<void>(std::string_view stored, const std::string& purpose)>& visit) {
  auto rows = read_all(c, column);
  if (!rows) return std::move(rows).error();
  for (const auto& row : rows->rows) {
    if (row.is_null(1)) continue;  // nothing stored (a signature not uploaded yet)
    if (auto visited = visit(row.text(1), std::string(column.purpose_prefix) + key_text(column, row)); !visited) {
      return visited;
    }
  }
  return {};
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
