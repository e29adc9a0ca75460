-- Bookings (scheduling module). A booking is one visit to one shop: one item per service, each on
-- one counter. The database itself refuses two active items on one counter at overlapping times:
-- an exclusion constraint on PostgreSQL, a trigger on SQLite (whose single writer serialises the
-- check and the insert). `blocks_until` is the item's end plus the counter's turnaround.
CREATE TABLE bookings (
  id AUTO_ID,
  reference TEXT NOT NULL UNIQUE,
  user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,    -- the person the visit is for
  shop_id BIGINT NOT NULL REFERENCES shops (id),
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL CHECK (ends_at > starts_at),
  status TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled', 'arrived', 'no_show')),
  channel TEXT NOT NULL CHECK (channel IN ('online', 'phone', 'desk')),
  booked_by BIGINT REFERENCES users (id) ON DELETE SET NULL,  -- an agent, for phone and desk bookings
  client_address TEXT NOT NULL DEFAULT '',                    -- for the per-address rate limit
  sequence INTEGER NOT NULL DEFAULT 0,                        -- iCalendar SEQUENCE: each reschedule adds one
  lang TEXT NOT NULL DEFAULT 'en',                            -- the language of its e-mails
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX bookings_user ON bookings (user_id, starts_at);
CREATE INDEX bookings_shop ON bookings (shop_id, starts_at);
CREATE INDEX bookings_address ON bookings (client_address, created_at);

CREATE TABLE booking_items (
  id AUTO_ID,
  booking_id BIGINT NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
  service_id BIGINT NOT NULL REFERENCES services (id),
  counter_id BIGINT NOT NULL REFERENCES counters (id),
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL CHECK (ends_at > starts_at),
  blocks_until BIGINT NOT NULL CHECK (blocks_until >= ends_at),
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),  -- 0 once cancelled: the counter is free
  -- At most a day from start to the end of the turnaround, so an overlap check need only look a
  -- day back (the range the SQLite trigger reads through its index).
  CHECK (blocks_until - starts_at <= 86400000000)
);
CREATE INDEX booking_items_booking ON booking_items (booking_id);
CREATE INDEX booking_items_counter ON booking_items (counter_id, starts_at);

-- @postgresql
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE booking_items ADD CONSTRAINT booking_items_no_overlap
  EXCLUDE USING gist (counter_id WITH =, int8range(starts_at, blocks_until) WITH &&) WHERE (active = 1);
-- @sqlite
CREATE TRIGGER booking_items_no_overlap_insert BEFORE INSERT ON booking_items
WHEN NEW.active = 1 AND EXISTS (
  SELECT 1 FROM booking_items b
  WHERE b.counter_id = NEW.counter_id AND b.active = 1
    AND b.starts_at > NEW.starts_at - 86400000000
    AND b.starts_at < NEW.blocks_until AND NEW.starts_at < b.blocks_until)
BEGIN SELECT RAISE(ABORT, 'booking_items_no_overlap'); END;
CREATE TRIGGER booking_items_no_overlap_update BEFORE UPDATE ON booking_items
WHEN NEW.active = 1 AND EXISTS (
  SELECT 1 FROM booking_items b
  WHERE b.id <> NEW.id AND b.counter_id = NEW.counter_id AND b.active = 1
    AND b.starts_at > NEW.starts_at - 86400000000
    AND b.starts_at < NEW.blocks_until AND NEW.starts_at < b.blocks_until)
BEGIN SELECT RAISE(ABORT, 'booking_items_no_overlap'); END;
-- @all

-- People waiting for a visit at a shop for a service, first come first served. When a booking is
-- cancelled, the first one waiting for one of its services is offered the freed time by e-mail.
CREATE TABLE waitlist_entries (
  id AUTO_ID,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  service_id BIGINT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  offered_at BIGINT,                        -- set when a freed visit was offered; the entry is done
  UNIQUE (user_id, shop_id, service_id)
);
CREATE INDEX waitlist_queue ON waitlist_entries (shop_id, service_id, created_at);
