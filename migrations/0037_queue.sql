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
  first_called_at BIGINT,                   -- the visit's first call: its wait, for the estimates
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
CREATE INDEX queue_tickets_waiting ON queue_tickets (shop_id, day, status, service_id);
CREATE INDEX queue_tickets_counter ON queue_tickets (counter_id, status);
CREATE INDEX queue_tickets_booking ON queue_tickets (booking_reference);
-- The walk-ins of a shop's day called after an estimate of a minute or more, newest first: what
-- calibrates the estimates (queue/estimates.hpp; the predicate is the query's, word for word).
CREATE INDEX queue_tickets_calibration ON queue_tickets (shop_id, day, first_called_at)
  WHERE estimate_model >= 60 AND source <> 'check_in';

CREATE TABLE queue_ticket_steps (
  ticket_id BIGINT NOT NULL REFERENCES queue_tickets (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,  -- the ticket's, for service times
  service_id BIGINT NOT NULL REFERENCES services (id),
  queued_at BIGINT,                         -- NULL until the visit reaches this step
  called_at BIGINT,                         -- the first call
  counter_id BIGINT REFERENCES counters (id) ON DELETE SET NULL,
  finished_at BIGINT,
  outcome TEXT CHECK (outcome IN ('served', 'absent', 'cancelled', 'transferred')),
  PRIMARY KEY (ticket_id, position)
);
-- The recent service times of a service at a shop (the wait estimates read the last 50).
CREATE INDEX queue_ticket_steps_served ON queue_ticket_steps (shop_id, service_id, finished_at) WHERE outcome = 'served';

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
