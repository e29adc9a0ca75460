-- Benefits granted from shared data (exchange module): an administration's benefit, the attributes
-- it reads from which registry nodes under which law, and the rule over them (a Lua expression,
-- exchange/rules.hpp). A benefit is defined disabled; the administrator's dry run shows how many
-- it would grant before it is enabled. `sources` is JSON: {"at": ["reference_income"], ...}.
CREATE TABLE exchange_benefits (
  code TEXT PRIMARY KEY,
  administration TEXT NOT NULL,
  names TEXT NOT NULL,
  legal_basis TEXT NOT NULL,
  sources TEXT NOT NULL,
  rule TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 0,
  defined_by TEXT NOT NULL,
  defined_at BIGINT NOT NULL
);
