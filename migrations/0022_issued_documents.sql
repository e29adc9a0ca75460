-- What Guichet issued (documents module): every sealed document carries a verification code and
-- a QR code leading to /verify/<code>, where anyone holding the paper sees what was issued (kind,
-- issuer, reference, time) and whether a file is exactly the one issued (its SHA-256). Codes are
-- 60 random bits, so they cannot be guessed.
CREATE TABLE documents_issued (
  id AUTO_ID,
  code TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  issuer TEXT NOT NULL,
  title TEXT NOT NULL,
  reference TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  issued_at BIGINT NOT NULL
);
CREATE INDEX documents_issued_sha256 ON documents_issued (sha256);
