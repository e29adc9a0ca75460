-- Online procedures (procedures module). A service's procedure is published in versions that
-- never change (`definition` is the JSON of docs/PROCEDURES.md); a case follows the version it
-- was started with. Answers are a JSON object of normalised values; `prefilled` maps the fields
-- pre-filled from the account to their source. A case outlives its author's account (the
-- administration keeps its record): `user_id` is then NULL, and a draft with no author is purged.
CREATE TABLE procedures_versions (
  id AUTO_ID,
  service_id BIGINT NOT NULL REFERENCES services (id),
  service_code TEXT NOT NULL,               -- the service's and its administration's codes when
  administration TEXT NOT NULL,             -- published (the catalogue owns them; read once)
  version INTEGER NOT NULL CHECK (version > 0),
  definition TEXT NOT NULL,
  published_at BIGINT NOT NULL,
  published_by TEXT NOT NULL,
  UNIQUE (service_id, version)
);
CREATE INDEX procedures_versions_code ON procedures_versions (service_code, version);

CREATE TABLE procedures_cases (
  id AUTO_ID,
  reference TEXT NOT NULL UNIQUE,
  procedure_id BIGINT NOT NULL REFERENCES procedures_versions (id),
  user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
  organisation_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'under_review', 'waiting_for_person', 'accepted',
                                         'refused', 'closed')),
  answers TEXT NOT NULL,
  prefilled TEXT NOT NULL,
  lang TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  submitted_at BIGINT,
  expires_at BIGINT,
  assigned_to BIGINT REFERENCES users (id) ON DELETE SET NULL,
  agent_group TEXT,                         -- set at submission by the definition's routing
  requested_fields TEXT                     -- JSON list, while waiting for the person
);
CREATE INDEX procedures_cases_user ON procedures_cases (user_id, updated_at);
CREATE INDEX procedures_cases_expiry ON procedures_cases (status, expires_at);
CREATE INDEX procedures_cases_procedure ON procedures_cases (procedure_id, status);

-- Each change of a case's status, with who made it.
CREATE TABLE procedures_case_events (
  id AUTO_ID,
  case_id BIGINT NOT NULL REFERENCES procedures_cases (id) ON DELETE CASCADE,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE INDEX procedures_case_events_case ON procedures_case_events (case_id, id);

-- Agents' groups within an administration: an agent who belongs to groups of an administration
-- sees only their cases; one who belongs to none sees all of the administration's.
CREATE TABLE procedures_group_members (
  administration TEXT NOT NULL,
  agent_group TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (administration, agent_group, user_id)
);

-- Messages on a case: to the person (a request for information, a decision's reasons) or internal
-- notes between agents. `author_id` is the agent; NULL for the person or a deleted account.
CREATE TABLE procedures_notes (
  id AUTO_ID,
  case_id BIGINT NOT NULL REFERENCES procedures_cases (id) ON DELETE CASCADE,
  at BIGINT NOT NULL,
  author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
  internal INTEGER NOT NULL CHECK (internal IN (0, 1)),
  text TEXT NOT NULL
);
CREATE INDEX procedures_notes_case ON procedures_notes (case_id, id);

-- Fees paid through a payment provider: one row per attempt (pending, then paid, failed or
-- abandoned). `provider_reference` is the provider's id for the payment.
CREATE TABLE procedures_payments (
  id AUTO_ID,
  case_id BIGINT NOT NULL REFERENCES procedures_cases (id) ON DELETE CASCADE,
  token TEXT NOT NULL UNIQUE,
  provider TEXT NOT NULL,
  provider_reference TEXT NOT NULL,
  amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
  status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'abandoned')),
  created_at BIGINT NOT NULL,
  completed_at BIGINT
);
CREATE INDEX procedures_payments_case ON procedures_payments (case_id, id);

-- The sealed documents of a case (the receipt; decisions later), base64, as issued.
CREATE TABLE procedures_documents (
  id AUTO_ID,
  case_id BIGINT NOT NULL REFERENCES procedures_cases (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('receipt', 'decision')),
  pdf TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  verification_code TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (case_id, kind)
);
