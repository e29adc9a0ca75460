#pragma once
// Agents process the cases of their administration's procedures: a queue with counts by status,
// taking a case (submitted -> under review, assigned to the agent), asking the person for more
// information on chosen questions (-> waiting for the person, who answers those questions only
// and sends the case back), internal notes, and a decision (accepted, refused, closed without
// action) delivered as a document sealed by the administration. The person is told by e-mail that
// there is news, never what it is (they sign in to read it).
//
// An agent reaches a case only through a role of its procedure's administration (agent or
// administration administrator; a platform administrator reaches all): any other case answers
// Errc::no_such_case.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "guichet/procedures/cases.hpp"
#include "guichet/procedures/vault.hpp"

namespace guichet::procedures {

enum class Decision { accept, refuse, close };
std::optional<Decision> parse_decision(std::string_view text);

// A message on a case: to the person (a request for information, a decision's reasons) or
// internal to the agents.
struct CaseNote {
  Instant at;
  std::string author;  // the agent's address, or "" for the person
  bool from_person = false;
  bool internal = false;
  std::string text;
  std::vector<Attachment> attachments;
};

// A file sent with a message: its type is what check_file found in its bytes.
struct MessageFile {
  std::string name;
  std::string content_type;
  std::string bytes;
};

// An expert opinion asked of a group of agents about a case.
struct Opinion {
  std::int64_t id = 0;
  std::string reference;  // the case's
  std::string group;
  std::string question;
  std::string asked_by;  // the agent's address
  Instant asked_at;
  std::optional<std::string> answer;
  std::string answered_by;
  std::optional<Instant> answered_at;
};

struct QueueFilter {
  std::optional<CaseStatus> status;  // none: every submitted case not yet decided
  bool mine = false;                 // only the cases assigned to the agent
  std::optional<std::string> group;  // only one group's cases
};

class CaseProcessing {
 public:
  explicit CaseProcessing(Procedures& procedures);

  // The administrations whose cases the account processes.
  Result<std::vector<std::string>> administrations_of(std::int64_t agent) const;
  // Their cases (never drafts), oldest submitted first, at most 500.
  Result<std::vector<Case>> queue(std::int64_t agent, const QueueFilter& filter) const;
  // How many of their cases are in each status (drafts left out).
  Result<std::map<CaseStatus, int>> counts(std::int64_t agent) const;
  // A case the agent reaches, or one whose opinion is asked of a group they belong to (to read
  // only: acts still need the reach).
  Result<Case> find(std::int64_t agent, std::string_view reference) const;
  // Whether the agent may act on the case (take, ask, decide), not only read it as an expert.
  Result<bool> can_process(std::int64_t agent, const Case& c) const;

  // Asks the agents of `group` (of the case's administration, with at least one member) for an
  // opinion on a case under review (Errc::bad_request_body naming `group` or `question`).
  Result<Opinion> ask_opinion(std::int64_t agent, std::string_view reference, std::string_view group,
                              std::string_view question);
  // A member of the opinion's group answers it, once (Errc::wrong_status when answered already).
  Result<Opinion> give_opinion(std::int64_t agent, std::string_view reference, std::int64_t opinion_id,
                               std::string_view answer);
  Result<std::vector<Opinion>> opinions(const Case& c) const;
  // The opinions waiting for an answer from the agent's groups, oldest first.
  Result<std::vector<Opinion>> opinions_asked_of(std::int64_t agent) const;
  // The groups of the case's administration that can be asked (those with members).
  Result<std::vector<std::string>> expert_groups(const Case& c) const;
  // The case's messages and notes, oldest first; the person's view leaves out internal ones.
  Result<std::vector<CaseNote>> notes(const Case& c, bool with_internal) const;

  // submitted or under review -> under review, assigned to the agent.
  Result<Case> take(std::int64_t agent, std::string_view reference);
  // under review -> waiting for the person, who may change only `fields` (questions on their
  // path); `message` tells them what is needed. Errc::bad_request_body for no message or no
  // field, or a field not asked.
  Result<Case> request_information(std::int64_t agent, std::string_view reference, std::string_view message,
                                   const std::vector<std::string>& fields);
  // under review -> accepted, refused or closed; `reasons` go to the person with the sealed
  // decision (procedures.decision job). A refusal needs reasons.
  Result<Case> decide(std::int64_t agent, std::string_view reference, Decision decision, std::string_view reasons);
  // An internal note, seen by agents only.
  Result<void> add_note(std::int64_t agent, std::string_view reference, std::string_view text);
  // A message to the person, who is e-mailed that there is news.
  Result<void> message_person(std::int64_t agent, std::string_view reference, std::string_view text,
                              const MessageFile* file = nullptr);
  // The person writes to the administration about their submitted case (at most 50 messages a
  // case; Errc::too_many_drafts is not it: Errc::wrong_status for a draft, rate_limited beyond).
  Result<void> message_administration(const Actor& actor, std::string_view reference, std::string_view text,
                                      const MessageFile* file = nullptr);

  // The person sends their answers back: waiting for the person -> under review. Every requested
  // question must be answered (Errc::incomplete).
  Result<Case> respond(const Actor& actor, std::string_view reference, std::vector<FieldProblem>* problems = nullptr);

 private:
  Procedures& procedures_;
};

// When the decision is due: the submission (or, when the definition restarts the clock, the
// person's last answer to a request) plus the processing days; nothing without a deadline.
std::optional<Instant> decision_due(const Definition& definition, const Case& c, const std::vector<CaseEvent>& history);

// The deadline job: at the due time, a case still submitted or under review gets the tacit
// decision its procedure names (approval or refusal, by "system", sealed and told like an
// agent's); a case waiting for the person waits (their answer queues the job again); a due time
// moved by a restart queues the job again for then. Idempotent: a decided case is left alone.
Result<void> apply_deadline(Procedures& procedures, std::int64_t case_id);

inline constexpr const char* kDeadlineJobKind = "procedures.deadline";
inline constexpr const char* kDecisionJobKind = "procedures.decision";
inline constexpr const char* kNoticeJobKind = "procedures.notice";

}  // namespace guichet::procedures
