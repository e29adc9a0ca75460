#pragma once
// Benefits granted from shared data: an administration defines a benefit by the attributes it
// reads (which registry node, which attributes, under which law) and a rule over them
// (exchange/rules.hpp). Its dry run asks the registries, through entitled and journaled
// exchanges, about every person in scope (accounts whose identity carries a national
// identification number) and counts whom the rule would grant, before the benefit is enabled.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/exchange/exchange.hpp"
#include "guichet/exchange/rules.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::http {
class Catalog;
}

namespace guichet::exchange {

struct DryRun {
  std::int64_t people = 0;
  std::int64_t granted = 0;
  std::int64_t not_granted = 0;
  std::int64_t unknown = 0;
  std::map<std::string, std::int64_t> unknown_reasons;
};
// A dry run kept with the definition it ran on.
struct DryRunRecord {
  Instant at;
  std::string by;  // the audit log's actor: "user:7", "cli"
  DryRun counts;
};

struct Benefit {
  std::string code;                                         // also the exchanges' purpose
  std::string administration;                               // the catalogue's code of the administration granting it
  std::map<std::string, std::string> names;                 // by language
  std::string legal_basis;                                  // the law, as the registries granted it
  std::map<std::string, std::vector<std::string>> sources;  // node -> attributes
  std::string rule;
  bool enabled = false;
  // As stored (empty for a parsed definition):
  std::string defined_by;
  Instant defined_at;
  std::optional<DryRunRecord> last_dry_run;     // of this definition
  std::optional<Instant> dry_run_requested_at;  // one is queued and has not finished
};

// {"code", "administration", "name": {"en": ...}, "legal_basis", "sources": {"at": [...]},
// "rule"}: every problem named (Errc::bad_benefit; Errc::bad_rule with Lua's message).
Result<Benefit> parse_benefit(std::string_view json);
// Stores it (a changed definition is disabled again until the next dry run and enable), audited
// as `benefit.defined` by `actor`.
Result<void> define_benefit(storage::Database& db, const Benefit& benefit, const std::string& actor,
                            const Clock& clock);
Result<std::optional<Benefit>> find_benefit(storage::Database& db, std::string_view code);
// Every benefit, or those of these administrations, by code.
Result<std::vector<Benefit>> list_benefits(storage::Database& db,
                                           const std::optional<std::set<std::string>>& administrations);
// Enabling needs a dry run of the current definition (Errc::dry_run_first); audited.
Result<void> enable_benefit(storage::Database& db, std::string_view code, bool enabled, const std::string& actor,
                            const Clock& clock);

struct Verdict {
  std::string outcome;         // granted, not_granted, unknown
  boost::json::object values;  // what the registries gave: the reasons
  boost::json::object types;   // their types
  std::string why;             // for unknown: the refusal or the rule's failure
};
// One person: each source asked (purpose the benefit's code, its law), the values merged, the rule
// evaluated. A registry that refuses or fails makes the verdict unknown; one that holds nothing
// leaves those attributes nil for the rule.
Verdict evaluate_person(Node& node, const Benefit& benefit, Rule& rule, std::int64_t user_id,
                        const std::string& person_id);

// Over everyone in scope (at most `limit` people), nothing written but the exchanges' journals.
Result<DryRun> dry_run(Node& node, storage::Database& db, const Benefit& benefit, std::int64_t limit);
// {"people", "granted", "not_granted", "unknown", "unknown_reasons"}.
boost::json::object dry_run_json(const DryRun& run);
// Keeps a dry run's result with the definition it ran on (`ran_on.defined_at`); a benefit defined
// again meanwhile keeps nothing. Clears the queued mark.
Result<void> record_dry_run(storage::Database& db, const Benefit& ran_on, const DryRun& run, const std::string& by,
                            const Clock& clock);
// Queues a dry run over at most `limit` people, run by the job below (audited
// `benefit.dry_run_requested`); Errc::no_such_benefit.
inline constexpr std::string_view kBenefitDryRunJobKind = "exchange.benefit_dry_run";
Result<void> request_dry_run(storage::Database& db, std::string_view code, std::int64_t limit, const std::string& actor,
                             const Clock& clock);
void register_benefit_dry_runs(jobs::Worker& worker, Node& node, storage::Database& db, const Clock& clock);

// Granting: each enabled benefit is evaluated for the people in scope it has not decided for (and
// again a week after an unknown verdict), at most `batch` people a run; a grant is recorded with
// its reasons, audited (`benefit.granted`, subject the person) and told by e-mail in the same
// transaction. Returns what the run did; `more` when people remain.
// `language` is the one the person last signed in with, empty before their first sign-in.
using BenefitNotice =
    std::function<jobs::EmailMessage(const std::string& email, const std::string& language, const Benefit& benefit)>;
// The notice the site and `guichet benefits run` send: the benefit's name and a link to the
// person's benefits page, in their language (else the catalog's default).
BenefitNotice benefit_notice(const http::Catalog& catalog, std::string public_url);
struct GrantRun {
  std::int64_t evaluated = 0;
  std::int64_t granted = 0;
  std::int64_t not_granted = 0;
  std::int64_t unknown = 0;
  bool more = false;
};
Result<GrantRun> grant_benefits(Node& node, storage::Database& db, const Clock& clock, const BenefitNotice& notice,
                                std::int64_t batch = 1000);
// The hourly job doing it on whichever node takes it (sooner when people remain).
inline constexpr std::string_view kGrantBenefitsJobKind = "exchange.benefits";
void register_benefit_grants(jobs::Worker& worker, Node& node, storage::Database& db, const Clock& clock,
                             BenefitNotice notice);

// A person's benefits, granted or declined, newest first, with their names and reasons.
struct BenefitGrant {
  std::string benefit;
  std::map<std::string, std::string> names;
  std::string status;  // granted, declined
  boost::json::object values;
  boost::json::object types;
  Instant decided_at;
  std::optional<Instant> declined_at;
};
Result<std::vector<BenefitGrant>> grants_of(storage::Database& db, std::int64_t user_id);
// The person declines a benefit granted to them (audited as theirs); Errc::no_such_benefit when
// they hold no such grant.
Result<void> decline_benefit(storage::Database& db, std::int64_t user_id, std::string_view code, const Clock& clock);

}  // namespace guichet::exchange
