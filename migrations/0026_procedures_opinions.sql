-- Expert opinions on a case (procedures module): the agent processing it asks a group of agents
-- of the same administration (legal, medical...) a question; a member of that group answers
-- once. The group's members may read the case while the opinion is asked of them; they cannot
-- act on it. The case's status does not change.
CREATE TABLE procedures_opinions (
  id AUTO_ID,
  case_id BIGINT NOT NULL REFERENCES procedures_cases (id) ON DELETE CASCADE,
  agent_group TEXT NOT NULL,
  question TEXT NOT NULL,
  asked_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
  asked_at BIGINT NOT NULL,
  answer TEXT,
  answered_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
  answered_at BIGINT
);
CREATE INDEX procedures_opinions_case ON procedures_opinions (case_id, id);
CREATE INDEX procedures_opinions_group ON procedures_opinions (agent_group, answered_at);
