#pragma once
// How cases and versions are read from the procedures module's tables, shared by cases.cpp
// (the person's side) and processing.cpp (the agents').
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

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

// A file answer ({"document": id}, as check_answer leaves it) read against the person's vault:
// the document's description as the answer, or why it cannot be used (not theirs or gone, a type
// or size the question refuses, expired).
Checked resolve_file(storage::Connection& c, std::int64_t user_id, const Field& field, const boost::json::value& answer,
                     std::string_view today);
// Copies the vault documents the asked file questions name into the case's attachments and
// points the answers at the copies ({"attachment": id, ...}): at submission, and when the person
// answers a request again. Gives the questions whose document is no longer there.
Result<std::vector<FieldProblem>> freeze_files(storage::Connection& c, const Definition& definition, Case& held,
                                               std::int64_t user_id, Instant now);

Result<void> record_event(storage::Connection& c, std::int64_t case_id, Instant at, const std::string& actor,
                          std::optional<CaseStatus> from, CaseStatus to, const std::string& note);

}  // namespace guichet::procedures
