-- Exports of a procedure's cases (procedures module), made by the job worker in the background and
-- kept a week: the file is stored in chunks of at most 1 MiB (base64) as it is written, so that
-- neither the job nor a download ever holds the whole file, and every node can serve it.
CREATE TABLE procedures_exports (
  id AUTO_ID,
  token TEXT NOT NULL UNIQUE,             -- names the export in addresses; ids are not guessable
  administration TEXT NOT NULL,
  service_code TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('csv', 'json', 'xlsx')),
  requested_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  total_rows BIGINT NOT NULL DEFAULT 0,
  done_rows BIGINT NOT NULL DEFAULT 0,
  size_bytes BIGINT NOT NULL DEFAULT 0,
  chunks INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX procedures_exports_service ON procedures_exports (service_code, created_at);

CREATE TABLE procedures_export_chunks (
  export_id BIGINT NOT NULL REFERENCES procedures_exports (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  content TEXT NOT NULL,
  PRIMARY KEY (export_id, seq)
);

-- Exports read a version's cases by id, a thousand at a time: without this index each batch would
-- sort every case of the procedure again.
CREATE INDEX procedures_cases_version_id ON procedures_cases (procedure_id, id);
