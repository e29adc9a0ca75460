-- What each enabled benefit decided for each person in scope (exchange module): granted (told,
-- with the values that decided), declined by the person afterwards, not granted, or unknown (a
-- registry refused or the rule could not decide: asked again after a week). `reasons` is JSON:
-- {"values": {attribute: value}, "types": {attribute: type}}.
CREATE TABLE exchange_benefit_grants (
  benefit TEXT NOT NULL REFERENCES exchange_benefits (code) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  person_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('granted', 'declined', 'not_granted', 'unknown')),
  reasons TEXT NOT NULL,
  why TEXT NOT NULL DEFAULT '',
  decided_at BIGINT NOT NULL,
  declined_at BIGINT,
  PRIMARY KEY (benefit, user_id)
);
CREATE INDEX exchange_benefit_grants_user ON exchange_benefit_grants (user_id);
