#pragma once
// Columns that hold secrets sealed at rest (core/secrets.hpp). Each module names its own (its
// tables stay its own); the operator's start-up check and `admin keys rotate-kek` go through
// every module's list with these two functions.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::storage {

struct SealedColumn {
  std::string_view table;
  std::string_view key_column;  // the row's key, which completes the sealing purpose
  bool integer_key = false;
  std::string_view value_column;
  std::string_view purpose_prefix;  // purpose = prefix + the key as text
};

// How many values begin with each distinct run of their first `length` characters (NULLs left
// out), counted by the database: enough to tell which key sealed what (a sealed value names its key
// at its start) without reading whole values — sealed documents weigh megabytes and TOTP secrets
// may number millions, and the start-up check must stay quick.
Result<std::vector<std::pair<std::string, std::int64_t>>> count_value_heads(Connection& c, const SealedColumn& column,
                                                                            std::size_t length);
// Replaces each row's value by what `rewrite` returns for it, on the caller's transaction; returns
// how many rows were rewritten.
Result<std::int64_t> rewrite_sealed_values(
    Connection& c, const SealedColumn& column,
    const std::function<Result<std::string>(std::string_view stored, const std::string& purpose)>& rewrite);

}  // namespace guichet::storage
