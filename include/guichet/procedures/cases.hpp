#pragma once
// Procedures and their cases: an administration publishes versions of a procedure's definition;
// a person starts a case as a draft pre-filled from their account, saves answers page by page
// (each checked, the valid ones kept whatever else is wrong), resumes on any device, and submits;
// submission freezes the answers, records the history and queues the sealed receipt, rendered by
// the job worker (procedures.receipt) and kept with the case.
//
// Every call names the person: a case that is not theirs answers exactly as one that does not
// exist (Errc::no_such_case), so references cannot be probed.
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/exchange/exchange.hpp"
#include "guichet/procedures/answers.hpp"
#include "guichet/procedures/definition.hpp"
#include "guichet/procedures/vault.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::procedures {

struct ProcedurePolicy {
  std::chrono::days draft_kept{30};  // a draft not saved for this long is deleted
  int drafts_per_person = 20;        // open drafts at once
  VaultPolicy vault{};
};

// A published version of a procedure: immutable once published.
struct PublishedProcedure {
  std::int64_t id = 0;  // the version's row
  std::int64_t service_id = 0;
  std::string service_code;
  std::string administration;  // its code
  int version = 0;
  Instant published_at;
  std::string json;  // as published
  std::shared_ptr<const Definition> definition;
};

enum class CaseStatus { draft, submitted, under_review, waiting_for_person, accepted, refused, closed };
std::string_view to_string(CaseStatus status);
std::optional<CaseStatus> parse_case_status(std::string_view text);

struct CaseEvent {
  Instant at;
  std::string actor;  // "user:12", "system"
  std::optional<CaseStatus> from;
  CaseStatus to = CaseStatus::draft;
  std::string note;
};

struct Case {
  std::int64_t id = 0;
  std::string reference;  // PRC-XXXX-XXXX
  std::int64_t user_id = 0;
  std::int64_t organisation_id = 0;  // 0: for oneself
  std::int64_t procedure_id = 0;     // the published version it follows
  std::string service_code;
  std::string administration;  // the code of the administration that runs the procedure
  CaseStatus status = CaseStatus::draft;
  boost::json::object answers;
  boost::json::object prefilled;  // field id -> the source its value came from
  std::string lang;               // the person's language at submission (the receipt's)
  Instant created_at;
  Instant updated_at;
  std::optional<Instant> submitted_at;
  std::optional<Instant> expires_at;  // drafts only
  bool receipt_ready = false;
  bool decision_ready = false;
  std::int64_t assigned_to = 0;               // the agent processing it (0: nobody yet)
  std::string agent_group;                    // the group its procedure's routing chose
  std::vector<std::string> requested_fields;  // waiting for the person: what they may answer again
};

// What saving answers did: the case as stored (valid answers kept) and what was refused.
struct SaveOutcome {
  Case saved;
  std::vector<FieldProblem> problems;
};

// A procedure's figures, as GOV.UK Forms and France's observatory show them.
struct ProcedureMetrics {
  std::string service_code;
  std::string administration;
  std::int64_t started = 0;                  // cases started (drafts that lapsed or were deleted are not counted)
  std::int64_t submitted = 0;                // of which submitted
  std::int64_t decided = 0;                  // of which decided (accepted, refused, closed)
  std::int64_t decided_within_deadline = 0;  // of which by the due time (every one without a deadline)
  std::optional<std::chrono::seconds> median_processing;  // submission to decision
  int asked_but_known = 0;                                // the latest version's "Dites-le-nous une fois" count
  double completion_rate() const { return started == 0 ? 0.0 : static_cast<double>(submitted) / started; }
};

// Who acts: the person, and the organisation their session acts for (0 for themselves).
struct Actor {
  std::int64_t user_id = 0;
  std::int64_t organisation_id = 0;
};

class Procedures {
 public:
  Procedures(storage::Database& db, const Clock& clock, ProcedurePolicy policy = {});

  // Checks the definition (parse_definition) and that its service exists, then stores it as
  // the service's next version, audited `procedure.published`. Errc::bad_definition lists every
  // problem; Errc::no_such_service.
  Result<PublishedProcedure> publish(std::string_view definition_json, std::string_view actor);
  // The latest published version of a service's procedure (by the service's code), if any.
  Result<std::optional<PublishedProcedure>> published(std::string_view service_code) const;
  // A version by its row (the one a case follows).
  Result<PublishedProcedure> version(std::int64_t procedure_id) const;
  // Every service with a published procedure: the latest version of each, by service code.
  Result<std::vector<PublishedProcedure>> catalogue() const;

  // A new draft of the service's latest version, pre-filled from the person's account
  // (Errc::no_procedure, too_many_drafts).
  // `consent`: the person agreed, on the start page, that Guichet asks the administrations the
  // definition names (only for a definition whose legal basis is consent).
  Result<Case> start(const Actor& actor, std::string_view service_code, bool consent = false);
  // A new draft of the same service's latest version with the answers of one of the person's
  // earlier cases (each checked again against that version; fields it no longer has are left
  // out), pre-filled afresh from the account: "apply again", as Démarches Simplifiées' users ask.
  Result<Case> duplicate(const Actor& actor, std::string_view reference);
  // A case by its row, whoever it belongs to: for the jobs, never for a request.
  Result<Case> case_by_id(std::int64_t id) const;
  // The person's case (Errc::no_such_case otherwise).
  Result<Case> find(const Actor& actor, std::string_view reference) const;
  // Checks and stores answers (field id -> raw value). Unknown fields, invalid values and changes
  // to values kept as their source gave them are problems; every valid answer is kept. An empty
  // value clears the answer. Errc::not_a_draft once submitted.
  Result<SaveOutcome> save(const Actor& actor, std::string_view reference, const boost::json::object& raw);
  // Submits the draft: every required question on the person's path answered (Errc::incomplete,
  // with `problems` filled), answers off the path dropped; the receipt queued.
  Result<Case> submit(const Actor& actor, std::string_view reference, std::string_view lang,
                      std::vector<FieldProblem>* problems = nullptr);
  // Deletes a draft (not a submitted case).
  Result<void> discard(const Actor& actor, std::string_view reference);
  // A person's cases and drafts, newest first (lapsed drafts left out).
  Result<std::vector<Case>> cases_of(const Actor& actor) const;
  Result<std::vector<CaseEvent>> history(const Case& c) const;
  // The sealed receipt or decision (PDF bytes) once its job made it: Errc::document_not_ready before.
  Result<std::string> document(const Actor& actor, std::string_view reference, std::string_view kind) const;

  // What happened to each procedure's cases (every version), by service code; only the services
  // of `administrations` unless empty.
  Result<std::vector<ProcedureMetrics>> metrics(const std::set<std::string>& administrations = {}) const;

  // Deletes drafts past their expiry (the hourly job; every node may run it).
  Result<int> purge_drafts() const;

  const Clock& clock() const { return clock_; }
  storage::Database& db() const { return db_; }
  // The people's documents, under this policy.
  Vault vault() const { return Vault(db_, clock_, policy_.vault); }

  // "Dites-le-nous une fois": with a node, a field naming data another administration holds
  // (`available_from`: "at.reference_income") is pre-filled when a case starts, through a signed
  // exchange with that administration's registry node under the definition's legal basis, for a
  // person acting for themselves whose identity carries a national identification number.
  // Without one (or when the exchange fails or is refused) the field is asked.
  void use_exchange(exchange::Node* node) { exchange_ = node; }
  // What starting a case of this procedure would ask, and of whom: for each administration (the
  // node registry's name), the ids of the fields it would fill. Empty without an exchange, a legal
  // basis, or such fields.
  struct AskedOf {
    std::string administration;
    std::vector<std::string> fields;
  };
  std::vector<AskedOf> external_preview(const Definition& definition);

 private:
  Result<Case> begin(const Actor& actor, std::string_view service_code, const boost::json::object* earlier,
                     bool consent = false);
  // The values other administrations give for the definition's available_from fields, by source
  // ("at.reference_income"), with the name of the administration each came from.
  struct External {
    boost::json::object values;
    std::map<std::string, std::string> from;
  };
  External external_data(const Actor& actor, const PublishedProcedure& procedure, bool consent);

  storage::Database& db_;
  const Clock& clock_;
  ProcedurePolicy policy_;
  exchange::Node* exchange_ = nullptr;
};

// The person's cases and drafts as JSON, for the export of everything held about them (app adds
// it to identity's export as "cases").
Result<std::string> personal_data(storage::Database& db, std::int64_t user_id);

// Agents' groups: `user_id` processes the cases of `group` in `administration` (audited by the caller).
Result<void> add_group_member(storage::Database& db, std::string_view administration, std::string_view group,
                              std::int64_t user_id);
Result<void> remove_group_member(storage::Database& db, std::string_view administration, std::string_view group,
                                 std::int64_t user_id);

// Queues the deadline job of a case for `due` (once per case and due time).
Result<void> schedule_deadline(storage::Connection& c, std::int64_t case_id, Instant due, const Clock& clock);

inline constexpr const char* kReceiptJobKind = "procedures.receipt";
inline constexpr const char* kPurgeDraftsJobKind = "procedures.purge_drafts";

// Keeps a case's sealed document ("receipt" or "decision"), as its job rendered it.
Result<void> store_document(storage::Database& db, std::int64_t case_id, std::string_view kind, std::string_view pdf,
                            std::string_view verification_code, const Clock& clock);
// The PDF of a case's document once made: Errc::document_not_ready before.
Result<std::string> case_document(storage::Database& db, std::int64_t case_id, std::string_view kind);

}  // namespace guichet::procedures
