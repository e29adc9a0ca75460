-- Webhooks (jobs module): an administration's system is told of events (booking.created,
-- booking.rescheduled, booking.cancelled, booking.no_show) by a signed HTTPS POST, delivered
-- through the outbox with retries. `administration` is '' for every administration's events.
CREATE TABLE webhook_subscriptions (
  id AUTO_ID,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,                     -- the HMAC-SHA256 key the receiver checks signatures with
  events TEXT NOT NULL,                     -- comma-separated event names
  administration TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL
);
