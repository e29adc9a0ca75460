#pragma once
// Reading many rows of integers without building `Rows`: a node reads tens of millions of booked
// items when it starts (scheduling's calendar cache), and one Row per item (a vector of variants)
// costs more than the reading. SQLite hands each row over as the engine steps to it; PostgreSQL
// (whose client receives a statement's whole result at once) through `query`.
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "guichet/storage/database.hpp"

namespace guichet::storage {

// Calls `row` with each row's values as integers (NULL reads as 0, like Row::integer), in order.
// Every column must hold integers.
using IntegerRow = std::function<void(std::span<const std::int64_t>)>;
Result<void> scan_integers(Connection& c, std::string_view sql, const Params& params, const IntegerRow& row);

}  // namespace guichet::storage
