#pragma once
// How cases and versions are read from the procedures module's tables, shared by cases.cpp
// (the person's side) and processing.cpp (the agents').
#include <optional>
#include <string>
#include <string_view>

#include "guichet/procedures/cases.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::procedures {

// "<columns> FROM procedures_cases c JOIN procedures_versions v ...", read by case_of.
extern const char* const kCaseColumns;
Case case_of(const storage::Row& row);

// A case by its reference, whoever's, held for the rest of the caller's transaction (FOR UPDATE
// on PostgreSQL; SQLite's write transaction already holds the file).
Result<Case> held_case_by_reference(storage::Connection& c, std::string_view reference);

Result<PublishedProcedure> version_on(storage::Connection& c, std::int64_t procedure_id);

Result<void> record_event(storage::Connection& c, std::int64_t case_id, Instant at, const std::string& actor,
                          std::optional<CaseStatus> from, CaseStatus to, const std::string& note);

}  // namespace guichet::procedures
