-- Roles (identity module). `administration` is '' for platform-wide roles and otherwise the code
-- of the administration the role applies to.
CREATE TABLE user_roles (
  id AUTO_ID,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('platform_admin', 'administration_admin', 'agent', 'identity_verifier')),
  administration TEXT NOT NULL DEFAULT '',
  granted_at BIGINT NOT NULL,
  granted_by TEXT NOT NULL,
  UNIQUE (user_id, role, administration)
);
