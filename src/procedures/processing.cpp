#include "guichet/procedures/processing.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "case_rows.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/outbox.hpp"
#include "guichet/procedures/errors.hpp"
#include "text.hpp"

namespace guichet::procedures {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxMessage = 5000;

Error no_such_case() { return make_error(Errc::no_such_case, "no such case"); }

Error wrong_status(const Case& c) {
  return make_error(Errc::wrong_status, "the case is " + std::string(to_string(c.status)));
}

// Every administration (a platform administrator), or those named.
// An agent who belongs to groups of an administration reaches only those groups' cases there;
// an administrator of it, or an agent in no group of it, reaches all of its cases.
struct Reach {
  bool everywhere = false;
  std::set<std::string> administrations;
  std::map<std::string, std::set<std::string>> groups;  // administration -> its groups the agent is in
  bool allows(const std::string& administration, const std::string& group) const {
    if (everywhere) return true;
    if (!administrations.contains(administration)) return false;
    auto limited = groups.find(administration);
    return limited == groups.end() || limited->second.contains(group);
  }
  // "(...)" restricting `v.administration` and `c.agent_group` to this reach, with its parameters.
  std::string sql(storage::Params& params) const {
    std::string out;
    for (const std::string& a : administrations) {
      if (!out.empty()) out += " OR ";
      auto limited = groups.find(a);
      if (limited == groups.end()) {
        out += "v.administration = ?";
        params.emplace_back(a);
      } else {
        out += "(v.administration = ? AND c.agent_group IN " + storage::in_list(limited->second.size()) + ")";
        params.emplace_back(a);
        for (const std::string& g : limited->second) params.emplace_back(g);
      }
    }
    return "(" + out + ")";
  }
};

Result<Reach> reach_of(storage::Database& db, std::int64_t agent) {
  auto roles = identity::roles_of(db, agent);
  if (!roles) return std::move(roles).error();
  Reach reach;
  std::set<std::string> administered;
  for (const identity::RoleGrant& grant : *roles) {
    if (grant.role == identity::Role::platform_admin) reach.everywhere = true;
    if (grant.role == identity::Role::agent || grant.role == identity::Role::administration_admin) {
      reach.administrations.insert(grant.administration);
    }
    if (grant.role == identity::Role::administration_admin) administered.insert(grant.administration);
  }
  auto rows = db.read([&](storage::Connection& c) {
    return c.query("SELECT administration, agent_group FROM procedures_group_members WHERE user_id = ?", {agent});
  });
  if (!rows) return std::move(rows).error();
  for (const storage::Row& row : rows->rows) {
    if (!administered.contains(row.text(0))) reach.groups[row.text(0)].insert(row.text(1));
  }
  return reach;
}

// Whether the agent belongs to a group an opinion on the case is asked of.
Result<bool> is_expert_on(storage::Database& db, std::int64_t agent, const Case& found) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query(
        "SELECT 1 FROM procedures_opinions o JOIN procedures_group_members m ON m.agent_group = o.agent_group "
        "AND m.administration = ? AND m.user_id = ? WHERE o.case_id = ?",
        {found.administration, agent, found.id});
  });
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

Result<std::vector<Opinion>> read_opinions(storage::Database& db, const std::string& where, storage::Params params) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query(
        "SELECT o.id, c.reference, o.agent_group, o.question, o.asked_by, o.asked_at, o.answer, o.answered_by, "
        "o.answered_at FROM procedures_opinions o JOIN procedures_cases c ON c.id = o.case_id "
        "JOIN procedures_versions v ON v.id = c.procedure_id WHERE " +
            where + " ORDER BY o.id LIMIT 500",
        params);
  });
  if (!rows) return std::move(rows).error();
  std::set<std::int64_t> people;
  for (const storage::Row& row : rows->rows) {
    if (auto id = row.optional_integer(4)) people.insert(*id);
    if (auto id = row.optional_integer(7)) people.insert(*id);
  }
  std::map<std::int64_t, std::string> emails;
  if (!people.empty()) {
    auto found = db.read([&](storage::Connection& c) { return identity::emails_of(c, people); });
    if (!found) return std::move(found).error();
    emails = std::move(found).value();
  }
  auto email = [&](std::optional<std::int64_t> id) {
    return id && emails.contains(*id) ? emails.at(*id) : std::string();
  };
  std::vector<Opinion> out;
  for (const storage::Row& row : rows->rows) {
    Opinion o;
    o.id = row.integer(0);
    o.reference = row.text(1);
    o.group = row.text(2);
    o.question = row.text(3);
    o.asked_by = email(row.optional_integer(4));
    o.asked_at = from_unix_micros(row.integer(5));
    o.answer = row.optional_text(6);
    o.answered_by = email(row.optional_integer(7));
    if (auto at = row.optional_integer(8)) o.answered_at = from_unix_micros(*at);
    out.push_back(std::move(o));
  }
  return out;
}

// A message or note: trimmed, 1 to 5000 characters, or an error naming `field`.
Result<std::string> message_text(std::string_view text, const char* field) {
  std::string message = trimmed(text);
  if (message.empty() || message.size() > kMaxMessage) {
    Error error = make_error(Errc::bad_request_body, "1 to 5000 characters");
    error.field = field;
    return error;
  }
  return message;
}

Result<void> add_note_on(storage::Connection& c, std::int64_t case_id, Instant at, std::int64_t author, bool internal,
                         const std::string& text, const MessageFile* file = nullptr) {
  auto inserted = c.query(
      "INSERT INTO procedures_notes (case_id, at, author_id, internal, text) VALUES (?, ?, ?, ?, ?) RETURNING id",
      {case_id, to_unix_micros(at), author, std::int64_t{internal ? 1 : 0}, text});
  if (!inserted) return std::move(inserted).error();
  if (file == nullptr) return {};
  auto attached =
      attach_to_note(c, case_id, inserted->rows.at(0).integer(0), file->name, file->content_type, file->bytes, at);
  if (!attached) return std::move(attached).error();
  return {};
}

// A file sent with a message, checked before anything is written.
Result<void> check_message_file(const MessageFile* file) {
  if (file == nullptr) return {};
  auto type = check_file(file->bytes, attachable_content_types());
  if (!type) return std::move(type).error();
  if (*type != file->content_type) return make_error(Errc::file_type_refused, "the file's type was not checked");
  return {};
}

// The person is told there is news (never what: they sign in to read it), by the notice job.
Result<void> tell_the_person(storage::Connection& c, const Case& found, std::string_view what, const Clock& clock) {
  if (found.user_id == 0) return {};
  json::object payload{{"case_id", found.id}, {"what", what}};
  auto queued = jobs::enqueue(
      c,
      jobs::NewJob{kNoticeJobKind, json::serialize(payload), std::nullopt, 8, std::nullopt, jobs::JobPriority::normal},
      clock);
  if (!queued) return std::move(queued).error();
  return {};
}

}  // namespace

std::optional<Decision> parse_decision(std::string_view text) {
  if (text == "accept") return Decision::accept;
  if (text == "refuse") return Decision::refuse;
  if (text == "close") return Decision::close;
  return std::nullopt;
}

CaseProcessing::CaseProcessing(Procedures& procedures) : procedures_(procedures) {}

Result<std::vector<std::string>> CaseProcessing::administrations_of(std::int64_t agent) const {
  auto reach = reach_of(procedures_.db(), agent);
  if (!reach) return std::move(reach).error();
  if (reach->everywhere) return std::vector<std::string>{"*"};
  return std::vector<std::string>(reach->administrations.begin(), reach->administrations.end());
}

Result<std::vector<Case>> CaseProcessing::queue(std::int64_t agent, const QueueFilter& filter) const {
  auto reach = reach_of(procedures_.db(), agent);
  if (!reach) return std::move(reach).error();
  std::vector<Case> out;
  if (!reach->everywhere && reach->administrations.empty()) return out;
  std::string sql = std::string("SELECT ") + kCaseColumns + " WHERE ";
  storage::Params params;
  if (filter.status) {
    sql += "c.status = ?";
    params.emplace_back(std::string(to_string(*filter.status)));
  } else {
    sql += "c.status IN ('submitted', 'under_review', 'waiting_for_person')";
  }
  if (!reach->everywhere) sql += " AND " + reach->sql(params);
  if (filter.group) {
    sql += " AND c.agent_group = ?";
    params.emplace_back(*filter.group);
  }
  if (filter.mine) {
    sql += " AND c.assigned_to = ?";
    params.emplace_back(agent);
  }
  sql += " ORDER BY c.submitted_at, c.id LIMIT 500";
  auto rows = procedures_.db().read([&](storage::Connection& c) { return c.query(sql, params); });
  if (!rows) return std::move(rows).error();
  for (const storage::Row& row : rows->rows) out.push_back(case_of(row));
  return out;
}

Result<std::map<CaseStatus, int>> CaseProcessing::counts(std::int64_t agent) const {
  auto reach = reach_of(procedures_.db(), agent);
  if (!reach) return std::move(reach).error();
  std::map<CaseStatus, int> out;
  if (!reach->everywhere && reach->administrations.empty()) return out;
  std::string sql =
      "SELECT c.status, COUNT(*) FROM procedures_cases c JOIN procedures_versions v ON v.id = c.procedure_id "
      "WHERE c.status <> 'draft'";
  storage::Params params;
  if (!reach->everywhere) sql += " AND " + reach->sql(params);
  sql += " GROUP BY c.status";
  auto rows = procedures_.db().read([&](storage::Connection& c) { return c.query(sql, params); });
  if (!rows) return std::move(rows).error();
  for (const storage::Row& row : rows->rows) {
    if (auto status = parse_case_status(row.text(0))) out[*status] = static_cast<int>(row.integer(1));
  }
  return out;
}

Result<Case> CaseProcessing::find(std::int64_t agent, std::string_view reference) const {
  auto reach = reach_of(procedures_.db(), agent);
  if (!reach) return std::move(reach).error();
  auto found = procedures_.db().read([&](storage::Connection& c) -> Result<Case> {
    auto rows = c.query(std::string("SELECT ") + kCaseColumns + " WHERE c.reference = ? AND c.status <> 'draft'",
                        {std::string(reference)});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return no_such_case();
    return case_of(rows->rows.front());
  });
  if (!found) return found;
  if (reach->allows(found->administration, found->agent_group)) return found;
  auto expert = is_expert_on(procedures_.db(), agent, *found);
  if (!expert) return std::move(expert).error();
  if (!*expert) return no_such_case();
  return found;
}

Result<bool> CaseProcessing::can_process(std::int64_t agent, const Case& c) const {
  auto reach = reach_of(procedures_.db(), agent);
  if (!reach) return std::move(reach).error();
  return reach->allows(c.administration, c.agent_group);
}

Result<std::vector<CaseNote>> CaseProcessing::notes(const Case& c, bool with_internal) const {
  auto rows = procedures_.db().read([&](storage::Connection& connection) {
    return connection.query(
        std::string("SELECT at, author_id, internal, text, id FROM procedures_notes WHERE case_id = ?") +
            (with_internal ? "" : " AND internal = 0") + " ORDER BY id",
        {c.id});
  });
  if (!rows) return std::move(rows).error();
  std::set<std::int64_t> authors;
  for (const storage::Row& row : rows->rows) {
    if (auto id = row.optional_integer(1)) authors.insert(*id);
  }
  std::map<std::int64_t, std::string> emails;
  if (!authors.empty()) {
    auto found = procedures_.db().read(
        [&](storage::Connection& connection) { return identity::emails_of(connection, authors); });
    if (!found) return std::move(found).error();
    emails = std::move(found).value();
  }
  auto files = attachments_of(procedures_.db(), c.id);
  if (!files) return std::move(files).error();
  std::vector<CaseNote> out;
  for (const storage::Row& row : rows->rows) {
    CaseNote note;
    const std::int64_t note_id = row.integer(4);
    for (const Attachment& a : *files) {
      if (a.note_id == note_id) note.attachments.push_back(a);
    }
    note.at = from_unix_micros(row.integer(0));
    const auto id = row.optional_integer(1);
    note.from_person = id && *id == c.user_id;
    if (id && !note.from_person && emails.contains(*id)) note.author = emails.at(*id);
    note.internal = row.integer(2) != 0;
    note.text = row.text(3);
    out.push_back(std::move(note));
  }
  return out;
}

// Runs `act` on the case held in a transaction, once the agent is known to reach it.
template <class F>
Result<Case> act_on(Procedures& procedures, std::int64_t agent, std::string_view reference, F&& act) {
  auto reach = reach_of(procedures.db(), agent);
  if (!reach) return std::move(reach).error();
  Case changed;
  auto done = procedures.db().transaction([&](storage::Connection& c) -> Result<void> {
    auto held = held_case_by_reference(c, reference);
    if (!held) return std::move(held).error();
    if (held->status == CaseStatus::draft || !reach->allows(held->administration, held->agent_group)) {
      return no_such_case();
    }
    changed = std::move(held).value();
    return act(c, changed);
  });
  if (!done) return std::move(done).error();
  return changed;
}

Result<Case> CaseProcessing::take(std::int64_t agent, std::string_view reference) {
  const Clock& clock = procedures_.clock();
  return act_on(procedures_, agent, reference, [&](storage::Connection& c, Case& found) -> Result<void> {
    if (found.status != CaseStatus::submitted && found.status != CaseStatus::under_review) return wrong_status(found);
    const Instant now = clock.now();
    auto updated =
        c.execute("UPDATE procedures_cases SET status = 'under_review', assigned_to = ?, updated_at = ? WHERE id = ?",
                  {agent, to_unix_micros(now), found.id});
    if (!updated) return std::move(updated).error();
    if (found.status == CaseStatus::submitted) {
      auto event =
          record_event(c, found.id, now, "user:" + std::to_string(agent), found.status, CaseStatus::under_review, "");
      if (!event) return event;
    }
    found.status = CaseStatus::under_review;
    found.assigned_to = agent;
    return {};
  });
}

Result<Case> CaseProcessing::request_information(std::int64_t agent, std::string_view reference,
                                                 std::string_view message, const std::vector<std::string>& fields) {
  const std::string text = trimmed(message);
  if (text.empty() || text.size() > kMaxMessage) {
    Error error = make_error(Errc::bad_request_body, "say what is needed, in at most 5000 characters");
    error.field = "message";
    return error;
  }
  if (fields.empty()) {
    Error error = make_error(Errc::bad_request_body, "choose the questions the person may answer again");
    error.field = "fields";
    return error;
  }
  const Clock& clock = procedures_.clock();
  return act_on(procedures_, agent, reference, [&](storage::Connection& c, Case& found) -> Result<void> {
    if (found.status != CaseStatus::under_review) return wrong_status(found);
    auto procedure = version_on(c, found.procedure_id);
    if (!procedure) return std::move(procedure).error();
    std::vector<std::string> reopened;
    for (const Field* field : asked(*procedure->definition, found.answers)) {
      if (std::find(fields.begin(), fields.end(), field->id) != fields.end()) reopened.push_back(field->id);
    }
    if (reopened.size() != std::set<std::string>(fields.begin(), fields.end()).size()) {
      Error error = make_error(Errc::bad_request_body, "only questions the person was asked can be reopened");
      error.field = "fields";
      return error;
    }
    const Instant now = clock.now();
    json::array list(reopened.begin(), reopened.end());
    auto updated = c.execute(
        "UPDATE procedures_cases SET status = 'waiting_for_person', requested_fields = ?, updated_at = ? WHERE id = ?",
        {json::serialize(list), to_unix_micros(now), found.id});
    if (!updated) return std::move(updated).error();
    auto event = record_event(c, found.id, now, "user:" + std::to_string(agent), found.status,
                              CaseStatus::waiting_for_person, "");
    if (!event) return event;
    auto noted = add_note_on(c, found.id, now, agent, false, text);
    if (!noted) return noted;
    found.status = CaseStatus::waiting_for_person;
    found.requested_fields = reopened;
    return tell_the_person(c, found, "request", clock);
  });
}

Result<Case> CaseProcessing::decide(std::int64_t agent, std::string_view reference, Decision decision,
                                    std::string_view reasons) {
  const std::string text = trimmed(reasons);
  if (text.size() > kMaxMessage || (decision == Decision::refuse && text.empty())) {
    Error error = make_error(Errc::bad_request_body, "a refusal gives its reasons, in at most 5000 characters");
    error.field = "reasons";
    return error;
  }
  const CaseStatus to = decision == Decision::accept   ? CaseStatus::accepted
                        : decision == Decision::refuse ? CaseStatus::refused
                                                       : CaseStatus::closed;
  const Clock& clock = procedures_.clock();
  return act_on(procedures_, agent, reference, [&](storage::Connection& c, Case& found) -> Result<void> {
    if (found.status != CaseStatus::under_review) return wrong_status(found);
    const Instant now = clock.now();
    auto updated =
        c.execute("UPDATE procedures_cases SET status = ?, requested_fields = NULL, updated_at = ? WHERE id = ?",
                  {std::string(to_string(to)), to_unix_micros(now), found.id});
    if (!updated) return std::move(updated).error();
    auto event = record_event(c, found.id, now, "user:" + std::to_string(agent), found.status, to, text);
    if (!event) return event;
    if (!text.empty()) {
      auto noted = add_note_on(c, found.id, now, agent, false, text);
      if (!noted) return noted;
    }
    found.status = to;
    found.requested_fields.clear();
    // The sealed decision is made by the job, outside this transaction.
    json::object payload{{"case_id", found.id}};
    auto queued = jobs::enqueue(
        c,
        jobs::NewJob{kDecisionJobKind, json::serialize(payload), std::nullopt, 8,
                     std::string(kDecisionJobKind) + ":" + std::to_string(found.id), jobs::JobPriority::normal},
        clock);
    if (!queued) return std::move(queued).error();
    return tell_the_person(c, found, "decision", clock);
  });
}

Result<void> CaseProcessing::add_note(std::int64_t agent, std::string_view reference, std::string_view text) {
  auto checked_text = message_text(text, "note");
  if (!checked_text) return std::move(checked_text).error();
  const std::string& note = *checked_text;
  const Clock& clock = procedures_.clock();
  auto done = act_on(procedures_, agent, reference, [&](storage::Connection& c, Case& found) -> Result<void> {
    return add_note_on(c, found.id, clock.now(), agent, true, note);
  });
  if (!done) return std::move(done).error();
  return {};
}

Result<void> CaseProcessing::message_person(std::int64_t agent, std::string_view reference, std::string_view text,
                                            const MessageFile* file) {
  auto checked_text = message_text(text, "person_message");
  if (!checked_text) return std::move(checked_text).error();
  if (auto checked_file = check_message_file(file); !checked_file) return checked_file;
  const std::string& message = *checked_text;
  const Clock& clock = procedures_.clock();
  auto done = act_on(procedures_, agent, reference, [&](storage::Connection& c, Case& found) -> Result<void> {
    auto noted = add_note_on(c, found.id, clock.now(), agent, false, message, file);
    if (!noted) return noted;
    return tell_the_person(c, found, "message", clock);
  });
  if (!done) return std::move(done).error();
  return {};
}

Result<void> CaseProcessing::message_administration(const Actor& actor, std::string_view reference,
                                                    std::string_view text, const MessageFile* file) {
  auto checked_text = message_text(text, "message");
  if (!checked_text) return std::move(checked_text).error();
  if (auto checked_file = check_message_file(file); !checked_file) return checked_file;
  const std::string& message = *checked_text;
  const Clock& clock = procedures_.clock();
  return procedures_.db().transaction([&](storage::Connection& c) -> Result<void> {
    auto held = held_case_by_reference(c, reference);
    if (!held) return std::move(held).error();
    if (held->user_id != actor.user_id) return no_such_case();
    if (held->status == CaseStatus::draft) return wrong_status(*held);
    auto sent =
        c.query("SELECT COUNT(*) FROM procedures_notes WHERE case_id = ? AND author_id = ?", {held->id, actor.user_id});
    if (!sent) return std::move(sent).error();
    if (sent->rows.front().integer(0) >= 50) {
      return make_error(Errc::too_many_messages, "this case has had 50 messages from you");
    }
    return add_note_on(c, held->id, clock.now(), actor.user_id, false, message, file);
  });
}

Result<Case> CaseProcessing::respond(const Actor& actor, std::string_view reference,
                                     std::vector<FieldProblem>* problems) {
  const Clock& clock = procedures_.clock();
  Case changed;
  auto done = procedures_.db().transaction([&](storage::Connection& c) -> Result<void> {
    auto held = held_case_by_reference(c, reference);
    if (!held) return std::move(held).error();
    if (held->user_id != actor.user_id) return no_such_case();
    if (held->status != CaseStatus::waiting_for_person) return wrong_status(*held);
    auto procedure = version_on(c, held->procedure_id);
    if (!procedure) return std::move(procedure).error();
    std::vector<FieldProblem> gaps;
    for (const FieldProblem& gap : missing(*procedure->definition, held->answers)) {
      if (std::find(held->requested_fields.begin(), held->requested_fields.end(), gap.field) !=
          held->requested_fields.end()) {
        gaps.push_back(gap);
      }
    }
    if (!gaps.empty()) {
      if (problems != nullptr) *problems = gaps;
      return make_error(Errc::incomplete, "some requested answers are missing");
    }
    const Instant now = clock.now();
    auto gone = freeze_files(c, *procedure->definition, *held, actor.user_id, now);
    if (!gone) return std::move(gone).error();
    if (!gone->empty()) {
      if (problems != nullptr) *problems = *gone;
      return make_error(Errc::incomplete, "a document is no longer in the vault");
    }
    auto updated = c.execute(
        "UPDATE procedures_cases SET status = 'under_review', requested_fields = NULL, answers = ?, updated_at = ? "
        "WHERE id = ?",
        {json::serialize(held->answers), to_unix_micros(now), held->id});
    if (!updated) return std::move(updated).error();
    auto event = record_event(c, held->id, now, "user:" + std::to_string(actor.user_id), held->status,
                              CaseStatus::under_review, "");
    if (!event) return event;
    changed = std::move(held).value();
    changed.status = CaseStatus::under_review;
    changed.requested_fields.clear();
    // The deadline is checked again from here (a restarted clock counts from this answer).
    const Definition& definition = *procedure->definition;
    if (definition.processing_days > 0 && definition.tacit != TacitRule::none) {
      const Instant due = definition.restart_after_request
                              ? now + std::chrono::days(definition.processing_days)
                              : std::max(now, *changed.submitted_at + std::chrono::days(definition.processing_days));
      return schedule_deadline(c, changed.id, due, clock);
    }
    return {};
  });
  if (!done) return std::move(done).error();
  return changed;
}

std::optional<Instant> decision_due(const Definition& definition, const Case& c,
                                    const std::vector<CaseEvent>& history) {
  if (definition.processing_days == 0 || !c.submitted_at) return std::nullopt;
  Instant from = *c.submitted_at;
  if (definition.restart_after_request) {
    for (const CaseEvent& e : history) {
      if (e.from == CaseStatus::waiting_for_person && e.to == CaseStatus::under_review) from = e.at;
    }
  }
  return from + std::chrono::days(definition.processing_days);
}

Result<void> apply_deadline(Procedures& procedures, std::int64_t case_id) {
  auto found = procedures.case_by_id(case_id);
  if (!found) {
    if (found.error().code == Errc::no_such_case) return {};
    return std::move(found).error();
  }
  if (found->status != CaseStatus::submitted && found->status != CaseStatus::under_review) return {};
  auto procedure = procedures.version(found->procedure_id);
  if (!procedure) return std::move(procedure).error();
  const Definition& definition = *procedure->definition;
  if (definition.tacit == TacitRule::none) return {};
  auto history = procedures.history(*found);
  if (!history) return std::move(history).error();
  const std::optional<Instant> due = decision_due(definition, *found, *history);
  if (!due) return {};
  const Clock& clock = procedures.clock();
  return procedures.db().transaction([&](storage::Connection& c) -> Result<void> {
    auto held = held_case_by_reference(c, found->reference);
    if (!held) return std::move(held).error();
    if (held->status != CaseStatus::submitted && held->status != CaseStatus::under_review) return {};
    const Instant now = clock.now();
    if (now < *due) return schedule_deadline(c, held->id, *due, clock);
    const CaseStatus to = definition.tacit == TacitRule::approval ? CaseStatus::accepted : CaseStatus::refused;
    auto updated =
        c.execute("UPDATE procedures_cases SET status = ?, requested_fields = NULL, updated_at = ? WHERE id = ?",
                  {std::string(to_string(to)), to_unix_micros(now), held->id});
    if (!updated) return std::move(updated).error();
    auto event = record_event(c, held->id, now, "system", held->status, to, "tacit");
    if (!event) return event;
    json::object payload{{"case_id", held->id}};
    auto queued = jobs::enqueue(
        c,
        jobs::NewJob{kDecisionJobKind, json::serialize(payload), std::nullopt, 8,
                     std::string(kDecisionJobKind) + ":" + std::to_string(held->id), jobs::JobPriority::normal},
        clock);
    if (!queued) return std::move(queued).error();
    held->status = to;
    return tell_the_person(c, *held, "decision", clock);
  });
}

Result<Opinion> CaseProcessing::ask_opinion(std::int64_t agent, std::string_view reference, std::string_view group,
                                            std::string_view question) {
  auto text = message_text(question, "question");
  if (!text) return std::move(text).error();
  const Clock& clock = procedures_.clock();
  std::int64_t id = 0;
  auto done = act_on(procedures_, agent, reference, [&](storage::Connection& c, Case& found) -> Result<void> {
    if (found.status != CaseStatus::under_review) return wrong_status(found);
    auto members = c.query("SELECT COUNT(*) FROM procedures_group_members WHERE administration = ? AND agent_group = ?",
                           {found.administration, std::string(group)});
    if (!members) return std::move(members).error();
    if (members->rows.front().integer(0) == 0) {
      Error error = make_error(Errc::bad_request_body, "no agent belongs to that group");
      error.field = "group";
      return error;
    }
    auto inserted = c.query(
        "INSERT INTO procedures_opinions (case_id, agent_group, question, asked_by, asked_at) VALUES (?, ?, ?, ?, ?) "
        "RETURNING id",
        {found.id, std::string(group), *text, agent, to_unix_micros(clock.now())});
    if (!inserted) return std::move(inserted).error();
    id = inserted->rows.at(0).integer(0);
    return {};
  });
  if (!done) return std::move(done).error();
  auto all = opinions(*done);
  if (!all) return std::move(all).error();
  for (Opinion& o : *all) {
    if (o.id == id) return std::move(o);
  }
  return make_error(Errc::no_such_case, "the opinion vanished");
}

Result<Opinion> CaseProcessing::give_opinion(std::int64_t agent, std::string_view reference, std::int64_t opinion_id,
                                             std::string_view answer) {
  auto text = message_text(answer, "answer");
  if (!text) return std::move(text).error();
  const Clock& clock = procedures_.clock();
  auto found = find(agent, reference);
  if (!found) return std::move(found).error();
  auto done = procedures_.db().transaction([&](storage::Connection& c) -> Result<void> {
    auto rows = c.query(
        "SELECT o.answered_at FROM procedures_opinions o JOIN procedures_group_members m "
        "ON m.agent_group = o.agent_group AND m.administration = ? AND m.user_id = ? "
        "WHERE o.id = ? AND o.case_id = ?",
        {found->administration, agent, opinion_id, found->id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return no_such_case();
    if (!rows->rows.front().is_null(0)) return make_error(Errc::wrong_status, "this opinion was given already");
    auto updated = c.execute(
        "UPDATE procedures_opinions SET answer = ?, answered_by = ?, answered_at = ? WHERE id = ? AND answered_at IS "
        "NULL",
        {*text, agent, to_unix_micros(clock.now()), opinion_id});
    if (!updated) return std::move(updated).error();
    if (*updated == 0) return make_error(Errc::wrong_status, "this opinion was given already");
    return {};
  });
  if (!done) return std::move(done).error();
  auto all = opinions(*found);
  if (!all) return std::move(all).error();
  for (Opinion& o : *all) {
    if (o.id == opinion_id) return std::move(o);
  }
  return no_such_case();
}

Result<std::vector<Opinion>> CaseProcessing::opinions(const Case& c) const {
  return read_opinions(procedures_.db(), "o.case_id = ?", {c.id});
}

Result<std::vector<Opinion>> CaseProcessing::opinions_asked_of(std::int64_t agent) const {
  return read_opinions(procedures_.db(),
                       "o.answered_at IS NULL AND EXISTS (SELECT 1 FROM procedures_group_members m WHERE m.user_id = "
                       "? AND m.agent_group = o.agent_group AND m.administration = v.administration)",
                       {agent});
}

Result<std::vector<std::string>> CaseProcessing::expert_groups(const Case& c) const {
  auto rows = procedures_.db().read([&](storage::Connection& connection) {
    return connection.query(
        "SELECT DISTINCT agent_group FROM procedures_group_members WHERE administration = ? ORDER BY agent_group",
        {c.administration});
  });
  if (!rows) return std::move(rows).error();
  std::vector<std::string> out;
  for (const storage::Row& row : rows->rows) out.push_back(row.text(0));
  return out;
}

}  // namespace guichet::procedures
