#include "guichet/procedures/cases.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <mutex>

#include "case_rows.hpp"
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/digest.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/core/log.hpp"
#include "guichet/core/random.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/organisations.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/outbox.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/procedures/vault.hpp"

namespace guichet::procedures {
namespace json = boost::json;

namespace {

struct StatusName {
  CaseStatus status;
  std::string_view name;
};
constexpr StatusName kStatuses[] = {
    {CaseStatus::draft, "draft"},
    {CaseStatus::submitted, "submitted"},
    {CaseStatus::under_review, "under_review"},
    {CaseStatus::waiting_for_person, "waiting_for_person"},
    {CaseStatus::accepted, "accepted"},
    {CaseStatus::refused, "refused"},
    {CaseStatus::closed, "closed"},
};

// Published versions never change, so each node keeps the parsed definitions it has read, by row
// and text: the text is compared on each hit, so a process that opens several databases (tests,
// tools) never takes one database's version for another's with the same row id.
std::shared_ptr<const Definition> cached_definition(std::int64_t id, const std::string& text) {
  static std::mutex mutex;
  static std::map<std::int64_t, std::pair<std::string, std::shared_ptr<const Definition>>> cache;
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(id); it != cache.end() && it->second.first == text) return it->second.second;
  }
  auto parsed = parse_definition(text);
  if (!parsed) return nullptr;
  auto definition = std::make_shared<const Definition>(std::move(parsed).value());
  std::lock_guard lock(mutex);
  // Bounded: past 1,000 versions the cache starts again (a version is parsed in microseconds).
  if (cache.size() >= 1000) cache.clear();
  cache.insert_or_assign(id, std::make_pair(text, definition));
  return definition;
}

constexpr const char* kVersionColumns =
    "v.id, v.service_id, v.service_code, v.administration, v.version, v.published_at, v.definition "
    "FROM procedures_versions v";

Result<PublishedProcedure> version_of(const storage::Row& row) {
  PublishedProcedure p;
  p.id = row.integer(0);
  p.service_id = row.integer(1);
  p.service_code = row.text(2);
  p.administration = row.text(3);
  p.version = static_cast<int>(row.integer(4));
  p.published_at = from_unix_micros(row.integer(5));
  p.json = row.text(6);
  p.definition = cached_definition(p.id, p.json);
  if (!p.definition) return make_error(Errc::bad_definition, "a stored definition no longer reads");
  return p;
}

json::object object_of(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

}  // namespace

const char* const kCaseColumns =
    "c.id, c.reference, c.user_id, c.organisation_id, c.procedure_id, v.service_code, c.status, c.answers, "
    "c.prefilled, c.lang, c.created_at, c.updated_at, c.submitted_at, c.expires_at, "
    "(SELECT COUNT(*) FROM procedures_documents d WHERE d.case_id = c.id AND d.kind = 'receipt'), "
    "(SELECT COUNT(*) FROM procedures_documents d WHERE d.case_id = c.id AND d.kind = 'decision'), "
    "c.assigned_to, c.requested_fields, v.administration, c.agent_group "
    "FROM procedures_cases c JOIN procedures_versions v ON v.id = c.procedure_id";

Case case_of(const storage::Row& row) {
  Case c;
  c.id = row.integer(0);
  c.reference = row.text(1);
  c.user_id = row.integer(2);
  c.organisation_id = row.integer(3);
  c.procedure_id = row.integer(4);
  c.service_code = row.text(5);
  c.status = parse_case_status(row.text(6)).value_or(CaseStatus::draft);
  c.answers = object_of(row.text(7));
  c.prefilled = object_of(row.text(8));
  c.lang = row.text(9);
  c.created_at = from_unix_micros(row.integer(10));
  c.updated_at = from_unix_micros(row.integer(11));
  if (auto at = row.optional_integer(12)) c.submitted_at = from_unix_micros(*at);
  if (auto at = row.optional_integer(13)) c.expires_at = from_unix_micros(*at);
  c.receipt_ready = row.integer(14) > 0;
  c.decision_ready = row.integer(15) > 0;
  c.assigned_to = row.integer(16);
  if (auto fields = row.optional_text(17)) {
    boost::system::error_code ec;
    json::value list = json::parse(*fields, ec);
    if (!ec && list.is_array()) {
      for (const json::value& f : list.as_array()) {
        if (f.is_string()) c.requested_fields.emplace_back(f.as_string());
      }
    }
  }
  c.administration = row.text(18);
  c.agent_group = row.optional_text(19).value_or("");
  return c;
}

Result<PublishedProcedure> version_on(storage::Connection& c, std::int64_t procedure_id) {
  auto rows = c.query(std::string("SELECT ") + kVersionColumns + " WHERE v.id = ?", {procedure_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_procedure, "no such procedure version");
  return version_of(rows->rows.front());
}

Result<void> record_event(storage::Connection& c, std::int64_t case_id, Instant at, const std::string& actor,
                          std::optional<CaseStatus> from, CaseStatus to, const std::string& note) {
  storage::Value from_value = nullptr;
  if (from) from_value = std::string(to_string(*from));
  auto inserted = c.execute(
      "INSERT INTO procedures_case_events (case_id, at, actor, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?)",
      {case_id, to_unix_micros(at), actor, from_value, std::string(to_string(to)), note});
  if (!inserted) return std::move(inserted).error();
  return {};
}

Result<Case> held_case_by_reference(storage::Connection& c, std::string_view reference) {
  std::string sql = std::string("SELECT ") + kCaseColumns + " WHERE c.reference = ?";
  if (c.backend() == storage::Backend::postgresql) sql += " FOR UPDATE OF c";
  auto rows = c.query(sql, {std::string(reference)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_such_case, "no such case");
  return case_of(rows->rows.front());
}

namespace {

Error no_such_case() { return make_error(Errc::no_such_case, "no such case"); }

// The person's case, held for the rest of the caller's transaction (FOR UPDATE on PostgreSQL;
// SQLite's write transaction already holds the file).
Result<Case> held_case(storage::Connection& c, const Actor& actor, std::string_view reference, const Clock& clock) {
  std::string sql = std::string("SELECT ") + kCaseColumns + " WHERE c.reference = ? AND c.user_id = ?";
  if (c.backend() == storage::Backend::postgresql) sql += " FOR UPDATE OF c";
  auto rows = c.query(sql, {std::string(reference), actor.user_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return no_such_case();
  Case found = case_of(rows->rows.front());
  if (found.status == CaseStatus::draft && found.expires_at && *found.expires_at <= clock.now()) return no_such_case();
  return found;
}

// Twelve characters of Crockford's base32 would be 60 bits; eight (40 bits) are plenty for a
// reference that is never the only check (the case must also be the person's).
std::string new_reference() {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const std::string bytes = random_bytes(8);
  std::string out = "PRC-";
  for (int i = 0; i < 8; ++i) {
    if (i == 4) out += '-';
    out += kAlphabet[static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]) % 32];
  }
  return out;
}

std::string today_utc(const Clock& clock) { return format_iso_day(std::chrono::floor<std::chrono::days>(clock.now())); }

// What the account gives for each source Guichet reads.
json::object account_values(const identity::PersonAttributes& person,
                            const std::optional<identity::Membership>& organisation) {
  json::object out;
  if (person.given_name) out["account.given_name"] = *person.given_name;
  if (person.family_name) out["account.family_name"] = *person.family_name;
  if (person.birthdate) out["account.birthdate"] = *person.birthdate;
  out["account.email"] = person.email;
  if (person.phone_number) out["account.phone_number"] = *person.phone_number;
  if (person.address) {
    // OpenID Connect's address claim, as the account keeps it.
    json::object claim = object_of(*person.address);
    json::object address;
    if (const json::value* v = claim.if_contains("street_address"); v && v->is_string()) address["street"] = *v;
    if (const json::value* v = claim.if_contains("postal_code"); v && v->is_string()) address["postcode"] = *v;
    if (const json::value* v = claim.if_contains("locality"); v && v->is_string()) address["city"] = *v;
    if (!address.empty()) out["account.address"] = address;
  }
  if (person.national_id && !organisation) {
    // "PT:123456789": the number alone; a field for another country's numbers refuses it.
    const auto colon = person.national_id->find(':');
    out["account.national_id"] = person.national_id->substr(colon == std::string::npos ? 0 : colon + 1);
  }
  if (organisation) {
    out["account.organisation_name"] = organisation->organisation.name;
    out["account.organisation_number"] = organisation->organisation.registration_number;
  }
  return out;
}

}  // namespace

std::string_view to_string(CaseStatus status) {
  for (const StatusName& s : kStatuses) {
    if (s.status == status) return s.name;
  }
  return "draft";
}

std::optional<CaseStatus> parse_case_status(std::string_view text) {
  for (const StatusName& s : kStatuses) {
    if (s.name == text) return s.status;
  }
  return std::nullopt;
}

Procedures::Procedures(storage::Database& db, const Clock& clock, ProcedurePolicy policy)
    : db_(db), clock_(clock), policy_(policy) {}

Result<PublishedProcedure> Procedures::publish(std::string_view definition_json, std::string_view actor) {
  auto definition = parse_definition(definition_json);
  if (!definition) return std::move(definition).error();
  // Stored as the author wrote it, re-serialised so it is compact and valid JSON.
  const std::string stored = json::serialize(json::parse(definition_json));
  const Instant now = clock_.now();
  auto id = db_.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
    auto service = catalogue::service_id_of(c, definition->service);
    if (!service) return std::move(service).error();
    if (!*service) return make_error(Errc::no_such_service, "no service " + definition->service + " in the catalogue");
    auto record = catalogue::service_records(c, {**service}, std::nullopt);
    if (!record) return std::move(record).error();
    if (record->empty()) return make_error(Errc::no_such_service, "no service " + definition->service);
    const std::string administration = record->begin()->second.administration;
    auto latest =
        c.query("SELECT COALESCE(MAX(version), 0) FROM procedures_versions WHERE service_id = ?", {**service});
    if (!latest) return std::move(latest).error();
    const std::int64_t version = latest->rows.front().integer(0) + 1;
    auto inserted = c.query(
        "INSERT INTO procedures_versions (service_id, service_code, administration, version, definition, "
        "published_at, published_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {**service, definition->service, administration, version, stored, to_unix_micros(now), std::string(actor)});
    if (!inserted) return std::move(inserted).error();
    const std::int64_t row = inserted->rows.front().integer(0);
    json::object details{{"service", definition->service}, {"version", version}};
    auto audited =
        identity::record_audit(c,
                               identity::AuditEvent{std::string(actor), "procedure.published",
                                                    "procedure:" + definition->service, json::serialize(details)},
                               clock_);
    if (!audited) return std::move(audited).error();
    return row;
  });
  if (!id) return std::move(id).error();
  return version(*id);
}

Result<PublishedProcedure> Procedures::version(std::int64_t procedure_id) const {
  return db_.read([&](storage::Connection& c) { return version_on(c, procedure_id); });
}

Result<std::optional<PublishedProcedure>> Procedures::published(std::string_view service_code) const {
  auto rows = db_.read([&](storage::Connection& c) {
    return c.query(
        std::string("SELECT ") + kVersionColumns + " WHERE v.service_code = ? ORDER BY v.version DESC LIMIT 1",
        {std::string(service_code)});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<PublishedProcedure>();
  auto found = version_of(rows->rows.front());
  if (!found) return std::move(found).error();
  return std::optional<PublishedProcedure>(std::move(found).value());
}

Result<std::vector<PublishedProcedure>> Procedures::catalogue() const {
  auto rows = db_.read([&](storage::Connection& c) {
    return c.query(std::string("SELECT ") + kVersionColumns +
                   " WHERE v.version = (SELECT MAX(w.version) FROM procedures_versions w WHERE w.service_id = "
                   "v.service_id) ORDER BY v.service_code");
  });
  if (!rows) return std::move(rows).error();
  std::vector<PublishedProcedure> out;
  for (const storage::Row& row : rows->rows) {
    auto p = version_of(row);
    if (!p) return std::move(p).error();
    out.push_back(std::move(p).value());
  }
  return out;
}

Result<Case> Procedures::start(const Actor& actor, std::string_view service_code, bool consent) {
  return begin(actor, service_code, nullptr, consent);
}

Result<Case> Procedures::duplicate(const Actor& actor, std::string_view reference) {
  auto earlier = find(actor, reference);
  if (!earlier) return std::move(earlier).error();
  return begin(actor, earlier->service_code, &earlier->answers);
}

Result<Case> Procedures::begin(const Actor& actor, std::string_view service_code, const json::object* earlier,
                               bool consent) {
  auto procedure = published(service_code);
  if (!procedure) return std::move(procedure).error();
  if (!*procedure) return make_error(Errc::no_procedure, "this service has no online procedure");
  const Definition& definition = *(*procedure)->definition;
  std::optional<identity::Membership> organisation;
  if (actor.organisation_id != 0) {
    auto member = identity::membership(db_, actor.user_id, actor.organisation_id);
    if (!member) return std::move(member).error();
    if (!*member) return make_error(Errc::not_allowed, "this account does not act for that organisation");
    organisation = std::move(*member);
  }
  // Asked before the transaction: an exchange is a network call, never made holding a lock.
  const External external = external_data(actor, **procedure, consent);
  const Instant now = clock_.now();
  const std::string today = today_utc(clock_);
  Case created;
  auto stored = db_.transaction([&](storage::Connection& c) -> Result<void> {
    auto held = identity::hold_account(c, actor.user_id);
    if (!held) return std::move(held).error();
    if (!*held) return no_such_case();
    auto open =
        c.query("SELECT COUNT(*) FROM procedures_cases WHERE user_id = ? AND status = 'draft' AND expires_at > ?",
                {actor.user_id, to_unix_micros(now)});
    if (!open) return std::move(open).error();
    if (open->rows.front().integer(0) >= policy_.drafts_per_person) {
      return make_error(Errc::too_many_drafts, "submit or delete some of your drafts first");
    }
    auto person = identity::person_attributes(c, actor.user_id);
    if (!person) return std::move(person).error();
    if (!*person) return no_such_case();
    json::object values = account_values(**person, organisation);
    // And the facts the person gave with earlier cases, when acting for themselves (a company's
    // IBAN is not its manager's).
    if (actor.organisation_id == 0) {
      auto facts = facts_on(c, actor.user_id);
      if (!facts) return std::move(facts).error();
      for (const Fact& f : *facts) values[std::string(kVaultSourcePrefix) + f.name] = f.value;
    }
    json::object answers;
    json::object prefilled;
    if (earlier != nullptr) {
      for (const Field* field : definition.questions()) {
        const json::value* value = earlier->if_contains(field->id);
        if (value == nullptr) continue;
        if (field->type == FieldType::file) {
          // The earlier case's copy stays with it; the same document, if still in the vault, is
          // offered again (found by its hash).
          const json::value* hash = value->is_object() ? value->as_object().if_contains("sha256") : nullptr;
          if (hash == nullptr || !hash->is_string()) continue;
          auto same = c.query("SELECT id FROM procedures_vault WHERE user_id = ? AND sha256 = ? ORDER BY id DESC",
                              {actor.user_id, std::string(hash->as_string())});
          if (!same) return std::move(same).error();
          if (same->empty()) continue;
          Checked found =
              resolve_file(c, actor.user_id, *field, json::object{{"document", same->rows.front().integer(0)}}, today);
          if (!found.problem) answers[field->id] = std::move(found.value);
          continue;
        }
        Checked checked = check_answer(*field, *value, today);
        if (!checked.problem && !checked.empty) answers[field->id] = std::move(checked.value);
      }
    }
    for (const Field* field : definition.questions()) {
      if (!field->source) continue;
      const json::value* value = values.if_contains(*field->source);
      if (value == nullptr) continue;
      Checked checked = check_answer(*field, *value, today);
      if (checked.problem || checked.empty) continue;
      answers[field->id] = std::move(checked.value);
      prefilled[field->id] = *field->source;
    }
    for (const Field* field : definition.questions()) {
      if (field->source || !field->available_from) continue;
      const json::value* value = external.values.if_contains(*field->available_from);
      if (value == nullptr) continue;
      Checked checked = check_answer(*field, *value, today);
      if (checked.problem || checked.empty) continue;
      answers[field->id] = std::move(checked.value);
      prefilled[field->id] =
          json::object{{"source", *field->available_from}, {"from", external.from.at(*field->available_from)}};
    }
    created.reference = new_reference();
    created.user_id = actor.user_id;
    created.organisation_id = actor.organisation_id;
    created.procedure_id = (*procedure)->id;
    created.service_code = (*procedure)->service_code;
    created.status = CaseStatus::draft;
    created.answers = std::move(answers);
    created.prefilled = std::move(prefilled);
    created.lang = "en";
    created.created_at = now;
    created.updated_at = now;
    created.expires_at = now + policy_.draft_kept;
    storage::Value organisation_value = nullptr;
    if (actor.organisation_id != 0) organisation_value = actor.organisation_id;
    auto inserted = c.query(
        "INSERT INTO procedures_cases (reference, procedure_id, user_id, organisation_id, status, answers, prefilled, "
        "lang, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?) RETURNING id",
        {created.reference, created.procedure_id, actor.user_id, organisation_value, json::serialize(created.answers),
         json::serialize(created.prefilled), created.lang, to_unix_micros(now), to_unix_micros(now),
         to_unix_micros(*created.expires_at)});
    if (!inserted) return std::move(inserted).error();
    created.id = inserted->rows.front().integer(0);
    return record_event(c, created.id, now, "user:" + std::to_string(actor.user_id), std::nullopt, CaseStatus::draft,
                        "");
  });
  if (!stored) return std::move(stored).error();
  return created;
}

namespace {

// The fields a registry can fill, by node: "at.reference_income" is attribute reference_income of
// dataset "at", served by node "at". Registries give values; a document (a tax notice's PDF) is
// still uploaded.
std::map<std::string, std::vector<const Field*>> fetchable_fields(const Definition& definition) {
  std::map<std::string, std::vector<const Field*>> out;
  for (const Field* field : definition.questions()) {
    if (field->source || !field->available_from || field->type == FieldType::file || field->type == FieldType::group) {
      continue;
    }
    const auto dot = field->available_from->find('.');
    if (dot == std::string::npos) continue;
    out[field->available_from->substr(0, dot)].push_back(field);
  }
  return out;
}

}  // namespace

std::vector<Procedures::AskedOf> Procedures::external_preview(const Definition& definition) {
  std::vector<AskedOf> out;
  if (exchange_ == nullptr || !definition.legal_basis) return out;
  for (const auto& [node, fields] : fetchable_fields(definition)) {
    auto peer = exchange_->peers().find(node);
    if (!peer || !*peer) continue;
    AskedOf asked{(*peer)->name, {}};
    for (const Field* f : fields) asked.fields.push_back(f->id);
    out.push_back(std::move(asked));
  }
  return out;
}

Procedures::External Procedures::external_data(const Actor& actor, const PublishedProcedure& procedure, bool consent) {
  External out;
  const Definition& definition = *procedure.definition;
  if (exchange_ == nullptr || actor.organisation_id != 0 || !definition.legal_basis) return out;
  // Consent is asked before each case: without it, nothing is fetched and the person types.
  if (definition.legal_basis_is_consent && !consent) return out;
  std::map<std::string, std::vector<std::string>> wanted;
  for (const auto& [node, fields] : fetchable_fields(definition)) {
    auto& list = wanted[node];
    for (const Field* f : fields) {
      const std::string attribute = f->available_from->substr(node.size() + 1);
      if (std::find(list.begin(), list.end(), attribute) == list.end()) list.push_back(attribute);
    }
  }
  if (wanted.empty()) return out;
  auto person = db_.read([&](storage::Connection& c) { return identity::person_attributes(c, actor.user_id); });
  if (!person || !*person || !(*person)->national_id) return out;
  for (const auto& [node, attributes] : wanted) {
    auto peer = exchange_->peers().find(node);
    if (!peer || !*peer) continue;
    exchange::ExchangeRequest request{
        node,
        node,
        attributes,
        procedure.service_code,
        exchange::LegalBasis{
            definition.legal_basis_is_consent ? exchange::LegalBasisKind::consent : exchange::LegalBasisKind::law,
            *definition.legal_basis},
        *(*person)->national_id,
        actor.user_id};
    auto result = exchange_->fetch(request);
    if (!result) {
      // Journaled by the exchange; the person types the values instead.
      log_event(LogLevel::warn, "exchange_prefill_failed",
                {{"node", node}, {"service", procedure.service_code}, {"error", result.error().code.name()}});
      continue;
    }
    for (const auto& [name, value] : result->values) {
      const std::string source = node + "." + std::string(name);
      out.values[source] = value;
      out.from[source] = (*peer)->name;
    }
  }
  return out;
}

Result<Case> Procedures::case_by_id(std::int64_t id) const {
  return db_.read([&](storage::Connection& c) -> Result<Case> {
    auto rows = c.query(std::string("SELECT ") + kCaseColumns + " WHERE c.id = ?", {id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return no_such_case();
    return case_of(rows->rows.front());
  });
}

Result<Case> Procedures::find(const Actor& actor, std::string_view reference) const {
  auto found = db_.read([&](storage::Connection& c) -> Result<Case> {
    auto rows = c.query(std::string("SELECT ") + kCaseColumns + " WHERE c.reference = ? AND c.user_id = ?",
                        {std::string(reference), actor.user_id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return no_such_case();
    return case_of(rows->rows.front());
  });
  if (!found) return found;
  if (found->status == CaseStatus::draft && found->expires_at && *found->expires_at <= clock_.now()) {
    return no_such_case();
  }
  return found;
}

Checked resolve_file(storage::Connection& c, std::int64_t user_id, const Field& field, const json::value& answer,
                     std::string_view today) {
  const json::value* id = answer.is_object() ? answer.as_object().if_contains("document") : nullptr;
  if (id == nullptr || !id->is_int64()) return Checked{nullptr, Problem::no_such_document, false};
  auto document = vault_document_on(c, user_id, id->as_int64());
  if (!document) return Checked{nullptr, Problem::no_such_document, false};
  if (std::find(field.accept.begin(), field.accept.end(), document->content_type) == field.accept.end()) {
    return Checked{nullptr, Problem::file_type_refused, false};
  }
  if (document->size > field.max_bytes) return Checked{nullptr, Problem::file_too_large, false};
  if (document->expired(today)) return Checked{nullptr, Problem::document_expired, false};
  return Checked{json::object{{"document", document->id},
                              {"name", document->name},
                              {"content_type", document->content_type},
                              {"size", document->size},
                              {"sha256", document->sha256}},
                 std::nullopt, false};
}

Result<std::vector<FieldProblem>> freeze_files(storage::Connection& c, const Definition& definition, Case& held,
                                               std::int64_t user_id, Instant now) {
  std::vector<FieldProblem> gone;
  for (const Field* field : asked(definition, held.answers)) {
    if (field->type != FieldType::file) continue;
    json::value* answer = held.answers.if_contains(field->id);
    if (answer == nullptr || !answer->is_object() || !answer->as_object().contains("document")) continue;
    const json::value& id = answer->as_object().at("document");
    auto copied = id.is_int64() ? attach_from_vault(c, held.id, field->id, user_id, id.as_int64(), now)
                                : Result<Attachment>(make_error(Errc::no_such_document, "no document"));
    if (!copied) {
      if (copied.error().code != Errc::no_such_document) return std::move(copied).error();
      gone.push_back({field->id, Problem::no_such_document});
      continue;
    }
    *answer = json::object{{"attachment", copied->id},
                           {"name", copied->name},
                           {"content_type", copied->content_type},
                           {"size", copied->size},
                           {"sha256", copied->sha256}};
  }
  return gone;
}

Result<SaveOutcome> Procedures::save(const Actor& actor, std::string_view reference, const json::object& raw) {
  const Instant now = clock_.now();
  const std::string today = today_utc(clock_);
  SaveOutcome outcome;
  auto saved = db_.transaction([&](storage::Connection& c) -> Result<void> {
    auto held = held_case(c, actor, reference, clock_);
    if (!held) return std::move(held).error();
    Case current = std::move(held).value();
    // A draft takes any answer; a case waiting for the person, only those the agent reopened.
    const bool reopened = current.status == CaseStatus::waiting_for_person;
    if (current.status != CaseStatus::draft && !reopened) {
      return make_error(Errc::not_a_draft, "this case was submitted");
    }
    auto procedure = version_on(c, current.procedure_id);
    if (!procedure) return std::move(procedure).error();
    const Definition& definition = *procedure->definition;
    for (const auto& [key, value] : raw) {
      const Field* field = definition.field(key);
      if (field == nullptr || field->type == FieldType::section) {
        outcome.problems.push_back({std::string(key), Problem::unknown_field});
        continue;
      }
      if (reopened && std::find(current.requested_fields.begin(), current.requested_fields.end(), field->id) ==
                          current.requested_fields.end()) {
        outcome.problems.push_back({field->id, Problem::not_editable});
        continue;
      }
      Checked checked = check_answer(*field, value, today);
      if (field->type == FieldType::file && !checked.problem && !checked.empty) {
        checked = resolve_file(c, actor.user_id, *field, checked.value, today);
      }
      if (checked.problem) {
        if (checked.parts.empty()) {
          outcome.problems.push_back({field->id, *checked.problem});
        } else {
          outcome.problems.insert(outcome.problems.end(), checked.parts.begin(), checked.parts.end());
        }
        continue;
      }
      const json::value* before = current.answers.if_contains(field->id);
      const bool kept_as_given = !field->editable && current.prefilled.contains(field->id);
      if (kept_as_given && (checked.empty || before == nullptr || *before != checked.value)) {
        outcome.problems.push_back({field->id, Problem::not_editable});
        continue;
      }
      if (checked.empty) {
        current.answers.erase(field->id);
        current.prefilled.erase(field->id);
        continue;
      }
      // A pre-filled value the person corrects is theirs from then on.
      if (before != nullptr && *before != checked.value) current.prefilled.erase(field->id);
      current.answers[field->id] = std::move(checked.value);
    }
    current.updated_at = now;
    current.expires_at = now + policy_.draft_kept;
    auto updated =
        c.execute("UPDATE procedures_cases SET answers = ?, prefilled = ?, updated_at = ?, expires_at = ? WHERE id = ?",
                  {json::serialize(current.answers), json::serialize(current.prefilled), to_unix_micros(now),
                   to_unix_micros(*current.expires_at), current.id});
    if (!updated) return std::move(updated).error();
    outcome.saved = std::move(current);
    return {};
  });
  if (!saved) return std::move(saved).error();
  return outcome;
}

Result<Case> Procedures::submit(const Actor& actor, std::string_view reference, std::string_view lang,
                                std::vector<FieldProblem>* problems) {
  const Instant now = clock_.now();
  Case submitted;
  auto done = db_.transaction([&](storage::Connection& c) -> Result<void> {
    auto held = held_case(c, actor, reference, clock_);
    if (!held) return std::move(held).error();
    Case current = std::move(held).value();
    if (current.status != CaseStatus::draft) return make_error(Errc::not_a_draft, "this case was already submitted");
    auto procedure = version_on(c, current.procedure_id);
    if (!procedure) return std::move(procedure).error();
    const Definition& definition = *procedure->definition;
    std::vector<FieldProblem> gaps = missing(definition, current.answers);
    if (!gaps.empty()) {
      if (problems != nullptr) *problems = gaps;
      return make_error(Errc::incomplete, std::to_string(gaps.size()) + " required answers are missing");
    }
    if (definition.fee_cents > 0) {
      // A fee is paid online first (procedures/payments.hpp), whatever the client sends.
      auto paid = c.query("SELECT 1 FROM procedures_payments WHERE case_id = ? AND status = 'paid'", {current.id});
      if (!paid) return std::move(paid).error();
      if (paid->empty()) return make_error(Errc::payment_required, "the fee must be paid before submitting");
    }
    current.answers = submitted_answers(definition, current.answers);
    // Documents from the vault are copied to the case: the administration keeps what was sent.
    auto gone = freeze_files(c, definition, current, actor.user_id, now);
    if (!gone) return std::move(gone).error();
    if (!gone->empty()) {
      if (problems != nullptr) *problems = *gone;
      return make_error(Errc::incomplete, "a document is no longer in the vault");
    }
    for (auto it = current.prefilled.begin(); it != current.prefilled.end();) {
      it = current.answers.contains(it->key()) ? std::next(it) : current.prefilled.erase(it);
    }
    // Facts given with this case are offered in the person's later forms.
    for (const Field* field : current.organisation_id != 0 ? std::vector<const Field*>() : definition.questions()) {
      if (!field->source || !field->source->starts_with(kVaultSourcePrefix)) continue;
      const json::value* answer = current.answers.if_contains(field->id);
      if (answer == nullptr) continue;
      auto kept = keep_fact(c, actor.user_id, std::string_view(*field->source).substr(kVaultSourcePrefix.size()),
                            *answer, current.reference, now);
      if (!kept) return kept;
    }
    current.status = CaseStatus::submitted;
    current.agent_group = definition.group_for(current.answers);
    current.lang = std::string(lang);
    current.submitted_at = now;
    current.updated_at = now;
    current.expires_at.reset();
    auto updated = c.execute(
        "UPDATE procedures_cases SET status = 'submitted', answers = ?, prefilled = ?, lang = ?, submitted_at = ?, "
        "updated_at = ?, expires_at = NULL, agent_group = ? WHERE id = ?",
        {json::serialize(current.answers), json::serialize(current.prefilled), current.lang, to_unix_micros(now),
         to_unix_micros(now), current.agent_group, current.id});
    if (!updated) return std::move(updated).error();
    auto event = record_event(c, current.id, now, "user:" + std::to_string(actor.user_id), CaseStatus::draft,
                              CaseStatus::submitted, "");
    if (!event) return event;
    // The sealed receipt is rendered by the job, outside this transaction.
    json::object payload{{"case_id", current.id}};
    auto queued = jobs::enqueue(
        c,
        jobs::NewJob{kReceiptJobKind, json::serialize(payload), std::nullopt, 8,
                     std::string(kReceiptJobKind) + ":" + std::to_string(current.id), jobs::JobPriority::normal},
        clock_);
    if (!queued) return std::move(queued).error();
    if (definition.processing_days > 0 && definition.tacit != TacitRule::none) {
      auto deadline = schedule_deadline(c, current.id, now + std::chrono::days(definition.processing_days), clock_);
      if (!deadline) return deadline;
    }
    submitted = std::move(current);
    return {};
  });
  if (!done) return std::move(done).error();
  return submitted;
}

Result<void> Procedures::discard(const Actor& actor, std::string_view reference) {
  return db_.transaction([&](storage::Connection& c) -> Result<void> {
    auto held = held_case(c, actor, reference, clock_);
    if (!held) return std::move(held).error();
    if (held->status != CaseStatus::draft) return make_error(Errc::not_a_draft, "a submitted case is kept");
    auto deleted = c.execute("DELETE FROM procedures_cases WHERE id = ?", {held->id});
    if (!deleted) return std::move(deleted).error();
    return {};
  });
}

Result<std::vector<Case>> Procedures::cases_of(const Actor& actor) const {
  auto rows = db_.read([&](storage::Connection& c) {
    return c.query(std::string("SELECT ") + kCaseColumns +
                       " WHERE c.user_id = ? AND (c.status <> 'draft' OR c.expires_at > ?) "
                       "ORDER BY c.updated_at DESC, c.id DESC LIMIT 500",
                   {actor.user_id, to_unix_micros(clock_.now())});
  });
  if (!rows) return std::move(rows).error();
  std::vector<Case> out;
  for (const storage::Row& row : rows->rows) out.push_back(case_of(row));
  return out;
}

Result<std::vector<CaseEvent>> Procedures::history(const Case& c) const {
  auto rows = db_.read([&](storage::Connection& connection) {
    return connection.query(
        "SELECT at, actor, from_status, to_status, note FROM procedures_case_events WHERE case_id = ? ORDER BY id",
        {c.id});
  });
  if (!rows) return std::move(rows).error();
  std::vector<CaseEvent> out;
  for (const storage::Row& row : rows->rows) {
    CaseEvent e;
    e.at = from_unix_micros(row.integer(0));
    e.actor = row.text(1);
    if (auto from = row.optional_text(2)) e.from = parse_case_status(*from);
    e.to = parse_case_status(row.text(3)).value_or(CaseStatus::draft);
    e.note = row.text(4);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::string> Procedures::document(const Actor& actor, std::string_view reference, std::string_view kind) const {
  auto found = find(actor, reference);
  if (!found) return std::move(found).error();
  return case_document(db_, found->id, kind);
}

Result<std::vector<ProcedureMetrics>> Procedures::metrics(const std::set<std::string>& administrations) const {
  std::string filter;
  storage::Params params;
  if (!administrations.empty()) {
    filter = " WHERE v.administration IN " + storage::in_list(administrations.size());
    for (const std::string& a : administrations) params.emplace_back(a);
  }
  struct Read {
    storage::Rows counts;
    storage::Rows decisions;
  };
  auto read = db_.read([&](storage::Connection& c) -> Result<Read> {
    auto counts = c.query(
        "SELECT v.service_code, v.administration, COUNT(*), "
        "SUM(CASE WHEN c.submitted_at IS NOT NULL THEN 1 ELSE 0 END) "
        "FROM procedures_cases c JOIN procedures_versions v ON v.id = c.procedure_id" +
            filter + " GROUP BY v.service_code, v.administration ORDER BY v.service_code",
        params);
    if (!counts) return std::move(counts).error();
    // Each decided case once: its submission and its (last) decision.
    auto decisions = c.query(
        "SELECT v.service_code, c.procedure_id, c.submitted_at, MAX(e.at) "
        "FROM procedures_cases c JOIN procedures_versions v ON v.id = c.procedure_id "
        "JOIN procedures_case_events e ON e.case_id = c.id AND e.to_status IN ('accepted', 'refused', 'closed')" +
            filter + " GROUP BY v.service_code, c.id, c.procedure_id, c.submitted_at",
        params);
    if (!decisions) return std::move(decisions).error();
    return Read{std::move(counts).value(), std::move(decisions).value()};
  });
  if (!read) return std::move(read).error();
  std::map<std::string, ProcedureMetrics> by_service;
  for (const storage::Row& row : read->counts.rows) {
    ProcedureMetrics& m = by_service[row.text(0)];
    m.service_code = row.text(0);
    m.administration = row.text(1);
    m.started = row.integer(2);
    m.submitted = row.integer(3);
  }
  std::map<std::string, std::vector<std::int64_t>> durations;
  std::map<std::int64_t, int> deadline_days;
  for (const storage::Row& row : read->decisions.rows) {
    ProcedureMetrics& m = by_service[row.text(0)];
    const std::int64_t took = (row.integer(3) - row.integer(2)) / 1'000'000;
    durations[row.text(0)].push_back(took);
    ++m.decided;
    // One read per version, not per case.
    auto known = deadline_days.find(row.integer(1));
    if (known == deadline_days.end()) {
      auto p = version(row.integer(1));
      known = deadline_days.emplace(row.integer(1), p ? p->definition->processing_days : 0).first;
    }
    const int days = known->second;
    if (days == 0 || took <= std::int64_t{days} * 86400) ++m.decided_within_deadline;
  }
  std::vector<ProcedureMetrics> out;
  for (auto& [code, m] : by_service) {
    auto& d = durations[code];
    if (!d.empty()) {
      std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2), d.end());
      m.median_processing = std::chrono::seconds(d[d.size() / 2]);
    }
    auto latest = published(code);
    if (latest && *latest) m.asked_but_known = asked_but_known_count(*(*latest)->definition);
    out.push_back(std::move(m));
  }
  return out;
}

Result<int> Procedures::purge_drafts() const {
  auto deleted = db_.transaction([&](storage::Connection& c) {
    return c.execute("DELETE FROM procedures_cases WHERE status = 'draft' AND (expires_at <= ? OR user_id IS NULL)",
                     {to_unix_micros(clock_.now())});
  });
  if (!deleted) return std::move(deleted).error();
  return static_cast<int>(*deleted);
}

Result<std::string> personal_data(storage::Database& db, std::int64_t user_id) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query(std::string("SELECT ") + kCaseColumns + " WHERE c.user_id = ? ORDER BY c.id", {user_id});
  });
  if (!rows) return std::move(rows).error();
  json::array out;
  for (const storage::Row& row : rows->rows) {
    const Case c = case_of(row);
    out.push_back(json::object{
        {"reference", c.reference},
        {"service", c.service_code},
        {"status", to_string(c.status)},
        {"answers", c.answers},
        {"prefilled", c.prefilled},
        {"created_at", format_rfc3339(c.created_at)},
        {"updated_at", format_rfc3339(c.updated_at)},
        {"submitted_at", c.submitted_at ? json::value(format_rfc3339(*c.submitted_at)) : json::value(nullptr)}});
  }
  return json::serialize(out);
}

Result<std::string> case_document(storage::Database& db, std::int64_t case_id, std::string_view kind) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query("SELECT pdf FROM procedures_documents WHERE case_id = ? AND kind = ?", {case_id, std::string(kind)});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::document_not_ready, "the document is being prepared");
  return base64_decode(rows->rows.front().text(0));
}

Result<void> add_group_member(storage::Database& db, std::string_view administration, std::string_view group,
                              std::int64_t user_id) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto existing =
        c.query("SELECT 1 FROM procedures_group_members WHERE administration = ? AND agent_group = ? AND user_id = ?",
                {std::string(administration), std::string(group), user_id});
    if (!existing) return std::move(existing).error();
    if (!existing->empty()) return {};
    auto inserted =
        c.execute("INSERT INTO procedures_group_members (administration, agent_group, user_id) VALUES (?, ?, ?)",
                  {std::string(administration), std::string(group), user_id});
    if (!inserted) return std::move(inserted).error();
    return {};
  });
}

Result<void> remove_group_member(storage::Database& db, std::string_view administration, std::string_view group,
                                 std::int64_t user_id) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto deleted =
        c.execute("DELETE FROM procedures_group_members WHERE administration = ? AND agent_group = ? AND user_id = ?",
                  {std::string(administration), std::string(group), user_id});
    if (!deleted) return std::move(deleted).error();
    return {};
  });
}

Result<void> schedule_deadline(storage::Connection& c, std::int64_t case_id, Instant due, const Clock& clock) {
  json::object payload{{"case_id", case_id}};
  auto queued = jobs::enqueue(
      c,
      jobs::NewJob{"procedures.deadline", json::serialize(payload), due, 8,
                   "procedures.deadline:" + std::to_string(case_id) + ":" + std::to_string(to_unix_micros(due)),
                   jobs::JobPriority::normal},
      clock);
  if (!queued) return std::move(queued).error();
  return {};
}

Result<void> store_document(storage::Database& db, std::int64_t case_id, std::string_view kind, std::string_view pdf,
                            std::string_view verification_code, const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto inserted = c.execute(
        "INSERT INTO procedures_documents (case_id, kind, pdf, sha256, verification_code, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        {case_id, std::string(kind), base64(pdf), sha256_hex(pdf), std::string(verification_code),
         to_unix_micros(clock.now())});
    if (!inserted) return std::move(inserted).error();
    return {};
  });
}

}  // namespace guichet::procedures
