-- Facts people give (procedures module): a bank account's IBAN, a vehicle's registration, a
-- driving licence's number... One value per person and fact, kept when a case asking for it is
-- submitted (replacing the one before) and offered, pre-filled, in every later form that names
-- it as its source (`"source": "vault.iban"`). The person sees and deletes them on
-- /account/documents; deleting the account deletes them. `value` is the answer as normalised
-- (JSON); `case_reference` where it was last given.
CREATE TABLE procedures_facts (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  case_reference TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, name)
);
