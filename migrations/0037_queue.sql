-- The walk-in queue at citizen shops (queue module).
--
-- A ticket is one visit: one or several services served in order (`queue_ticket_steps`), its
-- number unique per shop and day ("A007": the first service's prefix and a counter per shop, day
-- and prefix kept in `queue_numbers`, taken with an upsert, so every node numbers safely). The
-- ticket row carries its current step's service and state, which is what calling reads.
-- `queue_counters` is who holds each counter (desk) now; `queue_events` is every call and
-- outcome, what display boards show and measures read.
CREATE TABLE queue_numbers (
  shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  day TEXT NOT NULL,                        -- the shop's local date, YYYY-MM-DD
  prefix TEXT NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (shop_id, day, prefix)
);

CREATE TABLE queue_tickets (
  id AUTO_ID,
  shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  day TEXT NOT NULL,
  number TEXT NOT NULL,
  access TEXT NOT NULL UNIQUE,              -- the secret of the ticket's own page (/tickets/{access})
  priority TEXT NOT NULL CHECK (priority IN ('none', 'booked', 'elderly', 'disability', 'pregnancy')),
  status TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'parked', 'done', 'absent', 'cancelled')),
  source TEXT NOT NULL CHECK (source IN ('kiosk', 'web', 'api', 'check_in', 'counter')),
  booking_reference TEXT,                   -- a booked visitor's check-in
  step INTEGER NOT NULL DEFAULT 0,          -- the current step's position
  service_id BIGINT NOT NULL REFERENCES services (id),  -- the current step's service
  counter_id BIGINT REFERENCES counters (id) ON DELETE SET NULL,  -- where it is called or served
  calls INTEGER NOT NULL DEFAULT 0,         -- calls of the current step
  issued_at BIGINT NOT NULL,
  ready_at BIGINT NOT NULL,                 -- when it joins the queue (a booked visitor: the booked time)
  queued_at BIGINT NOT NULL,                -- when its current step joined its queue
  called_at BIGINT,
  finished_at BIGINT,
  lang TEXT NOT NULL DEFAULT 'en',
  client_address TEXT NOT NULL DEFAULT '',
  notify_email TEXT,                        -- told when `notify_ahead` tickets remain before it
  notify_ahead INTEGER,
  notified INTEGER NOT NULL DEFAULT 0,
  -- The wait estimated when it was issued (seconds, P10 / median / P90), kept to measure the
  -- estimator against what happened and to calibrate later estimates (queue/estimates.hpp).
  estimate_p10 INTEGER,
  estimate_p50 INTEGER,
  estimate_p90 INTEGER,
  estimate_model INTEGER,                   -- the queue-length model's mean, before calibration
  UNIQUE (shop_id, day, number)
);
CREATE INDEX queue_tickets_waiting ON queue_tickets (shop_id, status, service_id, ready_at);
CREATE INDEX queue_tickets_counter ON queue_tickets (counter_id, status);
CREATE INDEX queue_tickets_booking ON queue_tickets (booking_reference);

CREATE TABLE queue_ticket_steps (
  ticket_id BIGINT NOT NULL REFERENCES queue_tickets (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  service_id BIGINT NOT NULL REFERENCES services (id),
  queued_at BIGINT,                         -- NULL until the visit reaches this step
  called_at BIGINT,                         -- the first call
  counter_id BIGINT REFERENCES counters (id) ON DELETE SET NULL,
  finished_at BIGINT,
  outcome TEXT CHECK (outcome IN ('served', 'absent', 'cancelled', 'transferred')),
  PRIMARY KEY (ticket_id, position)
);

CREATE TABLE queue_counters (
  counter_id BIGINT PRIMARY KEY REFERENCES counters (id) ON DELETE CASCADE,
  shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,  -- the agent holding it; NULL: closed
  opened_at BIGINT,
  paused_reason TEXT,                       -- NULL: not paused
  paused_at BIGINT,
  ticket_id BIGINT REFERENCES queue_tickets (id) ON DELETE SET NULL,  -- the ticket called or being served
  version INTEGER NOT NULL DEFAULT 0
);
-- An agent holds one counter at a time.
CREATE UNIQUE INDEX queue_counters_holder ON queue_counters (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE queue_events (
  id AUTO_ID,
  shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('issued', 'called', 'recalled', 'served', 'absent', 'transferred', 'parked',
                                     'cancelled', 'counter_opened', 'counter_closed', 'counter_paused')),
  ticket_id BIGINT REFERENCES queue_tickets (id) ON DELETE CASCADE,
  number TEXT,
  counter_id BIGINT REFERENCES counters (id) ON DELETE SET NULL,
  counter_code TEXT,
  service_id BIGINT REFERENCES services (id)
);
CREATE INDEX queue_events_shop ON queue_events (shop_id, id);
